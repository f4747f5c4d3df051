// In-process cost of a cell call: CellInvoker.invoke on a stable echo cell (cache warm) against calling the
// adapter operation directly, in the same run. Prints ns per call and the overhead; bounded in time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/config.js';
import { ADMIN_PRINCIPAL } from '../src/domain/access.js';
import { createFabrica } from '../src/fabrica.js';
import { operationFor } from '../src/runtime/adapter/registry.js';

const N = Number(process.env.BENCH_CALLS ?? 200_000);
const dir = mkdtempSync(join(tmpdir(), 'fabrica-bench-cell-'));
const config = loadConfig({
  env: {
    FABRICA_DATA_DIR: dir,
    FABRICA_ADMIN_TOKEN: 'fab_bench_admin_token_0123456789',
    FABRICA_LOG_LEVEL: 'silent',
  },
  cwd: process.cwd(),
});
const fabrica = await createFabrica(config, { version: 'bench' });
try {
  const tpl = {
    id: 'bench.echo',
    version: '1.0.0',
    analysis_type: 'echo',
    links: [],
    metadata: { schema: 'v1' },
  };
  await fabrica.cells.fabricate('adapter', tpl, true, ADMIN_PRINCIPAL);
  for (let i = 0; i < 3; i += 1)
    await fabrica.cells.command('adapter:bench.echo', 'approve', { actor: 'bench' });
  const op = operationFor('echo')!;
  const cfg = { metadata: tpl.metadata, links: [] };

  const direct = (): number => {
    const t = process.hrtime.bigint();
    for (let i = 0; i < N; i += 1) op.run('hello', cfg);
    return Number(process.hrtime.bigint() - t) / N;
  };
  const viaInvoker = async (): Promise<number> => {
    const t = process.hrtime.bigint();
    for (let i = 0; i < N; i += 1) await fabrica.cellInvoker.invoke('adapter:bench.echo', 'hello');
    return Number(process.hrtime.bigint() - t) / N;
  };
  await viaInvoker(); // warm the cache and the JIT
  direct();
  const rounds = 5;
  const d: number[] = [];
  const v: number[] = [];
  for (let r = 0; r < rounds; r += 1) {
    d.push(direct());
    v.push(await viaInvoker());
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const dm = median(d);
  const vm = median(v);
  process.stdout.write(
    `cell invoke, in process (${N} calls x ${rounds} rounds, medians):\n` +
      `  operation alone      ${dm.toFixed(0)} ns/call\n` +
      `  through CellInvoker  ${vm.toFixed(0)} ns/call\n` +
      `  overhead             ${((vm - dm) / 1000).toFixed(2)} µs/call (goal <= 5 µs)\n`,
  );
} finally {
  await fabrica.close();
  rmSync(dir, { recursive: true, force: true });
}

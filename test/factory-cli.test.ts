import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ADMIN } from './support/app.js';
import { runCli, startServerProcess, type ServerProcess } from './support/server-process.js';
import { freshTarget, type TestStoreTarget } from './support/stores.js';

const EXAMPLE_CELLS = readdirSync('examples/cells')
  .filter((n) => n.endsWith('.json'))
  .map((n) => `adapter:${n.slice(0, -'.json'.length)}`);

/** The CLI run from another directory: the examples must be found from the package, not the cwd. */
async function runCliElsewhere(args: string[], env: Record<string, string>, cwd: string) {
  const child = spawn(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), resolve('src/cli/main.ts'), ...args],
    { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code: code ?? -1, stdout, stderr };
}

describe('fabrica organs, cells and examples against a running server', () => {
  let target: TestStoreTarget;
  let server: ServerProcess;
  let env: Record<string, string>;
  let work: string;
  const cli = async (args: string[], code = 0) => {
    const r = await runCli(args, env);
    assert.equal(r.code, code, `fabrica ${args.join(' ')}: ${r.stdout}${r.stderr}`);
    return r;
  };
  before(async () => {
    target = await freshTarget('sqlite');
    server = await startServerProcess({ ...target.env, ORGANS_BUILDER_STAGE_DELAYS: '50,100,200' });
    env = { FABRICA_URL: server.url, FABRICA_TOKEN: ADMIN };
    work = mkdtempSync(join(tmpdir(), 'fabrica-cli-'));
  });
  after(async () => {
    await server.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
    await target.cleanup();
  });

  it('examples load fabricates every example cell up to stable, once', async () => {
    // examples load: every example cell fabricated and approved to stable.
    const loaded = await cli(['examples', 'load']);
    for (const id of EXAMPLE_CELLS) {
      assert.match(
        loaded.stdout,
        new RegExp(`^${id.replace(/\./g, '\\.')}\\s+\\d+\\.\\d+\\.\\d+\\s+created, approved\\s+stable`, 'm'),
      );
    }
    assert.match(loaded.stdout, /example organs: .*examples\/organs\//);
    // Again, from another directory: nothing to do.
    const again = await runCliElsewhere(['examples', 'load', '--json'], env, work);
    assert.equal(again.code, 0, again.stderr);
    const report = JSON.parse(again.stdout);
    assert.deepEqual(
      report.cells.map((c: any) => [c.id, c.action, c.state]).sort(),
      EXAMPLE_CELLS.map((id) => [id, 'exists', 'stable']).sort(),
    );
  });

  it('organs build --dryrun, --watch through stable, then invoke', async () => {
    // A dry run builds nothing.
    const dry = await cli(['organs', 'build', 'examples/organs/organ.voice.v1.json', '--dryrun']);
    assert.match(dry.stdout, /^dry run: ok/);
    assert.match(
      dry.stdout,
      /analysis\.text_to_phonemes\.v1\s+adapter:analysis\.text_to_phonemes\.v1\s+true\s+stable\s+true/,
    );

    // build --watch, not on a terminal: one line per stage, through stable.
    const built = await cli(['organs', 'build', 'examples/organs/organ.voice.v1.json', '--watch']);
    const lines = built.stdout.trim().split('\n');
    assert.deepEqual(
      lines.map((l) => l.replace(/ \(\+\d+ ms\)$/, '')),
      ['organ-1 ▸ draft', 'organ-1 ▸ canary', 'organ-1 ▸ experimental', 'organ-1 ▸ stable'],
      built.stdout,
    );
    const elapsed = lines.slice(1).map((l) => Number(/\(\+(\d+) ms\)$/.exec(l)?.[1]));
    assert.ok(elapsed[0]! >= 40 && elapsed[2]! >= 300, `the stage delays show: ${elapsed.join(', ')}`);

    const spoken = await cli(['organs', 'invoke', 'organ-1', 'Нейра говорит']);
    assert.equal(spoken.stdout, 'N-YE-I-R-A G-O-V-O-R-I-T\n');
    const traced = await cli([
      'organs',
      'invoke',
      'organ-1',
      '  Нейра  ГОВОРИТ ',
      '--pathway',
      'speak',
      '--json',
    ]);
    const answer = JSON.parse(traced.stdout);
    assert.equal(answer.output, 'N-YE-I-R-A G-O-V-O-R-I-T');
    assert.deepEqual(
      answer.trace.map((t: any) => t.cell),
      [
        'adapter:analysis.text_normalize.v1',
        'adapter:analysis.text_to_phonemes.v1',
        'adapter:analysis.speak_adapter.v1',
      ],
    );
  });

  it('a HITL organ: the watch stops awaiting approval; approve; list and status', async () => {
    // HITL: the watch stops when the organ waits for a human, who approves it.
    const echo = await cli(['organs', 'build', 'examples/organs/organ.echo.v1.json', '--watch']);
    assert.match(echo.stdout, /^organ-2 ▸ experimental \(\+\d+ ms\)$/m);
    assert.match(
      echo.stdout,
      /organ-2 is awaiting approval at experimental: approve with "fabrica organs approve organ-2"/,
    );
    assert.equal((await cli(['organs', 'approve', 'organ-2'])).stdout, 'organ organ-2 stable\n');
    assert.equal((await cli(['organs', 'invoke', 'organ-2', 'ping'])).stdout, 'ping\n');

    const list = await cli(['organs', 'list']);
    assert.match(list.stdout, /^ID\s+TEMPLATE\s+STATE/);
    assert.match(list.stdout, /^organ-1\s+organ\.voice\.v1 0\.1\.0\s+stable\s/m);
    assert.match(list.stdout, /^organ-2\s+organ\.echo\.v1 0\.1\.0\s+stable\s/m);
    const listed = JSON.parse((await cli(['organs', 'list', '--json'])).stdout);
    assert.deepEqual(
      listed.organs.map((o: any) => [o.id, o.state]),
      [
        ['organ-1', 'stable'],
        ['organ-2', 'stable'],
      ],
    );
    const status = await cli(['organs', 'status', 'organ-1']);
    assert.match(status.stdout, /^state\s+stable$/m);
    assert.match(status.stdout, /^invocations\s+2 \(0 errors\)/m);
  });

  it('cells invoke, dryrun, create, approve; a failed build and a rebuild', async () => {
    // cells: invoke (a bare template id means the adapter cell), create, dry-run, approve.
    assert.equal(
      (await cli(['cells', 'invoke', 'adapter:analysis.reverse_adapter.v1', 'Нейра'])).stdout,
      'арйеН\n',
    );
    assert.equal((await cli(['cells', 'invoke', 'analysis.reverse_adapter.v1', 'abc'])).stdout, 'cba\n');
    const cellFile = join(work, 'cell.json');
    writeFileSync(
      cellFile,
      JSON.stringify({
        id: 'analysis.cli_echo.v1',
        version: '1.0.0',
        analysis_type: 'echo',
        links: [],
        metadata: { schema: 'v1' },
      }),
    );
    assert.match(
      (await cli(['cells', 'dryrun', cellFile])).stdout,
      /^dry run: ok\nlinks: \(none\)\nrisks: none\n$/,
    );
    assert.equal(
      (await cli(['cells', 'create', cellFile])).stdout,
      'cell adapter:analysis.cli_echo.v1 1.0.0 draft\n',
    );

    // A build whose cell does not serve fails at its first stage: exit 1 with the reason.
    const organFile = join(work, 'organ.json');
    writeFileSync(
      organFile,
      JSON.stringify({
        id: 'organ.cli.v1',
        roles: ['echo'],
        cells: ['analysis.cli_echo.v1'],
        policies: { hitl: false },
      }),
    );
    const failed = await cli(['organs', 'build', organFile, '--watch'], 1);
    assert.match(
      failed.stdout,
      /^organ-3 ▸ draft\norgan-3 ▸ failed: cells not serving: adapter:analysis\.cli_echo\.v1 \(draft\) \(\+\d+ ms\)\n$/,
    );
    assert.equal(
      failed.stderr,
      'error build_failed: cells not serving: adapter:analysis.cli_echo.v1 (draft)\n',
    );
    assert.equal(
      (await cli(['cells', 'approve', 'analysis.cli_echo.v1'])).stdout,
      'cell adapter:analysis.cli_echo.v1 1.0.0 canary\n',
    );
    const rebuilt = await cli(['organs', 'rebuild', 'organ-3', '--watch']);
    assert.match(rebuilt.stdout, /^organ-3 ▸ draft\n(organ-3 ▸ \w+ \(\+\d+ ms\)\n){3}$/);
    assert.match(rebuilt.stdout, /organ-3 ▸ stable/);
    // The times are the events' own, against the rebuild's start in the stage history: not when the
    // client happened to receive them.
    const history = (await server.request('GET', '/organs/organ-3/status')).body.stage_history as {
      state: string;
      at: string;
    }[];
    const draft = history.map((h) => h.state).lastIndexOf('draft');
    const t0 = Date.parse(history[draft]!.at);
    assert.deepEqual(
      rebuilt.stdout.trim().split('\n'),
      history
        .slice(draft)
        .map((h, i) => `organ-3 ▸ ${h.state}${i === 0 ? '' : ` (+${Date.parse(h.at) - t0} ms)`}`),
    );
  });

  it('errors are one line with exit code 1', async () => {
    // Errors: one line, exit 1.
    const unknown = await cli(['organs', 'status', 'organ-404'], 1);
    assert.equal(unknown.stdout, '');
    assert.equal(unknown.stderr, 'error not_found: no organ organ-404\n');
    const notRunning = await cli(['organs', 'cancel', 'organ-1'], 1);
    assert.match(notRunning.stderr, /^error not_running: [^\n]+\n$/);
    const noFile = await cli(['organs', 'build', join(work, 'missing.json')], 1);
    assert.match(noFile.stderr, /^error invalid_request: cannot read [^\n]+\n$/);
    const noCell = await cli(['cells', 'invoke', 'analysis.nope.v1', 'x'], 1);
    assert.equal(noCell.stderr, 'error not_found: no cell adapter:analysis.nope.v1\n');
  });
});

/**
 * Parse + plan latency of natural-language commands in process (no LLM, no store): every command of the
 * fixture, planned many times against the fixture's registry and against one with 500 more cells.
 * Prints p50 / p99 per language and overall (docs/commands.md).
 */
import { CAPABILITIES, CAPABILITY_NAMES } from '../src/domain/capabilities.js';
import { planCommand } from '../src/domain/commands/plan.js';
import type { Registry } from '../src/domain/commands/registry.js';
import { FIXTURE } from '../test/unit/commands/command-fixture.js';
import { fixtureRegistry } from '../test/unit/commands/registry-fixture.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);

function bigger(extra: number): Registry {
  const base = fixtureRegistry();
  const cells = [...base.cells];
  for (let i = 0; i < extra; i += 1) {
    const t = {
      id: `analysis.filler_${i}.v1`,
      version: '0.1.0',
      analysis_type: `filler_${i}`,
      links: [],
      metadata: { schema: 'v1' },
    };
    cells.push({ id: `adapter:${t.id}`, backend: 'adapter', template: t, stableTemplate: t, revisions: [] });
  }
  return {
    ...base,
    cells,
    capabilities: Object.fromEntries(
      CAPABILITY_NAMES.map((n) => [n, CAPABILITIES[n].level]),
    ) as Registry['capabilities'],
  };
}

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const ms = (ns: number) => (ns / 1e6).toFixed(3);

for (const [label, reg] of [
  ['fixture registry (7 cells, 1 organ)', fixtureRegistry()],
  ['registry with 507 cells', bigger(500)],
] as const) {
  for (const c of FIXTURE) planCommand(c.text, reg, { admin: true }); // warm-up
  const by: Record<string, number[]> = { ru: [], en: [], all: [] };
  for (let r = 0; r < ROUNDS; r += 1) {
    for (const c of FIXTURE) {
      const t0 = process.hrtime.bigint();
      planCommand(c.text, reg, { admin: true });
      const dt = Number(process.hrtime.bigint() - t0);
      by[c.lang]!.push(dt);
      by.all!.push(dt);
    }
  }
  process.stdout.write(`${label}: ${ROUNDS} rounds × ${FIXTURE.length} commands\n`);
  for (const [lang, xs] of Object.entries(by)) {
    xs.sort((a, b) => a - b);
    process.stdout.write(
      `  ${lang.padEnd(3)} p50 ${ms(pct(xs, 50))} ms  p99 ${ms(pct(xs, 99))} ms  max ${ms(xs.at(-1)!)} ms\n`,
    );
  }
}

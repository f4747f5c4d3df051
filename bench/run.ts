/**
 * fabrica benchmark: `npm run bench` (add `-- --json` for JSON on stdout). Loopback only, bounded,
 * stops by itself. Knobs: see docs/benchmarks.md and bench/settings.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { CASES, TARGETS, type CaseDef } from './cases.js';
import { runBareFanout, type BareFanoutResult } from './fanout-bare.js';
import { runFanout, type FanoutResult } from './fanout.js';
import { measureSlice, summarize, warmUp, type Slice } from './load.js';
import { freshSchema, type BenchSchema } from './pg-schema.js';
import { renderReport, type BenchReport, type CaseResult, type Derived } from './report.js';
import { readSettings } from './settings.js';
import { pairedShare } from './stats.js';
import { spawnTarget, type TargetHandle } from './target-client.js';

const settings = readSettings(process.env, process.argv.slice(2));
const progress = (line: string): void => {
  process.stderr.write(`${line}\n`);
};
const wanted = (id: string) => settings.only.length === 0 || settings.only.includes(id);

interface Running {
  readonly def: CaseDef;
  readonly target: TargetHandle;
  readonly slices: Slice[];
  ok2xx: number;
  written: number;
}

/**
 * Starts every target process the wanted cases need, warms each case up, then runs the measured time
 * of every case in `rounds` slices, round-robin, and stops the targets.
 */
async function httpCases(
  targetsInfo: Record<string, Record<string, unknown>>,
  skipped: string[],
): Promise<CaseResult[]> {
  const pg = settings.databaseUrl;
  const onPostgres = (c: CaseDef) => TARGETS.find((d) => d.label === c.target)!.postgres;
  const cases = CASES.filter((c) => wanted(c.id) && (pg !== null || !onPostgres(c)));
  const withoutPg = CASES.filter((c) => wanted(c.id) && pg === null && onPostgres(c)).map((c) => c.id);
  if (withoutPg.length > 0) {
    skipped.push(`${withoutPg.join(', ')}: set FABRICA_TEST_DATABASE_URL or BENCH_DATABASE_URL`);
  }
  const schemas: BenchSchema[] = [];
  const handles = new Map<string, TargetHandle>();
  try {
    for (const def of TARGETS.filter((t) => cases.some((c) => c.target === t.label))) {
      let databaseUrl: string | undefined;
      if (def.postgres) {
        const schema = await freshSchema(pg!, def.kind === 'fabrica' ? 'fabrica' : 'insert');
        schemas.push(schema);
        databaseUrl = schema.url;
      }
      const handle = await spawnTarget(def.kind, databaseUrl === undefined ? {} : { databaseUrl });
      handles.set(def.label, handle);
      targetsInfo[def.label] = handle.info;
    }
    const running: Running[] = cases.map((def) => ({
      def,
      target: handles.get(def.target)!,
      slices: [],
      ok2xx: 0,
      written: 0,
    }));
    const conns = (c: CaseDef) => c.connections ?? settings.connections;
    for (const r of running) {
      progress(`warming up ${r.def.name} …`);
      const w = await warmUp(r.target, r.def.requests, settings.warmupSeconds, conns(r.def), r.def.counter);
      r.ok2xx += w.ok2xx;
      r.written += w.written;
    }
    const sliceSeconds = settings.seconds / settings.rounds;
    for (let round = 1; round <= settings.rounds; round++) {
      progress(`round ${round}/${settings.rounds} (${sliceSeconds} s per case) …`);
      // Every other round runs the cases in reverse, so that no case always follows the same one.
      for (const r of round % 2 === 0 ? [...running].reverse() : running) {
        const s = await measureSlice(r.target, r.def.requests, sliceSeconds, conns(r.def), r.def.counter);
        r.slices.push(s);
        r.ok2xx += s.ok2xx;
        r.written += s.written;
      }
    }
    return running.map((r) => ({
      ...summarize(r.slices),
      id: r.def.id,
      name: r.def.name,
      baseline: r.def.baseline !== null && cases.some((c) => c.id === r.def.baseline) ? r.def.baseline : null,
      goal: r.def.baseline !== null && cases.some((c) => c.id === r.def.baseline) ? r.def.goal : null,
      connections: conns(r.def),
      ...(r.def.counter === undefined ? {} : { written: r.written, ok2xxIncludingWarmup: r.ok2xx }),
    }));
  } finally {
    await Promise.all([...handles.values()].map((h) => h.stop()));
    for (const s of schemas) await s.drop();
  }
}

function derive(results: readonly CaseResult[], targets: Record<string, Record<string, unknown>>): Derived[] {
  const by = (id: string) => results.find((r) => r.id === id);
  const out: Derived[] = [];
  const read = by('read-sqlite');
  const pub = by('read-public-sqlite');
  const health = by('healthz-sqlite');
  const hello = by('hello');
  const metrics = (targets['fabrica (sqlite)']?.metricsRoute as string | undefined) ?? 'absent';
  const info = (name: string, value: number, unit: Derived['unit'], note: string): Derived => ({
    name,
    value,
    unit,
    goal: null,
    met: null,
    note,
  });
  /** Microseconds of server CPU per request that `a` spends beyond `b`. */
  const extraCpu = (a: CaseResult, b: CaseResult) =>
    `${((a.server.cpuMsPerRequest - b.server.cpuMsPerRequest) * 1000).toFixed(0)} µs CPU/req more`;
  /** `a`'s throughput as a share of `b`'s, when both ran. */
  const share = (
    name: string,
    a: CaseResult | undefined,
    b: CaseResult | undefined,
    note: (a: CaseResult, b: CaseResult) => string,
  ) => {
    if (a && b) out.push(info(name, a.rps / b.rps, '%', note(a, b)));
  };
  const bare = by('read-bare-sqlite');
  /** What `a` loses against `b`: judged round by round, with the whole run's totals beside it. */
  const lost = (a: CaseResult, b: CaseResult) => {
    const paired = pairedShare(a.roundRps, b.roundRps);
    const pct = (v: number) => `${(v * 100).toFixed(0)}%`;
    return {
      value: 1 - paired.median,
      note: `median of ${paired.rounds} rounds (quartiles ${pct(1 - paired.q3)} to ${pct(1 - paired.q1)}); ${pct(1 - a.rps / b.rps)} of the totals; ${extraCpu(a, b)}`,
    };
  };
  if (read && bare) {
    const { value, note } = lost(read, bare);
    out.push({
      name: 'authorization + metrics overhead (read route)',
      value,
      unit: '%',
      goal: '<= 10%',
      met: value <= 0.1,
      note: `req/s lost by fabrica's read route against the same handler on a bare Fastify with request ids (auth + metrics): ${note}`,
    });
  }
  if (read && pub) {
    const { value, note } = lost(read, pub);
    out.push(
      info(
        'authorization overhead (read route)',
        value,
        '%',
        `req/s lost to the admin-token check on the same route handler: ${note}`,
      ),
    );
  }
  share(
    'read route vs /healthz (same app)',
    read,
    health,
    () =>
      `auth + store read vs a public route without store; /metrics route ${metrics} (its hook runs on both)`,
  );
  share(
    'fabrica /healthz vs bare hello',
    health,
    hello,
    () => "fabrica's Fastify stack alone (hooks, request ids, metrics, auth hook on a public route)",
  );
  const echo = by('post-echo');
  const againstEcho = (a: CaseResult, b: CaseResult) =>
    `the same request shape on a bare Fastify route that only parses and answers; ${extraCpu(a, b)}`;
  share('cell invoke vs bare POST echo', by('cell-invoke-sqlite'), echo, againstEcho);
  share('organ invoke (3 cells) vs bare POST echo', by('organ-invoke-sqlite'), echo, againstEcho);
  share(
    'bare POST echo vs bare hello',
    echo,
    hello,
    () => "what a POST with a JSON body costs Fastify itself: the ceiling of any call's ratio to hello",
  );
  for (const r of results) {
    if (r.written !== undefined && r.ok2xxIncludingWarmup !== undefined && r.ok2xxIncludingWarmup > 0) {
      out.push(
        info(
          `rows or events per 2xx write (${r.id})`,
          r.written / r.ok2xxIncludingWarmup,
          'x',
          'one row (baseline) or one hash-chained event (fabrica) per write; cut-off requests may add a few',
        ),
      );
    }
  }
  return out;
}

async function main(): Promise<void> {
  const caseCount = CASES.length;
  const budgetMs =
    (caseCount * (settings.seconds + settings.warmupSeconds + settings.rounds * 0.5) +
      2 * settings.fanout.seconds +
      90) *
    1000;
  setTimeout(() => {
    progress(`benchmark exceeded its ${Math.round(budgetMs / 1000)} s budget; stopping`);
    process.exit(2);
  }, budgetMs).unref();

  const loadBefore = loadavg()[0]!;
  const targets: Record<string, Record<string, unknown>> = {};
  const skipped: string[] = [];
  const results = await httpCases(targets, skipped);

  let fanout: FanoutResult | null = null;
  let fanoutBare: BareFanoutResult | null = null;
  if (wanted('fanout')) {
    const f = settings.fanout;
    progress(`fan-out: ${f.subscribers} SSE subscribers, ${f.rate} events/s for ${f.seconds} s …`);
    fanout = await runFanout(settings);
    progress(`fan-out, bare broadcast: the same subscribers, rate and time …`);
    fanoutBare = await runBareFanout(settings);
  }

  const cpu = cpus();
  const report: BenchReport = {
    date: new Date().toISOString().slice(0, 10),
    machine: {
      cpus: cpu.length,
      cpuModel: cpu[0]?.model.trim() ?? 'unknown',
      node: process.version,
      loadAverage: { before: loadBefore, after: loadavg()[0]! },
    },
    settings: {
      seconds: settings.seconds,
      rounds: settings.rounds,
      warmupSeconds: settings.warmupSeconds,
      connections: settings.connections,
      sqliteSynchronous: process.env.FABRICA_SQLITE_SYNCHRONOUS ?? 'full',
      postgres: settings.databaseUrl !== null,
      fanout: settings.fanout,
    },
    targets,
    cases: results,
    derived: derive(results, targets),
    fanout,
    fanoutBare,
    skipped,
  };
  mkdirSync(dirname(settings.outFile), { recursive: true });
  writeFileSync(settings.outFile, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(settings.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderReport(report)}\n`);
  progress(`results written to ${settings.outFile}`);
}

await main();

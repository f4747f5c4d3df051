/**
 * fabrica run-kernel benchmark: durable steps per second of the run kernel (in process, SQLite and
 * PostgreSQL), beside a DBOS Transact workflow and a bare INSERT loop on the same PostgreSQL and a Restate
 * service on a single-node Restate server, and whole run lifecycles over HTTP. Loopback only, bounded, stops by itself; `--json` prints JSON on stdout.
 * Knobs: docs/benchmarks-kernel.md and bench/kernel-settings.ts.
 */
import { cpus } from 'node:os';
import { openBaselineHost, type BaselineHost } from './kernel-baselines.js';
import { footprint, engineLifecycle, openEngine, type EngineTarget } from './kernel-engine.js';
import { stepsPerRun } from './kernel-graph.js';
import { openHttpTarget, type HttpTarget } from './kernel-http.js';
import { commitSettings, freshSchema, type Scratch } from './kernel-pg.js';
import { openRestateHost } from './kernel-restate.js';
import { renderKernelReport, type CaseReport, type KernelReport, type Ratio } from './kernel-report.js';
import { readKernelSettings } from './kernel-settings.js';
import { Driver, totals, unmeasured, type SliceResult } from './kernel-stats.js';

const settings = readKernelSettings(process.env, process.argv.slice(2));
const shape = { stages: settings.stages, issues: settings.issues };
const STEPS = stepsPerRun(shape.stages, shape.issues);
const wanted = (g: string) => settings.only.length === 0 || settings.only.includes(g);
const progress = (line: string) => process.stderr.write(`${line}\n`);

/** Cleans up (at most 15 s) and exits: on SIGINT/SIGTERM, and when the run overstays its time. */
function bail(code: number, why: string): void {
  progress(`kernel benchmark: ${why}; cleaning up`);
  const cap = new Promise<void>((r) => setTimeout(r, 15_000).unref());
  void Promise.race([closeAll(), cap]).finally(() => process.exit(code));
}
process.once('SIGINT', () => bail(130, 'interrupted'));
process.once('SIGTERM', () => bail(143, 'terminated'));
// Stops by itself even if a store hangs: well past the planned time, give up. Planned: every engine
// and peer case at each number in flight (at most six kinds), the two HTTP cases, and start-ups.
const plannedSeconds = (6 * settings.inFlight.length + 2) * (settings.seconds + settings.warmupSeconds) + 90;
setTimeout(
  () => bail(2, `still running after ${plannedSeconds + 120} s`),
  (plannedSeconds + 120) * 1000,
).unref();

interface LiveCase {
  readonly id: string;
  readonly group: CaseReport['group'];
  readonly name: string;
  readonly store: string;
  readonly concurrency: number;
  readonly slice: (seconds: number) => Promise<SliceResult>;
  readonly slices: SliceResult[];
}

const closers: (() => Promise<void>)[] = [];
const notes: string[] = [];
const footprints: KernelReport['footprint'] = {};
const done: LiveCase[] = [];

/** Warms every case up, then runs `rounds` slices of each, round-robin, so noise spreads over all cases. */
async function measure(cases: LiveCase[]): Promise<void> {
  if (settings.warmupSeconds > 0) {
    for (const c of cases) {
      progress(`warming up ${c.id} …`);
      await c.slice(settings.warmupSeconds);
    }
  }
  const each = settings.seconds / settings.rounds;
  for (let round = 1; round <= settings.rounds; round++) {
    progress(`round ${round}/${settings.rounds} (${each} s per case, ${cases.length} cases) …`);
    for (const c of cases) c.slices.push(await c.slice(each));
  }
  done.push(...cases);
}

const inFlight = settings.inFlight;

function engineCases(t: EngineTarget, store: string): LiveCase[] {
  return inFlight.map((n) => {
    const driver = new Driver(n, async (m) => void (await engineLifecycle(t.runs, m, shape)));
    return {
      id: `${t.label}/${n}`,
      group: 'engine',
      name: 'fabrica kernel (engine)',
      store,
      concurrency: n,
      slice: (s) => driver.slice(s),
      slices: [],
    };
  });
}

function baselineCases(b: BaselineHost): LiveCase[] {
  const out: LiveCase[] = [];
  for (const n of inFlight) {
    if (wanted('dbos'))
      out.push({
        id: `dbos/${n}`,
        group: 'dbos',
        name: 'DBOS workflow',
        store: 'postgres',
        concurrency: n,
        slice: (s) => b.slice('dbos', n, s),
        slices: [],
      });
    if (wanted('baseline'))
      out.push({
        id: `bare/${n}`,
        group: 'baseline',
        name: 'bare INSERT loop',
        store: 'postgres',
        concurrency: n,
        slice: (s) => b.slice('bare', n, s),
        slices: [],
      });
  }
  return out;
}

async function scratchSchema(label: string): Promise<Scratch> {
  const s = await freshSchema(settings.databaseUrl!, label);
  closers.push(() => s.drop());
  return s;
}

/** Engine cases (SQLite modes, PostgreSQL) and the PostgreSQL baselines, measured interleaved. */
async function enginePhase(): Promise<void> {
  const cases: LiveCase[] = [];
  const pg = settings.databaseUrl;
  if (wanted('engine')) {
    for (const mode of settings.sqliteModes) {
      const t = await openEngine(`sqlite-${mode}`, { sqlite: mode });
      closers.push(() => t.close());
      footprints[t.label] = await footprint(t, unmeasured, shape);
      cases.push(...engineCases(t, `sqlite (synchronous=${mode})`));
    }
    if (pg !== null) {
      const schema = await scratchSchema('engine');
      const t = await openEngine('pg', { databaseUrl: schema.url });
      closers.push(() => t.close());
      footprints[t.label] = await footprint(t, unmeasured, shape);
      cases.push(...engineCases(t, 'postgres'));
    }
  }
  if (pg !== null && (wanted('dbos') || wanted('baseline'))) {
    progress('creating the DBOS database and launching DBOS …');
    try {
      const b = await openBaselineHost({ serverUrl: pg, poolSize: 10, steps: STEPS });
      closers.push(() => b.close());
      notes.push(
        `DBOS: @dbos-inc/dbos-sdk ${String(b.info.dbos_sdk)}, system database pool 10, step-row pool 10; the baselines run in a worker thread, fabrica's engine in the main thread: each in a runtime of its own`,
      );
      cases.push(...baselineCases(b));
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      notes.push(`DBOS baseline unavailable: ${why}`);
      progress(`DBOS baseline unavailable: ${why}`);
    }
  }
  if (wanted('restate')) cases.push(...(await restateCases()));
  if (cases.length > 0) await measure(cases);
  await closeAll();
}

/** The Restate peer: its own server and store (not PostgreSQL), so it runs with or without a database. */
async function restateCases(): Promise<LiveCase[]> {
  progress('starting the Restate server and registering the Restate service …');
  try {
    const r = await openRestateHost(STEPS);
    closers.push(() => r.close());
    notes.push(
      `Restate: server ${String(r.info.restate_server)} (single node, every listener on 127.0.0.1, data in a temporary directory: its log and state in RocksDB, write-ahead log synced), SDK ${String(r.info.restate_sdk)}; ${STEPS} no-op ctx.run steps per invocation (each result journaled by the server, no PostgreSQL row); invocations started through the HTTP ingress and the service's endpoint in a worker thread`,
    );
    return inFlight.map((n) => ({
      id: `restate/${n}`,
      group: 'restate',
      name: 'Restate service',
      store: 'restate (rocksdb)',
      concurrency: n,
      slice: (s) => r.slice(n, s),
      slices: [],
    }));
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    notes.push(`Restate peer unavailable: ${why}`);
    progress(`Restate peer unavailable: ${why}`);
    return [];
  }
}

/** Whole lifecycles over HTTP, `concurrency` clients, on SQLite (synchronous=full) and PostgreSQL. */
async function httpPhase(): Promise<void> {
  if (!wanted('http')) return;
  const targets: [HttpTarget, string][] = [];
  const sqlite = await openHttpTarget('http-sqlite', shape, null);
  closers.push(() => sqlite.close());
  targets.push([sqlite, 'sqlite (synchronous=full)']);
  if (settings.databaseUrl !== null) {
    const schema = await scratchSchema('http');
    const pg = await openHttpTarget('http-pg', shape, schema.url);
    closers.push(() => pg.close());
    targets.push([pg, 'postgres']);
  }
  const n = settings.concurrency;
  await measure(
    targets.map(([t, store]) => ({
      id: `${t.label}/${n}`,
      group: 'http',
      name: 'fabrica over HTTP',
      store,
      concurrency: n,
      slice: (s) => t.slice(s, n),
      slices: [],
    })),
  );
  await closeAll();
}

async function closeAll(): Promise<void> {
  // Last opened, first closed: targets before the schemas they live in.
  while (closers.length > 0) {
    const close = closers.pop()!;
    await close().catch((e: unknown) =>
      progress(`cleanup failed: ${e instanceof Error ? e.message : String(e)}`),
    );
  }
}

function ratios(cases: CaseReport[]): Ratio[] {
  const by = (id: string) => cases.find((c) => c.id === id)?.totals;
  const out: Ratio[] = [];
  const add = (what: string, a: number | undefined, b: number | undefined, goal?: string, met?: boolean) => {
    if (a !== undefined && b !== undefined && b > 0)
      out.push({ what, value: a / b, ...(goal ? { goal } : {}), ...(met === undefined ? {} : { met }) });
  };
  const n = settings.concurrency;
  /** The faster of DBOS and Restate at `k` in flight, by steps/s. */
  const bestPeer = (k: number) => {
    const peers = [
      ['DBOS', by(`dbos/${k}`)],
      ['Restate', by(`restate/${k}`)],
    ] as const;
    let best: { name: string; stepsPerS: number } | undefined;
    for (const [name, t] of peers)
      if (t !== undefined && (best === undefined || t.stepsPerS > best.stepsPerS))
        best = { name, stepsPerS: t.stepsPerS };
    return best;
  };
  for (const k of inFlight) {
    const peer = bestPeer(k);
    for (const [label, id] of [
      ['postgres', `pg/${k}`],
      ['sqlite-full', `sqlite-full/${k}`],
    ] as const) {
      const f = by(id);
      if (peer !== undefined && f !== undefined)
        add(
          `kernel ${label} ÷ best peer (${peer.name}), steps/s, ${k} in flight`,
          f.stepsPerS,
          peer.stepsPerS,
          '> 1',
          f.stepsPerS > peer.stepsPerS,
        );
    }
  }
  for (const k of inFlight) {
    add(
      `kernel ÷ Restate, steps/s, postgres, ${k} in flight`,
      by(`pg/${k}`)?.stepsPerS,
      by(`restate/${k}`)?.stepsPerS,
    );
    add(
      `Restate ÷ kernel, step p50, postgres, ${k} in flight`,
      by(`restate/${k}`)?.step.p50,
      by(`pg/${k}`)?.step.p50,
    );
  }
  for (const k of inFlight) {
    const f = by(`pg/${k}`);
    const d = by(`dbos/${k}`);
    add(
      `kernel ÷ DBOS, steps/s, postgres, ${k} in flight`,
      f?.stepsPerS,
      d?.stepsPerS,
      '> 1',
      f && d ? f.stepsPerS > d.stepsPerS : undefined,
    );
    add(
      `DBOS ÷ kernel, step p50, postgres, ${k} in flight`,
      d?.step.p50,
      f?.step.p50,
      '> 1',
      f && d ? d.step.p50 > f.step.p50 : undefined,
    );
  }
  for (const k of inFlight) {
    add(
      `kernel ÷ bare INSERT loop, steps/s, postgres, ${k} in flight`,
      by(`pg/${k}`)?.stepsPerS,
      by(`bare/${k}`)?.stepsPerS,
    );
    add(
      `DBOS ÷ bare INSERT loop, steps/s, postgres, ${k} in flight`,
      by(`dbos/${k}`)?.stepsPerS,
      by(`bare/${k}`)?.stepsPerS,
    );
  }
  for (const k of inFlight) {
    add(
      `kernel sqlite-full ÷ DBOS postgres, steps/s, ${k} in flight`,
      by(`sqlite-full/${k}`)?.stepsPerS,
      by(`dbos/${k}`)?.stepsPerS,
    );
    add(
      `sqlite normal ÷ full, steps/s, ${k} in flight`,
      by(`sqlite-normal/${k}`)?.stepsPerS,
      by(`sqlite-full/${k}`)?.stepsPerS,
    );
  }
  add(
    `HTTP ÷ engine, runs/s, sqlite-full, ${n} in flight`,
    by(`http-sqlite/${n}`)?.runsPerS,
    by(`sqlite-full/${n}`)?.runsPerS,
  );
  add(
    `HTTP ÷ engine, runs/s, postgres, ${n} in flight`,
    by(`http-pg/${n}`)?.runsPerS,
    by(`pg/${n}`)?.runsPerS,
  );
  return out;
}

async function main(): Promise<void> {
  const started = performance.now();
  if (settings.databaseUrl === null)
    notes.push('PostgreSQL and DBOS cases skipped: set BENCH_DATABASE_URL or FABRICA_TEST_DATABASE_URL');
  const machine: Record<string, unknown> = {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
  };
  if (settings.databaseUrl !== null) machine.postgres = await commitSettings(settings.databaseUrl);
  try {
    await enginePhase();
    await httpPhase();
  } finally {
    await closeAll();
  }
  const cases: CaseReport[] = done.map((c) => ({
    id: c.id,
    group: c.group,
    name: c.name,
    store: c.store,
    concurrency: c.concurrency,
    totals: totals(c.slices, STEPS),
  }));
  notes.push(
    `steps/s counts durable steps that ended inside the measured windows (between slices the runs are paused between two steps and resume in the case's next slice); runs/s = steps/s ÷ ${STEPS}`,
    `the machine is shared and noisy: compare the ratios (measured in the same run), not absolute figures; took ${Math.round((performance.now() - started) / 1000)} s`,
  );
  const report: KernelReport = {
    date: new Date().toISOString().slice(0, 10),
    machine,
    settings: {
      seconds: settings.seconds,
      rounds: settings.rounds,
      warmup: settings.warmupSeconds,
      concurrency: settings.concurrency,
      inFlight: settings.inFlight.join(','),
      stages: settings.stages,
      issues: settings.issues,
    },
    stepsPerRun: STEPS,
    footprint: footprints,
    cases,
    ratios: ratios(cases),
    notes,
  };
  if (settings.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(`${renderKernelReport(report)}\n`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    progress(`kernel benchmark failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);

/**
 * Supervisor overhead (`npm run bench:supervisor`, docs/benchmarks-kernel.md): prompts become completed
 * runs by themselves — the run supervisor plans through a room, dispatches the issues, the verification
 * and the checkpoint, and completes the run — with no-op workers that answer every assignment at once.
 * Runs/s end to end with 1, 8 and 32 runs in flight, in process (the workers call the dispatch service)
 * and over HTTP (the workers claim and answer through `/llm/rooms/:id/inbox` on loopback), and the CPU a
 * run costs: the whole process, and the supervisor's own share, from a sampling CPU profile.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../src/config/config.js';
import { ADMIN_PRINCIPAL } from '../src/domain/access.js';
import type { Assignment } from '../src/domain/runs/assignments.js';
import { DispatchService, type ReportInput } from '../src/engine/runs/dispatch-service.js';
import { RoomService } from '../src/engine/runs/room-service.js';
import type { Caller } from '../src/engine/runs/run-service.js';
import { IdGenerator } from '../src/engine/ids.js';
import { createFabrica, type Fabrica } from '../src/fabrica.js';
import { freshSchema } from './pg-schema.js';

const TOKEN = 'fab_bench_supervisor_admin_token_0123456789abcdef';
const ADMIN: Caller = { principal: ADMIN_PRINCIPAL, guard: () => null };
const LEASE_MS = 60_000;
/** What one run asks of its workers: planning, two issues, the verification and the checkpoint. */
const ASSIGNMENTS_PER_RUN = 5;

interface Settings {
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly inFlight: readonly number[];
  readonly modes: readonly ('engine' | 'http')[];
  readonly databaseUrl: string | null;
  readonly sqlite: boolean;
  readonly json: boolean;
}

function readSettings(env: NodeJS.ProcessEnv, argv: readonly string[]): Settings {
  const flags = new Map<string, string>();
  for (const a of argv) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (m === null) throw new Error(`unknown argument ${a} (flags look like --seconds=5)`);
    flags.set(m[1]!, m[2] ?? 'true');
  }
  const pick = (flag: string, name: string) => flags.get(flag) ?? env[name];
  const num = (flag: string, name: string, def: number, min: number, max: number) => {
    const raw = pick(flag, name);
    if (raw === undefined || raw === '') return def;
    const v = Number(raw);
    if (!Number.isFinite(v) || v < min || v > max) throw new Error(`${name} must be in [${min}, ${max}]`);
    return v;
  };
  const list = (pick('in-flight', 'BENCH_SUPERVISOR_IN_FLIGHT') ?? '1,8,32').split(',').map(Number);
  if (list.some((n) => !Number.isInteger(n) || n < 1 || n > 256))
    throw new Error('BENCH_SUPERVISOR_IN_FLIGHT is a list of whole numbers in [1, 256]');
  const modes = (pick('modes', 'BENCH_SUPERVISOR_MODES') ?? 'engine,http').split(',');
  if (modes.some((m) => m !== 'engine' && m !== 'http'))
    throw new Error('BENCH_SUPERVISOR_MODES is a list of engine and http');
  return {
    seconds: num('seconds', 'BENCH_SUPERVISOR_SECONDS', 5, 1, 600),
    warmupSeconds: num('warmup-seconds', 'BENCH_SUPERVISOR_WARMUP_SECONDS', 1, 0, 60),
    inFlight: list,
    modes: modes as ('engine' | 'http')[],
    databaseUrl: env.BENCH_DATABASE_URL ?? env.FABRICA_TEST_DATABASE_URL ?? null,
    sqlite: (pick('sqlite', 'BENCH_SUPERVISOR_SQLITE') ?? 'true') !== 'false',
    json: flags.has('json'),
  };
}

/** A no-op worker's answer: planning yields a two-issue graph; everything else passes at once. */
function answer(kind: string, runId: string): Omit<ReportInput, 'leaseToken'> {
  if (kind === 'planning') {
    const issue = (key: string, after: string[]) => ({
      key,
      title: `do ${key}`,
      kind: 'task',
      depends_on: after,
      acceptance_criteria: [`${key} is done`],
      verification_requirements: [],
    });
    return {
      status: 'passed',
      summary: 'planned 2 issues',
      artifacts: [
        { artifactType: 'problem_interpretation', payload: { summary: 'bench' } },
        { artifactType: 'delivery_spec', payload: { summary: 'two issues' } },
        {
          artifactType: 'factory.kernel.stage_graph',
          payload: {
            stages: [
              { key: 'build', name: 'Build', depends_on: [], issues: [issue('i1', []), issue('i2', ['i1'])] },
            ],
          },
        },
        {
          artifactType: 'verification_plan',
          payload: { commands: [{ program: 'node', args: ['-e', 'process.exit(0)'] }] },
        },
      ],
    };
  }
  if (kind === 'checkpoint')
    return {
      status: 'passed',
      summary: 'checkpoint',
      checkpoint: { branchName: `run/${runId}`, worktreePath: '.', baseRef: 'main', status: 'ready' },
    };
  return { status: 'passed', summary: 'done' };
}

/** The same answer on the wire (snake_case bodies). */
function wireAnswer(kind: string, runId: string): Record<string, unknown> {
  const a = answer(kind, runId);
  return {
    status: a.status,
    summary: a.summary,
    ...(a.artifacts === undefined
      ? {}
      : { artifacts: a.artifacts.map((x) => ({ artifact_type: x.artifactType, payload: x.payload })) }),
    ...(a.checkpoint === undefined
      ? {}
      : {
          checkpoint: {
            branch_name: a.checkpoint.branchName,
            worktree_path: a.checkpoint.worktreePath,
            base_ref: a.checkpoint.baseRef,
            status: a.checkpoint.status,
          },
        }),
  };
}

interface CaseResult {
  readonly store: string;
  readonly mode: 'engine' | 'http';
  readonly inFlight: number;
  /** Runs that completed inside the window (their p50 is `runP50Ms`). */
  readonly runs: number;
  /** Assignments answered inside the window; ÷ 5 is the runs' worth of work done. */
  readonly assignments: number;
  readonly seconds: number;
  readonly runsPerSecond: number;
  readonly runP50Ms: number;
  readonly cpuMsPerRun: number;
  readonly supervisorCpuMsPerRun: number;
}

const SUPERVISOR_CODE =
  /src\/(engine\/runs\/(run-supervisor|supervisor-steps)|domain\/runs\/supervisor(-prompts)?)\.ts/;

/** CPU time (ms) of the profile's samples whose stack holds a frame of the supervisor's code. */
function supervisorMs(profile: {
  nodes: { id: number; callFrame: { url: string }; children?: number[] }[];
  samples?: number[];
  timeDeltas?: number[];
}): number {
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const inside = new Map<number, boolean>();
  const isInside = (id: number): boolean => {
    const known = inside.get(id);
    if (known !== undefined) return known;
    const n = byId.get(id)!;
    const p = parent.get(id);
    const v = SUPERVISOR_CODE.test(n.callFrame.url) || (p !== undefined && isInside(p));
    inside.set(id, v);
    return v;
  };
  let us = 0;
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 1; i < samples.length; i += 1) if (isInside(samples[i]!)) us += deltas[i] ?? 0;
  return us / 1000;
}

async function openFabrica(label: string, databaseUrl: string | null) {
  const dataDir = mkdtempSync(join(tmpdir(), `fabrica-supervisor-bench-${label}-`));
  const schema = databaseUrl === null ? null : await freshSchema(databaseUrl, 'supervisor');
  const config = loadConfig({
    env: {
      FABRICA_ADMIN_TOKEN: TOKEN,
      FABRICA_DATA_DIR: dataDir,
      FABRICA_LOG_LEVEL: 'warn',
      // The server's own default unless the run says otherwise (to see what timer polling costs).
      ...(process.env.BENCH_SUPERVISOR_TIMER_POLL_MS === undefined
        ? {}
        : { FABRICA_TIMER_POLL_MS: process.env.BENCH_SUPERVISOR_TIMER_POLL_MS }),
      ...(schema === null ? {} : { DATABASE_URL: schema.url }),
    },
    cwd: process.cwd(),
  });
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (logs.length < 20) logs.push(chunk.toString());
      cb();
    },
  });
  const fabrica = await createFabrica(config, { version: 'bench', logStream });
  const url = await fabrica.app.listen({ port: 0, host: '127.0.0.1' });
  return {
    fabrica,
    url,
    logs,
    async close() {
      await fabrica.close();
      rmSync(dataDir, { recursive: true, force: true });
      await schema?.drop();
    },
  };
}

/** Keeps `n` runs in flight with `n` worker slots for `seconds` (after a warm-up) and measures. */
async function runCase(
  f: Fabrica,
  url: string,
  store: string,
  mode: 'engine' | 'http',
  n: number,
  s: Settings,
): Promise<CaseResult> {
  const rooms = new RoomService(
    f.store,
    { now: () => Date.now() },
    new IdGenerator({ now: () => Date.now() }),
  );
  const dispatch = new DispatchService(f.runs, rooms, { now: () => Date.now() });
  const http = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await r.text();
    if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${text}`);
    return JSON.parse(text) as { data: any };
  };
  // A room of its own per case, in a tenant of its own: each case's runs go to its own room.
  const tenant = `bench_${mode}_${n}`;
  const room = await rooms.create({ tenant, name: tenant, purpose: null, metadata: {} }, ADMIN_PRINCIPAL);

  let stopping = false;
  let failure: Error | null = null;
  const started = new Map<string, number>();
  const finished: { at: number; ms: number; id: string }[] = [];
  const answered: number[] = [];
  const waiting = new Set<() => void>();
  const wakeWorkers = () => {
    for (const w of waiting) w();
    waiting.clear();
  };
  const unlisten = f.hub.onEvent((e) => {
    if (e.subjectKind !== 'run') return;
    if (e.type === 'issue.dispatched') wakeWorkers();
    if (e.type !== 'run.status_changed' || !started.has(e.subjectId)) return;
    const to = (JSON.parse(e.data) as { context?: { to?: string } }).context?.to;
    if (to === 'failed' || to === 'cancelled') failure ??= new Error(`run ${e.subjectId} ${to}`);
    if (to !== 'completed') return;
    const at = performance.now();
    finished.push({ at, ms: at - started.get(e.subjectId)!, id: e.subjectId });
    started.delete(e.subjectId);
    if (!stopping) void startRun().catch(fail);
  });
  const fail = (e: unknown) => void (failure ??= e instanceof Error ? e : new Error(String(e)));
  const source = { kind: 'prompt' as const, format: 'text' as const, content: 'Ship it\n- one\n- two' };
  let pendingCreates = 0;
  async function startRun(): Promise<void> {
    pendingCreates += 1;
    const t = performance.now();
    try {
      if (mode === 'engine') {
        const agg = await f.runs.create({ tenant, source, autoAdvance: true }, ADMIN_PRINCIPAL);
        started.set(agg.run.id, t);
      } else {
        const r = await http('POST', '/llm/factory/runs', { source, tenant, auto_advance: true });
        started.set(r.data.id as string, t);
      }
    } finally {
      pendingCreates -= 1;
    }
  }

  const idle = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        waiting.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      waiting.add(done);
    });
  const slot = async () => {
    while (failure === null && (!stopping || started.size > 0 || pendingCreates > 0)) {
      if (mode === 'engine') {
        const c = await dispatch.claim(room.id, LEASE_MS, ADMIN);
        if (!c.ok) throw new Error(`claim: ${c.error.reason}`);
        const a: Assignment | null = c.value;
        if (a === null) {
          await idle(20);
          continue;
        }
        const r = await dispatch.report(
          room.id,
          a.id,
          { leaseToken: a.leaseToken!, ...answer(a.kind, a.runId) },
          ADMIN,
        );
        if (!r.ok) throw new Error(`report: ${r.error.reason}`);
        answered.push(performance.now());
      } else {
        const c = await http('GET', `/llm/rooms/${room.id}/inbox?lease_ms=${LEASE_MS}`);
        const a = c.data as {
          assignment_id: string;
          kind: string;
          run_id: string;
          lease_token: string;
        } | null;
        if (a === null) {
          // A worker over HTTP does not hear the server's events: it polls an empty inbox.
          await new Promise((r) => setTimeout(r, 10));
          continue;
        }
        await http('POST', `/llm/rooms/${room.id}/inbox/${a.assignment_id}/result`, {
          lease_token: a.lease_token,
          ...wireAnswer(a.kind, a.run_id),
        });
        answered.push(performance.now());
      }
    }
  };

  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  const slots = Array.from({ length: n }, () => slot().catch(fail));
  for (let i = 0; i < n; i += 1) await startRun();
  await new Promise((r) => setTimeout(r, s.warmupSeconds * 1000));
  const from = performance.now();
  const doneBefore = finished.length;
  const cpu0 = process.cpuUsage();
  await session.post('Profiler.start');
  await new Promise((r) => setTimeout(r, s.seconds * 1000));
  const { profile } = await session.post('Profiler.stop');
  const cpu = process.cpuUsage(cpu0);
  const to = performance.now();
  const window = finished.slice(doneBefore).filter((x) => x.at <= to);
  stopping = true;
  // Drain: the runs still in flight finish, so the next case starts from an idle server.
  const deadline = Date.now() + 120_000;
  while ((started.size > 0 || pendingCreates > 0) && failure === null && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  stopping = true;
  wakeWorkers();
  if (started.size > 0 && failure === null) failure = new Error(`${started.size} runs did not finish`);
  const ending = failure;
  failure ??= new Error('stopped');
  wakeWorkers();
  await Promise.all(slots);
  unlisten();
  await session.post('Profiler.disable');
  session.disconnect();
  if (ending !== null) throw ending;
  // Each completed run took exactly the assignments counted per run: no dispatch doubled, none lost.
  for (const done of finished.slice(0, 3)) {
    const got = (await f.store.assignments.forRun(done.id)).length;
    if (got !== ASSIGNMENTS_PER_RUN) throw new Error(`run ${done.id} had ${got} assignments`);
  }
  const runs = window.length;
  const assignments = answered.filter((t) => t >= from && t <= to).length;
  const worth = assignments / ASSIGNMENTS_PER_RUN;
  const seconds = (to - from) / 1000;
  const sorted = window.map((x) => x.ms).sort((a, b) => a - b);
  return {
    store,
    mode,
    inFlight: n,
    runs,
    assignments,
    seconds,
    // Throughput as work done (assignments answered ÷ 5), as the kernel counts steps ÷ 30: with many
    // runs in flight a run can take longer than the window, and completions alone would say nothing.
    runsPerSecond: worth / seconds,
    runP50Ms: sorted[Math.floor(sorted.length / 2)] ?? NaN,
    cpuMsPerRun: (cpu.user + cpu.system) / 1000 / Math.max(1, worth),
    supervisorCpuMsPerRun: supervisorMs(profile as never) / Math.max(1, worth),
  };
}

async function main(): Promise<void> {
  const s = readSettings(process.env, process.argv.slice(2));
  const stores: { label: string; url: string | null }[] = [
    ...(s.sqlite ? [{ label: 'SQLite full', url: null }] : []),
    ...(s.databaseUrl === null ? [] : [{ label: 'PostgreSQL', url: s.databaseUrl }]),
  ];
  const results: CaseResult[] = [];
  for (const st of stores) {
    const t = await openFabrica(st.url === null ? 'sqlite' : 'pg', st.url);
    try {
      for (const mode of s.modes)
        for (const n of s.inFlight) {
          process.stderr.write(`supervisor bench: ${st.label}, ${mode}, ${n} in flight…\n`);
          results.push(await runCase(t.fabrica, t.url, st.label, mode, n, s));
        }
    } catch (e) {
      process.stderr.write(`server log:\n${t.logs.join('')}\n`);
      throw e;
    } finally {
      await t.close();
    }
  }
  if (s.json) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    return;
  }
  const rows = results.map((r) =>
    [
      r.store,
      r.mode === 'engine' ? 'in process' : 'HTTP',
      String(r.inFlight),
      r.runsPerSecond.toFixed(1),
      r.runP50Ms.toFixed(0),
      r.cpuMsPerRun.toFixed(1),
      r.supervisorCpuMsPerRun.toFixed(2),
      String(r.runs),
      String(r.assignments),
    ].join(' | '),
  );
  process.stdout.write(
    `| store | workers | in flight | runs/s | run p50 ms | CPU ms/run | supervisor CPU ms/run | runs completed | assignments |\n${rows
      .map((r) => `| ${r} |`)
      .join('\n')}\n`,
  );
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);

/**
 * Engine-level lifecycle of one run, in process (no HTTP): every `RunService.create` and
 * `RunService.change` is one durable step — one transaction that locks the run, loads it, and writes
 * records, the run's new version and hash-chained events together.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/config.js';
import { ADMIN_PRINCIPAL } from '../src/domain/access.js';
import { ok, type Result } from '../src/domain/errors.js';
import { IdGenerator } from '../src/engine/ids.js';
import { systemClock } from '../src/engine/ports.js';
import { addArtifact, addCheckpoint, patchIssue } from '../src/engine/runs/run-authoring.js';
import type { RunDraft } from '../src/engine/runs/run-draft.js';
import { advance, recordVerification } from '../src/engine/runs/run-lifecycle.js';
import { RunService, type Caller } from '../src/engine/runs/run-service.js';
import { openStore } from '../src/fabrica.js';
import type { KyselyStore } from '../src/store/kysely-store.js';
import { issueOrder, stageGraph } from './kernel-graph.js';
import type { Steps } from './kernel-stats.js';

const must = <T>(r: Result<T>, what: string): T => {
  if (!r.ok) throw new Error(`${what}: ${r.error.code} ${r.error.reason}`);
  return r.value;
};

const ADMIN: Caller = { principal: ADMIN_PRINCIPAL, guard: () => null };

export interface EngineTarget {
  readonly label: string;
  readonly store: KyselyStore;
  readonly runs: RunService;
  close(): Promise<void>;
}

/** A migrated store (fresh SQLite file, or the given PostgreSQL URL) and a RunService on it. */
export async function openEngine(
  label: string,
  opts: { sqlite: 'full' | 'normal' } | { databaseUrl: string },
): Promise<EngineTarget> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fabrica-kernel-bench-'));
  const env: Record<string, string> = { FABRICA_DATA_DIR: dataDir, FABRICA_LOG_LEVEL: 'warn' };
  if ('sqlite' in opts) env.FABRICA_SQLITE_SYNCHRONOUS = opts.sqlite;
  else env.DATABASE_URL = opts.databaseUrl;
  const config = loadConfig({ env, cwd: process.cwd() });
  const store = await openStore(config);
  try {
    await store.migrate();
  } catch (e) {
    await store.close();
    throw e;
  }
  return {
    label,
    store,
    runs: new RunService(store, systemClock, new IdGenerator(systemClock)),
    async close() {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** One run from planning to completed; every durable step is timed by `meter` under its kind. */
export async function engineLifecycle(
  runs: RunService,
  meter: Steps,
  shape: { stages: number; issues: number },
): Promise<string> {
  const graph = stageGraph(shape.stages, shape.issues);
  const change = <T>(kind: string, id: string, work: (d: RunDraft) => Result<T>, what = kind) =>
    meter.step(kind, async () => must(await runs.change(id, ADMIN, work, { needsOpenRun: true }), what));
  const advanceTo = async (id: string, to: string) => {
    const r = await change('advance', id, advance, `advance to ${to}`);
    if (!r.advanced || r.status !== to) throw new Error(`advance to ${to}: ${JSON.stringify(r)}`);
  };

  const agg = await meter.step('create', () =>
    runs.create(
      {
        tenant: 'bench',
        source: { kind: 'prompt', format: 'markdown', content: '# Kernel benchmark\nA ten-stage delivery.' },
        title: 'kernel benchmark',
        workflowKind: 'software',
      },
      ADMIN_PRINCIPAL,
    ),
  );
  const id = agg.run.id;
  const pi = await change('artifact', id, (d) =>
    addArtifact(d, { artifactType: 'problem_interpretation', payload: { summary: 'bench' } }, 'bench'),
  );
  await change('artifact', id, (d) =>
    addArtifact(
      d,
      {
        artifactType: 'delivery_spec',
        payload: { summary: 'deliver the benchmark' },
        inputArtifactIds: [pi.id],
        producerType: 'planner',
      },
      'bench',
    ),
  );
  const issueIds = await change('stage_graph', id, (d): Result<Map<string, string>> => {
    const a = addArtifact(d, { artifactType: 'factory.kernel.stage_graph', payload: graph }, 'bench');
    return a.ok ? ok(new Map(d.agg.issues.map((i) => [i.stableKey!, i.id]))) : a;
  });
  await advanceTo(id, 'implementing');
  for (const key of issueOrder(shape.stages, shape.issues)) {
    await change('patch_issue', id, (d) => patchIssue(d, issueIds.get(key)!, { status: 'passed' }));
  }
  await advanceTo(id, 'verifying');
  await change('verification', id, (d) => recordVerification(d, { success: true, commands: [] }, []));
  await advanceTo(id, 'gated');
  const all = [...issueIds.values()];
  await change('checkpoint', id, (d) =>
    addCheckpoint(d, {
      branchName: `run/${id}`,
      worktreePath: '/tmp/bench-worktree',
      baseRef: 'main',
      headSha: 'abc123',
      status: 'ready',
      includedIssueIds: all,
      mergedIssueIds: all,
    }),
  );
  await advanceTo(id, 'completed');
  return id;
}

/** What one lifecycle leaves in the store: events appended and run records (stages, issues, …) kept. */
export async function footprint(
  t: EngineTarget,
  meter: Steps,
  shape: { stages: number; issues: number },
): Promise<{ events: number; records: number }> {
  const before = await t.store.headSeq();
  const id = await engineLifecycle(t.runs, meter, shape);
  const events = (await t.store.headSeq()) - before;
  const row = await t.store.db
    .selectFrom('run_records')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('run_id', '=', id)
    .executeTakeFirstOrThrow();
  return { events, records: Number(row.n) };
}

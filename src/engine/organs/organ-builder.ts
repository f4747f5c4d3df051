import { actorOf, type Principal } from '../../domain/access.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import { nextStage, type Organ, type OrganState, type StageEntry } from '../../domain/organs/organ-model.js';
import { organCellId, type OrganTemplate } from '../../domain/organs/organ-template.js';
import type { CellInvoker } from '../cells/cell-invoker.js';
import type { CellsReads } from '../cells/cell-ports.js';
import type { Metrics } from '../metrics.js';
import type { Clock, Store, Tx } from '../ports.js';
import type { Scheduler } from '../scheduler.js';
import { cellProblems, checkCell, type CellCheck } from './organ-checks.js';
import { OrganStats, runPathway } from './organ-invoker.js';

export const STAGE_ACTION = 'organ.stage';

const organMetrics = (m: Metrics) => ({
  attempts: m.counter('organ_build_attempts_total', 'Organ builds started (and rebuilt).'),
  dryruns: m.counter('organ_build_dryrun_total', 'Organ build dry runs.'),
  failures: m.counter('organ_build_failures_total', 'Organ builds that ended failed.'),
  duration: m.histogram('organ_build_duration_seconds', 'Time from build start to stable.', {
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300],
  }),
  // The seed's name, in milliseconds, kept for Neira's tools (deprecated; promtool flags the unit).
  durationMs: m.histogram('organ_build_duration_ms', 'Deprecated: organ_build_duration_seconds in ms.', {
    buckets: [10, 50, 100, 250, 500, 1000, 5000, 30_000, 300_000],
  }),
  statusQueries: m.counter('organ_build_status_queries_total', 'Organ status reads.'),
});

/**
 * Staged organ builds: draft → canary → experimental → stable after the configured waits, each wait a
 * durable timer, so a restart resumes from the stage reached. At each stage the organ's cells must exist
 * and serve, and with `policies.smoke_input` every pathway must answer it.
 */
const TEMPLATE_CACHE_SIZE = 10_000;

export class OrganBuilder {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #cells: CellInvoker;
  readonly #delays: readonly number[];
  readonly #metrics: ReturnType<typeof organMetrics>;
  readonly #log: (msg: string, details: Record<string, unknown>) => void;
  readonly #stats = new Map<string, OrganStats>();
  /**
   * Templates of invoked organs. An organ keeps the template it was built from for life (a rebuild builds
   * the same one again) and ids are never reused, so an entry never goes stale; the bound only caps memory.
   */
  readonly #templates = new Map<string, OrganTemplate>();

  constructor(
    store: Store,
    clock: Clock,
    cells: CellInvoker,
    opts: {
      delays: readonly number[];
      metrics: Metrics;
      log: (msg: string, details: Record<string, unknown>) => void;
    },
  ) {
    this.#store = store;
    this.#clock = clock;
    this.#cells = cells;
    this.#delays = opts.delays;
    this.#metrics = organMetrics(opts.metrics);
    this.#log = opts.log;
  }

  #now(): string {
    return new Date(this.#clock.now()).toISOString();
  }

  async #checks(reads: CellsReads, t: OrganTemplate): Promise<CellCheck[]> {
    return Promise.all(t.cells.map(async (ref) => checkCell(ref, await reads.cell(organCellId(ref)))));
  }

  async dryRun(t: OrganTemplate) {
    this.#metrics.dryruns.inc();
    const cells = await this.#checks(this.#store.cells, t);
    const risks = [
      ...cells
        .filter((c) => !c.exists)
        .map((c) => ({
          code: 'missing_cell',
          severity: 'blocking',
          message: `cell ${c.ref} is not registered`,
        })),
      ...cells
        .filter((c) => c.exists && !c.serving)
        .map((c) => ({
          code: 'cell_not_serving',
          severity: 'warning',
          message: `cell ${c.id} does not serve yet (${c.state ?? 'no revision'}); the build fails at its first stage unless it does by then`,
        })),
      ...(t.pathways.length === 0
        ? [
            {
              code: 'no_pathway',
              severity: 'warning',
              message: 'no pathway: invoke runs the cells in their listed order',
            },
          ]
        : []),
    ];
    return {
      organ_id: null,
      state: 'dry_run',
      report: { cells, pathways: t.pathways, risks, ok: !risks.some((r) => r.severity === 'blocking') },
    };
  }

  async build(t: OrganTemplate, principal: Principal): Promise<Result<Organ>> {
    const missing = (await this.#checks(this.#store.cells, t)).filter((c) => !c.exists).map((c) => c.ref);
    if (missing.length > 0) {
      return fail('invalid_template', `invalid organ template: cells not found: ${missing.join(', ')}`, {
        details: { problems: missing.map((m) => `$.cells: ${m} is not a registered cell`) },
      });
    }
    const actor = actorOf(principal);
    const organ = await this.#store.transaction(async (tx) => {
      const n = await tx.organs.nextNumber();
      const now = this.#now();
      const o: Organ = {
        id: `organ-${n}`,
        template: t,
        state: 'draft',
        building: true,
        awaitingApproval: false,
        generation: 1,
        buildStartedAt: now,
        buildDurationMs: null,
        reason: null,
        stageHistory: [{ state: 'draft', at: now, actor }],
        createdAt: now,
        updatedAt: now,
        createdBy: actor,
        version: 1,
      };
      await tx.organs.insert(o, n);
      await this.#started(tx, o, actor);
      return o;
    });
    this.#metrics.attempts.inc();
    this.#log('organ build started', { organ_id: organ.id, template: t.id, version: t.version });
    return ok(organ);
  }

  async #started(tx: Tx, o: Organ, actor: string): Promise<void> {
    await tx.appendEvent({
      type: 'organ.build_started',
      subjectKind: 'organ',
      subjectId: o.id,
      actor,
      data: {
        action: 'organ.build',
        template: o.template.id,
        version: o.template.version,
        generation: o.generation,
      },
    });
    await tx.scheduleTimer({
      at: this.#clock.now() + (this.#delays[0] ?? 0),
      subjectKind: 'organ',
      subjectId: o.id,
      action: STAGE_ACTION,
      payload: { generation: o.generation, to: 'canary' },
    });
  }

  /** Moves the organ and records the move; `extra` sets the build fields that go with it. */
  async #move(
    tx: Tx,
    o: Organ,
    to: OrganState,
    actor: string,
    extra: Partial<Organ> = {},
    reason?: string,
  ): Promise<Organ> {
    const now = this.#now();
    const entry: StageEntry = { state: to, at: now, actor, ...(reason === undefined ? {} : { reason }) };
    // The build duration is measured once, when a build first reaches stable.
    const reachedStable =
      to === 'stable' && o.state !== 'stable' && o.buildStartedAt !== null && o.buildDurationMs === null;
    const durationMs = reachedStable ? this.#clock.now() - Date.parse(o.buildStartedAt) : null;
    const next: Organ = {
      ...o,
      ...extra,
      ...(durationMs === null ? {} : { buildDurationMs: durationMs }),
      ...(to === 'failed' ? { reason: reason ?? 'failed' } : {}),
      state: to,
      stageHistory: [...o.stageHistory, entry],
      updatedAt: now,
      version: o.version + 1,
    };
    await tx.organs.update(next);
    await tx.appendEvent({
      type: 'organ.stage_changed',
      subjectKind: 'organ',
      subjectId: o.id,
      actor,
      data: { action: 'organ.stage', from: o.state, to, actor, ...(reason === undefined ? {} : { reason }) },
    });
    if (to === 'failed') this.#metrics.failures.inc();
    if (durationMs !== null) {
      this.#metrics.duration.observe(durationMs / 1000);
      this.#metrics.durationMs.observe(durationMs);
    }
    return next;
  }

  registerTimers(scheduler: Scheduler): void {
    scheduler.register(STAGE_ACTION, async (tx, timer) => {
      const o = await tx.organs.lockOrgan(timer.subjectId);
      const { generation, to } = timer.payload as { generation: number; to: OrganState };
      if (o?.building !== true || o.generation !== generation || o.awaitingApproval) return;
      const problem = await this.#stageProblem(tx, o.template);
      if (problem !== null) {
        await this.#move(tx, o, 'failed', 'system', { building: false }, problem);
        return;
      }
      if (to === 'stable' && o.template.policies.hitl === true) return; // approval moves it, not a timer
      const hitlPause = to === 'experimental' && o.template.policies.hitl === true;
      const moved = await this.#move(tx, o, to, 'system', {
        building: to !== 'stable',
        awaitingApproval: hitlPause,
      });
      if (hitlPause) {
        await tx.appendEvent({
          type: 'organ.awaiting_approval',
          subjectKind: 'organ',
          subjectId: o.id,
          actor: 'system',
          data: { state: to },
        });
        return;
      }
      const after = nextStage(to);
      if (after !== null && moved.building) {
        const wait = this.#delays[['canary', 'experimental', 'stable'].indexOf(after)] ?? 0;
        await tx.scheduleTimer({
          at: this.#clock.now() + wait,
          subjectKind: 'organ',
          subjectId: o.id,
          action: STAGE_ACTION,
          payload: { generation, to: after },
        });
      }
    });
  }

  /** Cells exist and serve; every pathway answers the smoke input when the template gives one. */
  async #stageProblem(tx: Tx, t: OrganTemplate): Promise<string | null> {
    const problem = cellProblems(t, await this.#checks(tx.cells, t));
    if (problem !== null) return problem;
    if (t.policies.smoke_input === undefined) return null;
    const pathways = t.pathways.length === 0 ? [undefined] : t.pathways.map((p) => p.name);
    for (const name of pathways) {
      const r = await runPathway(
        (id, input) => this.#cells.invokeUsing(tx.cells, id, input),
        t,
        name,
        t.policies.smoke_input,
      );
      if (!r.ok) return `smoke check failed: ${r.error.reason}`;
    }
    return null;
  }

  async #change(id: string, work: (tx: Tx, o: Organ) => Promise<Result<Organ>>): Promise<Result<Organ>> {
    return this.#store.transaction(async (tx) => {
      const o = await tx.organs.lockOrgan(id);
      if (o === null) return fail('not_found', `no organ ${id}`);
      return work(tx, o);
    });
  }

  /** A manual move: it also stops the automatic progression. */
  setStatus(id: string, state: OrganState, actor: string): Promise<Result<Organ>> {
    return this.#change(id, async (tx, o) => {
      await tx.cancelTimersFor('organ', id, STAGE_ACTION);
      return ok(
        await this.#move(tx, o, state, actor, { building: false, awaitingApproval: false }, 'set by hand'),
      );
    });
  }

  approve(id: string, actor: string): Promise<Result<Organ>> {
    return this.#change(id, async (tx, o) => {
      if (!o.awaitingApproval) {
        return fail('invalid_transition', `organ ${id} is ${o.state} and not awaiting approval`);
      }
      return ok(await this.#move(tx, o, 'stable', actor, { building: false, awaitingApproval: false }));
    });
  }

  cancel(id: string, actor: string): Promise<Result<Organ>> {
    return this.#change(id, async (tx, o) => {
      if (!o.building) return fail('not_running', `the build of ${id} is not running (state ${o.state})`);
      await tx.cancelTimersFor('organ', id, STAGE_ACTION);
      return ok(
        await this.#move(
          tx,
          o,
          'failed',
          actor,
          { building: false, awaitingApproval: false },
          `cancelled by ${actor}`,
        ),
      );
    });
  }

  rebuild(id: string, actor: string): Promise<Result<Organ>> {
    return this.#change(id, async (tx, o) => {
      await tx.cancelTimersFor('organ', id, STAGE_ACTION);
      const moved = await this.#move(tx, o, 'draft', actor, {
        building: true,
        awaitingApproval: false,
        generation: o.generation + 1,
        buildStartedAt: this.#now(),
        buildDurationMs: null,
        reason: null,
      });
      await this.#started(tx, moved, actor);
      this.#metrics.attempts.inc();
      return ok(moved);
    });
  }

  async invoke(id: string, input: unknown, pathway?: string) {
    let template = this.#templates.get(id);
    if (template === undefined) {
      const o = await this.#store.organs.organ(id);
      if (o === null) return fail('not_found', `no organ ${id}`);
      template = o.template;
      if (this.#templates.size >= TEMPLATE_CACHE_SIZE) this.#templates.clear();
      this.#templates.set(id, template);
    }
    const started = performance.now();
    const r = await runPathway(
      (cellId, value) => this.#cells.invoke(cellId, value),
      template,
      pathway,
      input,
    );
    if (!r.ok && r.error.code === 'not_found') return r; // an unknown pathway ran nothing
    let stats = this.#stats.get(id);
    if (stats === undefined) {
      stats = new OrganStats();
      this.#stats.set(id, stats);
    }
    stats.record(performance.now() - started, !r.ok);
    return r;
  }

  async statusView(o: Organ) {
    this.#metrics.statusQueries.inc();
    const stats = this.#stats.get(o.id);
    const checks = await this.#checks(this.#store.cells, o.template);
    const cells = checks.map((c) => ({ id: c.id, state: c.state, serving: c.serving }));
    return {
      id: o.id,
      state: o.state,
      template: { id: o.template.id, version: o.template.version },
      cells,
      // The seed's name for the same list (Neira's tools read `nodes`).
      nodes: cells,
      metrics: {
        build_duration_ms: o.buildDurationMs,
        invocations: stats?.calls ?? 0,
        errors: stats?.errors ?? 0,
        p50_ms: stats?.percentile(0.5) ?? null,
        p95_ms: stats?.percentile(0.95) ?? null,
      },
      building: o.building,
      awaiting_approval: o.awaitingApproval,
      stage_history: o.stageHistory,
      ...(o.reason === null && o.state !== 'failed'
        ? {}
        : { reason: o.stageHistory.at(-1)?.reason ?? o.reason }),
      created_at: o.createdAt,
      updated_at: o.updatedAt,
    };
  }
}

import { actorOf, type Principal } from '../../domain/access.js';
import type { EventFilter } from '../../domain/event.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import {
  ORGAN_EVENTS,
  type Organ,
  type OrganChange,
  type OrganContext,
  type OrganState,
  type StagePayload,
} from '../../domain/organs/organ-model.js';
import {
  decideOrgan,
  stageTimerApplies,
  startBuild,
  type PersonCommand,
} from '../../domain/organs/organ-progression.js';
import type { OrganTemplate } from '../../domain/organs/organ-template.js';
import { addStats, emptyStats, minuteOf, type CallStats } from '../../domain/rollouts/call-stats.js';
import type { CellInvoker } from '../cells/cell-invoker.js';
import type { Metrics } from '../observability/metrics.js';
import type { Clock, Store, Tx } from '../ports.js';
import type { Scheduler } from '../scheduler.js';
import { cellProblems, checkCells, dryRunReport, type CellCheck, type DryRunReport } from './organ-checks.js';
import { OrganInvocations, runPathway, type InvokeStats } from './organ-invoker.js';
import { organMetrics, type OrganMetrics } from './organ-metrics.js';
import type { CellsReads } from '../cells/cell-ports.js';
import { ReadCache } from '../read-cache.js';
import type { OrganQuery } from './organ-ports.js';

/** The durable timer action of a stage wait (payload `{generation, to}`). */
export const STAGE_ACTION = 'organ.stage';

/** An organ with what its status shows beside the record: its cells now and its invocation figures. */
export interface OrganStatus {
  readonly organ: Organ;
  readonly cells: readonly CellCheck[];
  readonly invocations: InvokeStats;
}

/** The organ's stage changes in the event log. */
export const stageChanges = (id: string): EventFilter => ({
  subjectKind: 'organ',
  subjectId: id,
  types: [ORGAN_EVENTS.stageChanged],
});

/**
 * Staged organ builds: load the organ, decide with the domain (organ-progression.ts), write the organ,
 * its events and its stage timer in one transaction. Each stage wait is a durable timer, so a restart
 * resumes from the stage reached. Before each stage the organ's cells must exist and serve, and with
 * `policies.smoke_input` every pathway must answer it.
 */
export class OrganService {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #cells: CellInvoker;
  readonly #delays: readonly number[];
  readonly #metrics: OrganMetrics;
  readonly #log: (msg: string, details: Record<string, unknown>) => void;
  readonly #invocations: OrganInvocations;
  /** What a status read shows, kept until it changes (`invalidate`, called on every organ event). */
  readonly #organs: ReadCache<Organ | null>;
  readonly #cellReads: Pick<CellsReads, 'cell'>;

  constructor(
    store: Store,
    clock: Clock,
    cells: CellInvoker,
    opts: {
      delays: readonly number[];
      metrics: Metrics;
      log: (msg: string, details: Record<string, unknown>) => void;
      /** Reads a cell with its revisions for a status (a cache kept current by the cell events). */
      cellReads?: Pick<CellsReads, 'cell'>;
      /** Counts each invocation in the durable per-minute statistics. */
      onCall?: (organId: string, ms: number, failed: boolean) => void;
    },
  ) {
    this.#store = store;
    this.#clock = clock;
    this.#cells = cells;
    this.#delays = opts.delays;
    this.#metrics = organMetrics(opts.metrics);
    this.#log = opts.log;
    this.#invocations = new OrganInvocations(store.organs, cells, opts.onCall);
    this.#organs = new ReadCache((id) => store.organs.organ(id));
    this.#cellReads = opts.cellReads ?? store.cells;
  }

  /** The organ changed (here or on another instance): its next status reads it again. */
  invalidate(id: string): void {
    this.#organs.invalidate(id);
  }

  #context(): OrganContext {
    return { now: this.#clock.now(), delays: this.#delays };
  }

  async dryRun(t: OrganTemplate): Promise<DryRunReport> {
    this.#metrics.dryruns.inc();
    return dryRunReport(t, await checkCells(this.#store.cells, t));
  }

  async build(t: OrganTemplate, principal: Principal): Promise<Result<Organ>> {
    const missing = (await checkCells(this.#store.cells, t)).filter((c) => !c.exists).map((c) => c.ref);
    if (missing.length > 0) {
      return fail('invalid_template', `invalid organ template: cells not found: ${missing.join(', ')}`, {
        details: { problems: missing.map((m) => `$.cells: ${m} is not a registered cell`) },
      });
    }
    const change = await this.#store.transaction(async (tx) => {
      const n = await tx.organs.nextNumber();
      const c = startBuild({ id: `organ-${n}`, template: t, actor: actorOf(principal) }, this.#context());
      await tx.organs.insert(c.organ, n);
      await this.#write(tx, c);
      return c;
    });
    // A read before the build may have remembered that no such organ exists.
    this.#organs.invalidate(change.organ.id);
    this.#count(change);
    this.#log('organ build started', { organ_id: change.organ.id, template: t.id, version: t.version });
    return ok(change.organ);
  }

  /** Invocation statistics from the durable per-minute rollups, summed in steps of `stepMs` (whole minutes). */
  async stats(
    id: string,
    q: { from: number; to: number; stepMs: number },
  ): Promise<Result<{ totals: CallStats; points: { at: number; stats: CallStats }[] }>> {
    if ((await this.#organs.get(id)) === null) return fail('not_found', `no organ ${id}`);
    const rows = await this.#store.rollouts.organStats(id, minuteOf(q.from), minuteOf(q.to));
    const stepMinutes = Math.max(1, Math.round(q.stepMs / 60_000));
    const totals = emptyStats();
    const points = new Map<number, CallStats>();
    for (const m of rows) {
      addStats(totals, m.stats);
      const step = Math.floor(m.minute / stepMinutes) * stepMinutes;
      let p = points.get(step);
      if (p === undefined) points.set(step, (p = emptyStats()));
      addStats(p, m.stats);
    }
    return ok({
      totals,
      points: [...points.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([m, stats]) => ({ at: m * 60_000, stats })),
    });
  }

  async status(id: string): Promise<Result<OrganStatus>> {
    const o = await this.#organs.get(id);
    return o === null ? fail('not_found', `no organ ${id}`) : ok(await this.#statusOf(o));
  }

  /** A page of organs by number; `nextCursor` is the `after` of the next page (null on the last). */
  async list(q: OrganQuery): Promise<{ statuses: OrganStatus[]; nextCursor: number | null }> {
    const rows = await this.#store.organs.list(q);
    const last = rows.at(-1);
    return {
      statuses: await Promise.all(rows.map((o) => this.#statusOf(o))),
      nextCursor:
        rows.length === q.limit && last !== undefined ? Number(last.id.slice('organ-'.length)) : null,
    };
  }

  async #statusOf(o: Organ): Promise<OrganStatus> {
    this.#metrics.statusQueries.inc();
    return {
      organ: o,
      cells: await checkCells(this.#cellReads, o.template),
      invocations: this.#invocations.stats(o.id),
    };
  }

  /** A manual move: it also stops the automatic progression. */
  setStatus(id: string, state: OrganState, actor: string): Promise<Result<Organ>> {
    return this.#command(id, { type: 'set_state', state, actor });
  }

  approve(id: string, actor: string): Promise<Result<Organ>> {
    return this.#command(id, { type: 'approve', actor });
  }

  cancel(id: string, actor: string): Promise<Result<Organ>> {
    return this.#command(id, { type: 'cancel', actor });
  }

  rebuild(id: string, actor: string): Promise<Result<Organ>> {
    return this.#command(id, { type: 'rebuild', actor });
  }

  invoke(id: string, input: unknown, pathway?: string) {
    return this.#invocations.invoke(id, input, pathway);
  }

  /**
   * The organ's state as of seq `after`, so that a stream's snapshot and the frames after it tell one
   * story: the current state unless a stage change came after `after`, in which case the state it changed
   * from. Null for an unknown organ; `state` null when the organ did not exist yet at `after`.
   */
  async stateAt(id: string, after: number): Promise<{ state: OrganState | null } | null> {
    const organ = await this.#store.organs.organ(id);
    if (organ === null) return null;
    const [next] = await this.#store.eventsAfter(after, 1, stageChanges(id));
    if (next === undefined) return { state: organ.state };
    const data: unknown = JSON.parse(next.data);
    const from = data !== null && typeof data === 'object' ? (data as { from?: unknown }).from : undefined;
    return { state: typeof from === 'string' ? (from as OrganState) : null };
  }

  registerTimers(scheduler: Scheduler): void {
    scheduler.register(STAGE_ACTION, async (tx, timer) => {
      const o = await tx.organs.lockOrgan(timer.subjectId);
      const { generation, to } = timer.payload as StagePayload;
      // Checked before the stage checks: those call the cells, which a stale timer must not do.
      if (o === null || !stageTimerApplies(o, generation)) return;
      const problem = await this.#stageProblem(tx, o.template);
      const decided = decideOrgan(o, { type: 'stage_due', generation, to, problem }, this.#context());
      if (!decided.ok || decided.value === null) return;
      await tx.organs.update(decided.value.organ);
      await this.#write(tx, decided.value);
      this.#count(decided.value);
    });
  }

  /** Cells exist and serve; every pathway answers the smoke input when the template gives one. */
  async #stageProblem(tx: Tx, t: OrganTemplate): Promise<string | null> {
    const problem = cellProblems(t, await checkCells(tx.cells, t));
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

  /** Locks the organ, decides, and writes the change; a refusal writes nothing. */
  async #command(id: string, cmd: PersonCommand): Promise<Result<Organ>> {
    const r = await this.#store.transaction(async (tx): Promise<Result<OrganChange>> => {
      const o = await tx.organs.lockOrgan(id);
      if (o === null) return fail('not_found', `no organ ${id}`);
      const decided = decideOrgan(o, cmd, this.#context());
      if (!decided.ok) return decided;
      await tx.organs.update(decided.value.organ);
      await this.#write(tx, decided.value);
      return decided;
    });
    if (!r.ok) return r;
    this.#organs.invalidate(id);
    this.#count(r.value);
    return ok(r.value.organ);
  }

  /** The change's events and timers, in the transaction that writes the organ. */
  async #write(tx: Tx, c: OrganChange): Promise<void> {
    if (c.cancelTimers) await tx.cancelTimersFor('organ', c.organ.id, STAGE_ACTION);
    for (const e of c.events) await tx.appendEvent(e);
    if (c.schedule !== null) {
      await tx.scheduleTimer({
        at: c.schedule.at,
        subjectKind: 'organ',
        subjectId: c.organ.id,
        action: STAGE_ACTION,
        payload: { generation: c.schedule.generation, to: c.schedule.to } satisfies StagePayload,
      });
    }
  }

  #count(c: OrganChange): void {
    if (c.started) this.#metrics.attempts.inc();
    if (c.organ.state === 'failed') this.#metrics.failures.inc();
    if (c.buildDurationMs !== null) {
      this.#metrics.duration.observe(c.buildDurationMs / 1000);
      this.#metrics.durationMs.observe(c.buildDurationMs);
    }
  }
}

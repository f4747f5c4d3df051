import { actorOf, type Principal } from '../../domain/access.js';
import { fail, ok, type Failure, type Result } from '../../domain/errors.js';
import { isTerminal, type Run, type RunAggregate, type RunSource } from '../../domain/runs/run-model.js';
import { reviewBundle } from './run-views.js';
import { newSupervision } from '../../domain/runs/supervisor.js';
import type { IdGenerator } from '../ids.js';
import type { Clock, Store, Tx } from '../ports.js';
import { RunDraft } from './run-draft.js';
import type { RunListQuery, StoredReview } from './run-ports.js';

export const SUPERVISE_ACTION = 'run.supervise';
/** The durable timer that withdraws a finished run's queued and leased assignments. */
export const WITHDRAW_ACTION = 'run.withdraw_assignments';

/** Who asks, and the tenant check the policy makes for the run they name (another tenant's run is absent). */
export interface Caller {
  readonly principal: Principal;
  readonly guard: (tenant: string) => Failure | null;
}

export interface NewRun {
  readonly tenant: string;
  readonly source: RunSource;
  readonly title?: string;
  readonly workflowKind?: string;
  readonly subjectType?: string;
  readonly subjectId?: string;
  readonly autoAdvance?: boolean;
}

export interface ChangeOptions {
  /** Refuse when the run has finished (completed, failed, cancelled). */
  readonly needsOpenRun?: boolean;
}

/**
 * Runs: load a run whole, decide with the domain, write records + run version + events in one
 * transaction. Every change to an `auto_advance` run schedules a durable supervise timer.
 */
export class RunService {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #ids: IdGenerator;

  constructor(store: Store, clock: Clock, ids: IdGenerator) {
    this.#store = store;
    this.#clock = clock;
    this.#ids = ids;
  }

  get store(): Store {
    return this.#store;
  }

  newId(prefix: string): string {
    return this.#ids.next(prefix);
  }

  async create(input: NewRun, principal: Principal): Promise<RunAggregate> {
    const now = new Date(this.#clock.now()).toISOString();
    const run: Run = {
      id: this.#ids.next('run'),
      tenant: input.tenant,
      status: 'planning',
      title: input.title ?? null,
      workflowKind: input.workflowKind ?? null,
      subjectType: input.subjectType ?? null,
      subjectId: input.subjectId ?? null,
      source: input.source,
      autoAdvance: input.autoAdvance ?? false,
      cancelReason: null,
      // An auto-advancing run is the supervisor's from the start (it dispatches its planning too).
      supervision: input.autoAdvance === true ? newSupervision({}) : null,
      createdAt: now,
      updatedAt: now,
      createdBy: actorOf(principal),
      version: 1,
    };
    await this.#store.transaction(async (tx) => {
      await tx.runs.insertRun(run);
      const draft = new RunDraft(emptyAggregate(run), {
        now,
        actor: actorOf(principal),
        newId: (p) => this.#ids.next(p),
      });
      draft.event('run.created', {
        targetKind: 'run',
        targetId: run.id,
        context: { status: run.status, title: run.title },
      });
      for (const e of draft.events) await tx.appendEvent(e);
      if (run.autoAdvance) await this.#scheduleSupervise(tx, run.id);
    });
    return emptyAggregate(run);
  }

  list(q: RunListQuery): Promise<Run[]> {
    return this.#store.runs.list(q);
  }

  async get(id: string, caller: Caller): Promise<Result<RunAggregate>> {
    const agg = await this.#store.runs.aggregate(id);
    if (agg === null) return fail('not_found', `no run ${id}`);
    const denied = caller.guard(agg.run.tenant);
    return denied === null ? ok(agg) : { ok: false, error: denied };
  }

  /**
   * The one way a run changes: lock, load, let `work` decide on a draft, reconcile progress, persist.
   * A failure from `work` writes nothing.
   */
  change<T>(
    id: string,
    caller: Caller | null,
    work: (draft: RunDraft) => Result<T>,
    opts: ChangeOptions = {},
  ): Promise<Result<T>> {
    return this.#store.transaction((tx) => this.changeIn(tx, id, caller, work, opts));
  }

  async changeIn<T>(
    tx: Tx,
    id: string,
    caller: Caller | null,
    work: (draft: RunDraft) => Result<T>,
    opts: ChangeOptions = {},
  ): Promise<Result<T>> {
    // Two reads, not one joined read: under READ COMMITTED a joined read that waits for the run's lock
    // sees the run as its holder left it but the records as they were before (the statement's snapshot).
    const run = await tx.runs.lockRun(id);
    if (run === null) return fail('not_found', `no run ${id}`);
    const denied = caller?.guard(run.tenant) ?? null;
    if (denied !== null) return { ok: false, error: denied };
    if (opts.needsOpenRun === true && isTerminal(run.status)) {
      return fail('invalid_transition', `run ${id} is ${run.status}; it takes no more changes`);
    }
    const agg = await tx.runs.aggregateOf(run);
    const now = new Date(this.#clock.now()).toISOString();
    const actor = caller === null ? 'system' : actorOf(caller.principal);
    const draft = new RunDraft(agg, { now, actor, newId: (p) => this.#ids.next(p) });
    const result = work(draft);
    if (!result.ok) return result;
    draft.reconcile();
    if (!draft.changed) return result;
    const final = draft.finalRun();
    await tx.runs.saveChange(final, draft.records);
    for (const e of draft.events) await tx.appendEvent(e);
    const supervised = final.autoAdvance || (final.supervision ?? null) !== null;
    if (supervised && !isTerminal(final.status)) await this.#scheduleSupervise(tx, id);
    if (isTerminal(final.status) && !isTerminal(agg.run.status)) {
      // Its queued and leased work is withdrawn by a timer: that takes assignment locks before any run's.
      await tx.scheduleTimer({
        at: this.#clock.now(),
        subjectKind: 'run',
        subjectId: id,
        action: WITHDRAW_ACTION,
      });
    }
    return result;
  }

  /**
   * `change` for a write that names a room (`assigned_room_id`): the room must exist and belong to the
   * run's tenant, else 400 and nothing changes. Null (clearing it) and absent need no room.
   */
  changeNamingRoom<T>(
    id: string,
    caller: Caller,
    roomId: string | null | undefined,
    work: (draft: RunDraft) => Result<T>,
  ): Promise<Result<T>> {
    return this.#store.transaction(async (tx) => {
      const room = typeof roomId === 'string' ? await tx.assignments.room(roomId) : null;
      return this.changeIn(
        tx,
        id,
        caller,
        (d) => {
          if (typeof roomId === 'string' && (room === null || room.tenant !== d.run.tenant))
            return fail(
              'invalid_request',
              `body.assigned_room_id: no room ${roomId} in tenant ${d.run.tenant}`,
              {
                details: { field: 'body.assigned_room_id' },
              },
            );
          return work(d);
        },
        { needsOpenRun: true },
      );
    });
  }

  /** The latest review bundle, made anew (and stored with a new id) when the run changed since the last one. */
  async review(id: string, caller: Caller): Promise<Result<StoredReview>> {
    const current = await this.get(id, caller);
    if (!current.ok) return current;
    const stored = await this.#store.runs.latestReview(id);
    if (stored !== null && stored.runVersion === current.value.run.version) return ok(stored);
    return this.#store.transaction(async (tx) => {
      const agg = await tx.runs.aggregate(id);
      const again = await tx.runs.latestReview(id);
      if (again !== null && again.runVersion === agg!.run.version) return ok(again);
      const reviewId = this.#ids.next('rev');
      const review: StoredReview = {
        id: reviewId,
        runId: id,
        runVersion: agg!.run.version,
        bundle: reviewBundle(agg!, reviewId),
        createdAt: new Date(this.#clock.now()).toISOString(),
      };
      await tx.runs.putRecords(id, [{ type: 'review', value: review }]);
      return ok(review);
    });
  }

  /**
   * One pending supervise timer per run is enough: it loads the run after taking the run's lock, so it
   * sees this change. Checked with a plain read — locking timer rows here while holding the run lock
   * would invert the scheduler's order (timer row, then run) and deadlock on PostgreSQL.
   */
  async #scheduleSupervise(tx: Tx, runId: string): Promise<void> {
    if (await tx.hasPendingTimer('run', runId, SUPERVISE_ACTION)) return;
    await tx.scheduleTimer({
      at: this.#clock.now(),
      subjectKind: 'run',
      subjectId: runId,
      action: SUPERVISE_ACTION,
    });
  }
}

export const emptyAggregate = (run: Run): RunAggregate => ({
  run,
  stages: [],
  issues: [],
  checkpoints: [],
  artifacts: [],
  gates: [],
});

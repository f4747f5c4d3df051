import { actorOf, type Principal } from '../../domain/access.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import type { Metric } from '../../domain/training/metrics.js';
import { fitsMetric } from '../../domain/training/metrics.js';
import {
  currentParams,
  extremes,
  readSpace,
  withParams,
  type FieldProblem,
} from '../../domain/training/params.js';
import type { Space, Strategy } from '../../domain/training/search.js';
import {
  decide,
  type JobCommand,
  type JobState,
  type TrainingJob,
} from '../../domain/training/training-job.js';
import type { CellAggregate } from '../../domain/cells/cell-model.js';
import type { Revision } from '../../domain/cells/cell-model.js';
import type { TimerRecord } from '../../domain/timer.js';
import type { IdGenerator } from '../ids.js';
import type { Clock, Store, Tx } from '../ports.js';
import type { Scheduler } from '../scheduler.js';
import { adapterProblems } from '../cells/adapter-problems.js';
import type { CellService } from '../cells/cell-service.js';
import type { DatasetService } from './dataset-service.js';
import { runnerFor } from './evaluator.js';
import { advance, splitOf, StepFailure } from './training-step.js';

export const TRAINING_STEP = 'training.step';

export interface JobRequest {
  readonly cell_id: string;
  readonly version?: string;
  readonly dataset_id: string;
  readonly metric: Metric;
  readonly target: number;
  readonly max_iterations: number;
  readonly search: {
    readonly space: unknown;
    readonly strategy: Strategy;
    readonly trials_per_iteration: number;
    readonly seed?: number;
  };
  readonly hitl?: boolean;
}

export interface TrainingOptions {
  /** Pause between two steps of a job (0: the next step is due at once). */
  readonly stepMs: number;
  /** How long one step's trials may run before it commits (0: one trial per step). */
  readonly stepBudgetMs: number;
}

const field = (p: FieldProblem) => fail('invalid_request', p.reason, { details: { field: p.field } });

/** The revision a job starts from: the stable one, else the newest canary, experimental or draft. */
function baseRevision(agg: CellAggregate): Revision | null {
  const stable = agg.revisions.filter((r) => r.state === 'stable').at(-1);
  if (stable !== undefined) return stable;
  return agg.revisions.filter((r) => ['canary', 'experimental', 'draft'].includes(r.state)).at(-1) ?? null;
}

/**
 * Training jobs (docs/training.md): a job is created checked, then runs as a chain of durable timers, one
 * step each (measure the base, one trial, the proposal). Each step runs in the transaction that claims
 * its timer, so a crash redoes the step and two instances never run one step twice.
 */
export class TrainingService {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #ids: IdGenerator;
  readonly #cells: CellService;
  readonly #datasets: DatasetService;
  readonly #opts: TrainingOptions;

  constructor(
    store: Store,
    clock: Clock,
    ids: IdGenerator,
    deps: { cells: CellService; datasets: DatasetService },
    opts: TrainingOptions,
  ) {
    this.#store = store;
    this.#clock = clock;
    this.#ids = ids;
    this.#cells = deps.cells;
    this.#datasets = deps.datasets;
    this.#opts = opts;
  }

  #now(): string {
    return new Date(this.#clock.now()).toISOString();
  }

  get(id: string): Promise<TrainingJob | null> {
    return this.#store.training.job(id);
  }

  list(q: { state?: JobState; cellId?: string; limit: number }): Promise<TrainingJob[]> {
    return this.#store.training.jobs(q);
  }

  async create(req: JobRequest, principal: Principal): Promise<Result<TrainingJob>> {
    const resolved = await this.#cells.resolveId(req.cell_id);
    if (!resolved.ok)
      return fail('invalid_request', `body.cell_id: ${resolved.error.reason}`, {
        details: { field: 'body.cell_id' },
      });
    const agg = await this.#cells.get(resolved.value);
    if (agg === null) return field({ field: 'body.cell_id', reason: `body.cell_id: no cell ${req.cell_id}` });
    const rev =
      req.version === undefined
        ? baseRevision(agg)
        : (agg.revisions.find((r) => r.templateVersion === req.version) ?? null);
    if (rev === null && req.version !== undefined)
      return field({
        field: 'body.version',
        reason: `body.version: cell ${agg.cell.id} has no revision ${req.version}`,
      });
    if (rev === null)
      return field({
        field: 'body.cell_id',
        reason: `body.cell_id: cell ${agg.cell.id} has no revision to start from`,
      });
    const stored = await this.#store.cells.template(agg.cell.templateId, rev.templateVersion);
    const run = stored === null ? null : runnerFor(stored.template);
    if (stored === null || run === null)
      return field({
        field: 'body.cell_id',
        reason: `body.cell_id: cell ${agg.cell.id} has no runtime to evaluate`,
      });
    const dataset = await this.#datasets.get(req.dataset_id);
    if (dataset === null)
      return field({ field: 'body.dataset_id', reason: `body.dataset_id: no dataset ${req.dataset_id}` });
    if (dataset.split.train.length === 0 || dataset.split.holdout.length === 0)
      return field({
        field: 'body.dataset_id',
        reason: `body.dataset_id: the dataset needs at least one train and one holdout example (it has ${dataset.split.train.length} and ${dataset.split.holdout.length})`,
      });
    const space = readSpace(req.search.space, stored.template);
    if (!Array.isArray(space)) return field(space as FieldProblem);
    const bad = this.#outsideSchema(space as Space, stored.template);
    if (bad !== null) return field(bad);
    const probe = run(splitOf(dataset).train[0]!.input);
    const unfit = probe.ok
      ? fitsMetric(req.metric, probe.output)
      : `the cell failed on the first example: ${probe.reason}`;
    if (unfit !== null) return field({ field: 'body.metric', reason: `body.metric: ${unfit}` });
    const now = this.#now();
    const actor = actorOf(principal);
    const job: TrainingJob = {
      id: this.#ids.next('trn'),
      cellId: agg.cell.id,
      datasetId: dataset.id,
      metric: req.metric,
      target: req.target,
      maxIterations: req.max_iterations,
      strategy: req.search.strategy,
      space: space as Space,
      trialsPerIteration: req.search.trials_per_iteration,
      hitl: req.hitl ?? true,
      seed: req.search.seed ?? 1,
      state: 'running',
      phase: 'baseline',
      baseVersion: rev.templateVersion,
      baseParams: currentParams(stored.template, space as Space),
      iterations: [],
      score: null,
      step: 0,
      reason: null,
      createdBy: actor,
      createdAt: now,
      updatedAt: now,
    };
    await this.#store.transaction(async (tx) => {
      await tx.training.insertJob(job);
      await this.#emit(
        tx,
        job,
        'training.job_created',
        {
          cell: job.cellId,
          dataset: job.datasetId,
          version: job.baseVersion,
          metric: job.metric,
          target: job.target,
          strategy: job.strategy,
          hitl: job.hitl,
        },
        actor,
      );
      await this.#schedule(tx, job);
    });
    return ok(job);
  }

  /** Each parameter's ends (and listed values) must make a configuration the cell's operation accepts. */
  #outsideSchema(space: Space, t: Parameters<typeof withParams>[0]): FieldProblem | null {
    for (const [name, spec] of space) {
      for (const value of extremes(spec)) {
        const problems = adapterProblems(withParams(t, { [name]: value }, t.version));
        if (problems.length > 0) {
          const at = `body.search.space.${name}`;
          return {
            field: at,
            reason: `${at}: ${JSON.stringify(value)} is outside the template's schema (${problems.map((p) => p.message).join('; ')})`,
          };
        }
      }
    }
    return null;
  }

  /** approve / reject a pending proposal, or stop the job. */
  async command(id: string, command: JobCommand, principal: Principal): Promise<Result<TrainingJob>> {
    const actor = actorOf(principal);
    return this.#store.transaction(async (tx): Promise<Result<TrainingJob>> => {
      const job = await tx.training.lockJob(id);
      if (job === null) return fail('not_found', `no training job ${id}`);
      const d = decide(job, command, actor);
      if (!d.ok)
        return fail(command === 'stop' ? 'invalid_transition' : 'not_awaiting_approval', d.reason, {
          details: { state: job.state },
        });
      const it = job.iterations.at(-1);
      if (d.rollback !== null) {
        const rolled = await this.#cells.commandByIdIn(tx, job.cellId, 'rollback', {
          version: d.rollback,
          actor,
          reason: `training job ${id}: proposal ${command === 'stop' ? 'dropped by stop' : 'rejected'}`,
        });
        // A person may have moved the draft on already (disabled it, say): then there is nothing to undo.
        if (!rolled.ok && rolled.error.code !== 'invalid_transition') return rolled;
      }
      const next: TrainingJob = { ...d.job, step: job.step + 1, updatedAt: this.#now() };
      await tx.training.putJob(next);
      const version = it?.proposal?.version ?? null;
      if (command === 'approve')
        await this.#emit(
          tx,
          next,
          'training.proposal_accepted',
          { iteration: it?.number, version, by: actor },
          actor,
        );
      if (command === 'reject')
        await this.#emit(
          tx,
          next,
          'training.proposal_rejected',
          { iteration: it?.number, version, by: actor },
          actor,
        );
      if (command === 'stop') {
        await tx.cancelTimersFor('training', id);
        await this.#emit(
          tx,
          next,
          'training.stopped',
          { state: 'stopped', version: next.baseVersion, rolled_back: d.rollback },
          actor,
        );
      } else await this.#schedule(tx, next);
      return ok(next);
    });
  }

  #schedule(tx: Tx, job: TrainingJob): Promise<string> {
    return tx.scheduleTimer({
      at: this.#clock.now() + (job.step === 0 ? 0 : this.#opts.stepMs),
      subjectKind: 'training',
      subjectId: job.id,
      action: TRAINING_STEP,
      payload: { step: job.step },
    });
  }

  #emit(
    tx: Tx,
    job: TrainingJob,
    type: string,
    data: Record<string, unknown>,
    actor = 'training',
  ): Promise<void> {
    return tx.appendEvent({
      type,
      subjectKind: 'training',
      subjectId: job.id,
      actor,
      data: { cell: job.cellId, ...data },
    });
  }

  registerTimers(scheduler: Scheduler): void {
    scheduler.register(TRAINING_STEP, (tx, timer) => this.#step(tx, timer));
  }

  async #step(tx: Tx, timer: TimerRecord): Promise<void> {
    const job = await tx.training.lockJob(timer.subjectId);
    const step = (timer.payload as { step?: number }).step;
    // A timer left over from before a command (the job moved on, or finished) does nothing.
    if (job === null || job.state !== 'running' || step !== job.step) return;
    let next: TrainingJob;
    try {
      const dataset = await this.#datasets.getIn(tx.training, job.datasetId);
      if (dataset === null) throw new StepFailure(`dataset ${job.datasetId} is gone`);
      const templateId = job.cellId.slice(job.cellId.indexOf(':') + 1);
      const base = await tx.cells.template(templateId, job.baseVersion);
      if (base === null) throw new StepFailure(`template ${templateId}@${job.baseVersion} is gone`);
      next = await advance(job, {
        tx,
        cells: this.#cells,
        dataset,
        base: base.template,
        budgetMs: this.#opts.stepBudgetMs,
        emit: (type, data, actor) => this.#emit(tx, job, type, data, actor),
      });
    } catch (e) {
      if (!(e instanceof StepFailure)) throw e;
      next = { ...job, state: 'failed', reason: e.message };
      await this.#emit(tx, job, 'training.failed', { state: 'failed', reason: e.message });
    }
    next = { ...next, step: job.step + 1, updatedAt: this.#now() };
    await tx.training.putJob(next);
    if (next.state === 'running') await this.#schedule(tx, next);
  }
}

import type { CellTemplate } from '../../domain/cells/cell-template.js';
import { compareSemver, parseSemver } from '../../domain/cells/semver.js';
import type { Example } from '../../domain/training/dataset.js';
import { currentParams, withParams } from '../../domain/training/params.js';
import { bestTrial, iterationCandidates, nextTrial } from '../../domain/training/search.js';
import {
  acceptProposal,
  afterBaseline,
  exampleDiff,
  rejectProposal,
  type Iteration,
  type TrainingJob,
} from '../../domain/training/training-job.js';
import type { Tx } from '../ports.js';
import type { CellService } from '../cells/cell-service.js';
import { evaluate, runnerFor } from './evaluator.js';
import type { DatasetWithExamples } from './training-ports.js';

/** A problem the job cannot get past (its cell or dataset is gone, a draft is refused): it fails. */
export class StepFailure extends Error {}

export interface StepContext {
  readonly tx: Tx;
  readonly cells: CellService;
  readonly dataset: DatasetWithExamples;
  /** The template of the job's base revision. */
  readonly base: CellTemplate;
  readonly emit: (type: string, data: Record<string, unknown>, actor?: string) => Promise<void>;
  /**
   * Trials go on in one step until they have taken this long (at least one runs; 0: one per step). A
   * step's fixed cost — claiming its timer, reading and writing the job, the event, the commit — is then
   * paid once for several trials instead of once each (docs/benchmarks.md).
   */
  readonly budgetMs: number;
}

const lastOf = (job: TrainingJob): Iteration => job.iterations.at(-1)!;
const withLast = (job: TrainingJob, it: Iteration): TrainingJob => ({
  ...job,
  iterations: [...job.iterations.slice(0, -1), it],
});

/** The examples of the split, in its seeded order. */
export function splitOf(d: DatasetWithExamples): { train: Example[]; holdout: Example[] } {
  return {
    train: d.split.train.map((i) => d.examples[i]!),
    holdout: d.split.holdout.map((i) => d.examples[i]!),
  };
}

function runnerOrFail(t: CellTemplate) {
  const run = runnerFor(t);
  if (run === null) throw new StepFailure(`${t.id}@${t.version} has no runtime to evaluate`);
  return run;
}

/**
 * One step of a running job, inside its timer's transaction: measure the base, run trials (as many as
 * the step's budget allows), or make the proposal. Deterministic for a given job, dataset and seed; what it changes commits with the step,
 * so a step cut short by a crash is run again whole and never counted twice.
 */
export async function advance(job: TrainingJob, ctx: StepContext): Promise<TrainingJob> {
  const { train, holdout } = splitOf(ctx.dataset);
  if (job.phase === 'baseline') return baseline(job, ctx, train, holdout);
  if (job.phase === 'trials') return trials(job, ctx, train, holdout);
  return propose(job, ctx, train, holdout);
}

/**
 * Runs the iteration's next trials, one after another, until the step's budget is spent, or makes the
 * proposal when none is left. Which trials share a step changes nothing any of them computes.
 */
async function trials(job: TrainingJob, ctx: StepContext, train: Example[], holdout: Example[]) {
  const started = performance.now();
  let it = lastOf(job);
  for (;;) {
    const next = nextTrial(job.strategy, it.candidates.length, train.length, it.trials);
    if (next === null) return propose({ ...withLast(job, it), phase: 'propose' }, ctx, train, holdout);
    const candidate = withParams(ctx.base, it.candidates[next.candidate]!, ctx.base.version);
    const ev = evaluate(runnerOrFail(candidate), train.slice(0, next.size), job.metric);
    await ctx.emit('training.trial', {
      iteration: it.number,
      trial: it.trials.length + 1,
      candidate: it.candidates[next.candidate],
      rung: next.rung,
      size: next.size,
      score: ev.score,
    });
    it = { ...it, trials: [...it.trials, { ...next, score: ev.score }] };
    if (performance.now() - started >= ctx.budgetMs) return withLast(job, it);
  }
}

async function baseline(job: TrainingJob, ctx: StepContext, train: Example[], holdout: Example[]) {
  const run = runnerOrFail(ctx.base);
  const t = evaluate(run, train, job.metric);
  const h = evaluate(run, holdout, job.metric);
  const number = job.iterations.length + 1;
  await ctx.emit('training.baseline', {
    iteration: number,
    version: job.baseVersion,
    train: t.score,
    holdout: h.score,
  });
  const scored = { ...job, score: { train: t.score, holdout: h.score } };
  const where = afterBaseline(job, h.score);
  if (where !== 'search') {
    await ctx.emit(`training.${where}`, {
      state: where,
      version: job.baseVersion,
      train: t.score,
      holdout: h.score,
    });
    return {
      ...scored,
      state: where,
      reason: where === 'exhausted' ? `max_iterations (${job.maxIterations}) reached` : null,
    };
  }
  const iteration: Iteration = {
    number,
    baseVersion: job.baseVersion,
    baseline: { train: t.score, holdout: h.score },
    baselineScores: [...t.perExample, ...h.perExample],
    candidates: iterationCandidates(job.strategy, job.space, job.trialsPerIteration, job.seed, number - 1),
    trials: [],
    proposal: null,
    outcome: 'searching',
  };
  return { ...scored, phase: 'trials' as const, iterations: [...job.iterations, iteration] };
}

/** The next patch version above every registered version of the template. */
async function nextVersion(ctx: StepContext): Promise<string> {
  const versions = (await ctx.tx.cells.templateVersions(ctx.base.id)).map((v) => v.version);
  const newest = [ctx.base.version, ...versions].sort(compareSemver).at(-1)!;
  const v = parseSemver(newest)!;
  return `${v.major}.${v.minor}.${v.patch + 1}`;
}

async function propose(job: TrainingJob, ctx: StepContext, train: Example[], holdout: Example[]) {
  const it = lastOf(job);
  const best = bestTrial(it.trials, train.length);
  if (best === null || best.score <= it.baseline.train) {
    await ctx.emit('training.no_improvement', {
      iteration: it.number,
      best: best?.score ?? null,
      baseline: it.baseline.train,
    });
    return withLast({ ...job, phase: 'baseline' }, { ...it, outcome: 'no_improvement' });
  }
  const params = { ...job.baseParams, ...it.candidates[best.candidate]! };
  const version = await nextVersion(ctx);
  const template = withParams(ctx.base, params, version);
  const run = runnerOrFail(template);
  const t = evaluate(run, train, job.metric);
  const h = evaluate(run, holdout, job.metric);
  const places = [
    ...ctx.dataset.split.train.map((index) => ({ index, split: 'train' as const })),
    ...ctx.dataset.split.holdout.map((index) => ({ index, split: 'holdout' as const })),
  ];
  const diff = exampleDiff(it.baselineScores, [...t.perExample, ...h.perExample], places);
  const made = await ctx.cells.draftIn(
    ctx.tx,
    job.cellId,
    template,
    'training',
    `proposed by training job ${job.id}`,
  );
  if (!made.ok) throw new StepFailure(`the proposal's draft was refused: ${made.error.reason}`);
  const proposed = withLast(
    { ...job, phase: 'baseline' },
    {
      ...it,
      outcome: 'awaiting_approval',
      proposal: {
        version,
        params: currentParams(template, job.space),
        train: t.score,
        holdout: h.score,
        fixes: diff.fixes,
        breaks: diff.breaks,
        decision: 'pending',
        decidedBy: null,
      },
    },
  );
  await ctx.emit('training.proposal', {
    iteration: it.number,
    version,
    params: currentParams(template, job.space),
    train: t.score,
    holdout: h.score,
    baseline: it.baseline,
    fixes: diff.fixes.length,
    breaks: diff.breaks.length,
  });
  if (job.hitl) return { ...proposed, state: 'awaiting_approval' as const };
  // Policy: accept when the holdout score does not drop.
  if (h.score >= it.baseline.holdout) {
    await ctx.emit('training.proposal_accepted', { iteration: it.number, version, by: 'policy' });
    return acceptProposal(proposed, 'policy');
  }
  const rolled = await ctx.cells.commandByIdIn(ctx.tx, job.cellId, 'rollback', {
    version,
    actor: 'training',
    reason: `holdout score dropped (${h.score} < ${it.baseline.holdout})`,
  });
  if (!rolled.ok) throw new StepFailure(`the refused draft could not be rolled back: ${rolled.error.reason}`);
  await ctx.emit('training.proposal_rejected', { iteration: it.number, version, by: 'policy' });
  return rejectProposal(proposed, 'policy');
}

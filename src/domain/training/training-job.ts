import type { Metric } from './metrics.js';
import type { Candidate, Space, Strategy, TrialResult } from './search.js';

/** A job's states: `running` and `awaiting_approval` are live, the others final. */
export const JOB_STATES = [
  'running',
  'awaiting_approval',
  'converged',
  'exhausted',
  'stopped',
  'failed',
] as const;
export type JobState = (typeof JOB_STATES)[number];
export const isFinal = (s: JobState): boolean => s !== 'running' && s !== 'awaiting_approval';

/** What the next step of a running job does. */
export type Phase = 'baseline' | 'trials' | 'propose';

/** One example's score before and after a proposal. `index` is the example's place in the dataset. */
export interface ExampleChange {
  readonly index: number;
  readonly split: 'train' | 'holdout';
  readonly before: number;
  readonly after: number;
}

export interface Proposal {
  /** The draft revision made of it. */
  readonly version: string;
  readonly params: Candidate;
  readonly train: number;
  readonly holdout: number;
  readonly fixes: readonly ExampleChange[];
  readonly breaks: readonly ExampleChange[];
  readonly decision: 'pending' | 'accepted' | 'rejected';
  readonly decidedBy: string | null;
}

export type IterationOutcome =
  'searching' | 'awaiting_approval' | 'accepted' | 'rejected' | 'no_improvement' | 'stopped';

export interface Iteration {
  /** 1-based. */
  readonly number: number;
  readonly baseVersion: string;
  readonly baseline: { readonly train: number; readonly holdout: number };
  /** The baseline's score per example: train examples first (in split order), then holdout ones. */
  readonly baselineScores: readonly number[];
  readonly candidates: readonly Candidate[];
  readonly trials: readonly TrialResult[];
  readonly proposal: Proposal | null;
  readonly outcome: IterationOutcome;
}

export interface TrainingJob {
  readonly id: string;
  readonly cellId: string;
  readonly datasetId: string;
  readonly metric: Metric;
  readonly target: number;
  readonly maxIterations: number;
  readonly strategy: Strategy;
  readonly space: Space;
  readonly trialsPerIteration: number;
  readonly hitl: boolean;
  readonly seed: number;
  readonly state: JobState;
  readonly phase: Phase;
  /** The revision the job stands on: the cell's version at the start, then each accepted proposal. */
  readonly baseVersion: string;
  readonly baseParams: Candidate;
  readonly iterations: readonly Iteration[];
  /** The last scores of the base revision (train, holdout): null until first measured. */
  readonly score: { readonly train: number; readonly holdout: number } | null;
  /** Counts persisted steps; a step's timer names the step it was scheduled for, so a stale one does nothing. */
  readonly step: number;
  readonly reason: string | null;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A command a person (or the CLI, or the panel) gives a job. */
export const JOB_COMMANDS = ['approve', 'reject', 'stop'] as const;
export type JobCommand = (typeof JOB_COMMANDS)[number];

export type Decision =
  | { readonly ok: true; readonly job: TrainingJob; readonly rollback: string | null }
  | { readonly ok: false; readonly reason: string };

const replaceLast = (job: TrainingJob, change: (it: Iteration) => Iteration): readonly Iteration[] =>
  job.iterations.map((it, i) => (i === job.iterations.length - 1 ? change(it) : it));

/** The job after its pending proposal is accepted (by a person or by policy): it stands on the draft now. */
export function acceptProposal(job: TrainingJob, actor: string): TrainingJob {
  const it = job.iterations.at(-1)!;
  const p = it.proposal!;
  return {
    ...job,
    state: 'running',
    phase: 'baseline',
    baseVersion: p.version,
    baseParams: p.params,
    iterations: replaceLast(job, (x) => ({
      ...x,
      outcome: 'accepted',
      proposal: { ...p, decision: 'accepted', decidedBy: actor },
    })),
  };
}

/** The job after its pending proposal is rejected: it goes on from the same base; the draft is rolled back. */
export function rejectProposal(job: TrainingJob, actor: string): TrainingJob {
  const it = job.iterations.at(-1)!;
  return {
    ...job,
    state: 'running',
    phase: 'baseline',
    iterations: replaceLast(job, (x) => ({
      ...x,
      outcome: 'rejected',
      proposal: { ...it.proposal!, decision: 'rejected', decidedBy: actor },
    })),
  };
}

/**
 * A person's command. `approve` and `reject` need a proposal awaiting approval; `stop` needs a live job
 * and rolls back a proposal still waiting.
 */
export function decide(job: TrainingJob, command: JobCommand, actor: string): Decision {
  const pending = job.state === 'awaiting_approval' ? (job.iterations.at(-1)?.proposal ?? null) : null;
  if (command === 'stop') {
    if (isFinal(job.state)) return { ok: false, reason: `job ${job.id} is ${job.state} already` };
    const stopped: TrainingJob = {
      ...job,
      state: 'stopped',
      reason: `stopped by ${actor}`,
      iterations:
        job.iterations.length === 0
          ? job.iterations
          : replaceLast(job, (x) => ({
              ...x,
              outcome: x.outcome === 'searching' || x.outcome === 'awaiting_approval' ? 'stopped' : x.outcome,
              proposal:
                x.proposal !== null && x.proposal.decision === 'pending'
                  ? { ...x.proposal, decision: 'rejected', decidedBy: actor }
                  : x.proposal,
            })),
    };
    return { ok: true, job: stopped, rollback: pending?.version ?? null };
  }
  if (pending === null) {
    return { ok: false, reason: `job ${job.id} is ${job.state}, not awaiting approval of a proposal` };
  }
  if (command === 'approve') return { ok: true, job: acceptProposal(job, actor), rollback: null };
  return { ok: true, job: rejectProposal(job, actor), rollback: pending.version };
}

/** Where a job goes after measuring its base: converged at the target, exhausted at the limit, else on. */
export function afterBaseline(job: TrainingJob, holdout: number): 'converged' | 'exhausted' | 'search' {
  if (holdout >= job.target) return 'converged';
  if (job.iterations.length >= job.maxIterations) return 'exhausted';
  return 'search';
}

/** Which examples a proposal fixes (scores higher) and breaks (scores lower), against the baseline. */
export function exampleDiff(
  before: readonly number[],
  after: readonly number[],
  places: readonly { readonly index: number; readonly split: 'train' | 'holdout' }[],
): { fixes: ExampleChange[]; breaks: ExampleChange[] } {
  const fixes: ExampleChange[] = [];
  const breaks: ExampleChange[] = [];
  places.forEach((p, i) => {
    const b = before[i] ?? 0;
    const a = after[i] ?? 0;
    if (a > b) fixes.push({ ...p, before: b, after: a });
    else if (a < b) breaks.push({ ...p, before: b, after: a });
  });
  return { fixes, breaks };
}

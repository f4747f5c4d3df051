/** The training orchestrator's answers, as the server's contract (src/contract/training.ts) declares them. */
import type { Tone } from '../../components';
import type {
  DatasetPageView,
  IterationView,
  JobListView,
  JobView,
  ProposalView,
} from '../../../../src/contract/training';

// The list is the server's (a pure module, bundled with the panel).
export { JOB_STATES } from '../../../../src/domain/training/training-job';

export type Job = JobView;
export type JobList = JobListView;
export type Iteration = IterationView;
export type Proposal = ProposalView;
export type DatasetPage = DatasetPageView;
export type Example = DatasetPage['examples'][number];

/** A job takes no more steps once it is in one of these. */
export const FINAL_STATES: readonly string[] = ['converged', 'exhausted', 'stopped', 'failed'];

/** The job page's address. */
export const jobPath = (id: string): string => `/training/${encodeURIComponent(id)}`;
/** A route of one job, its id encoded. */
export const jobApi = (id: string, rest = ''): string => `/factory/training/${encodeURIComponent(id)}${rest}`;

/** A score in [0, 1] as people read it in this page: three decimals. */
export const score = (v: number | null | undefined): string => (typeof v === 'number' ? v.toFixed(3) : '—');

/** The colour of a job's state (the text is always there too). */
export const jobTone = (state: string): Tone =>
  state === 'converged'
    ? 'good'
    : state === 'failed'
      ? 'bad'
      : state === 'running' || state === 'awaiting_approval'
        ? 'warn'
        : 'neutral';

import type { ReviewBundle } from '../../contract/runs.js';
import type {
  Artifact,
  Checkpoint,
  GateRecord,
  Issue,
  Run,
  RunAggregate,
  Stage,
} from '../../domain/runs/run-model.js';

export const RECORD_TYPES = ['stage', 'issue', 'checkpoint', 'artifact', 'gate', 'review'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

export interface StoredReview {
  readonly id: string;
  readonly runId: string;
  /** The run version the bundle was made from: a newer run version means the bundle is stale. */
  readonly runVersion: number;
  readonly bundle: ReviewBundle;
  readonly createdAt: string;
}

export type RunRecord =
  | { readonly type: 'stage'; readonly value: Stage }
  | { readonly type: 'issue'; readonly value: Issue }
  | { readonly type: 'checkpoint'; readonly value: Checkpoint }
  | { readonly type: 'artifact'; readonly value: Artifact }
  | { readonly type: 'gate'; readonly value: GateRecord }
  | { readonly type: 'review'; readonly value: StoredReview };

export interface RunListQuery {
  readonly tenant?: string;
  readonly status?: string;
  readonly after?: string;
  readonly limit: number;
}

export interface RunsReads {
  run(id: string): Promise<Run | null>;
  aggregate(id: string): Promise<RunAggregate | null>;
  latestReview(runId: string): Promise<StoredReview | null>;
  list(q: RunListQuery): Promise<Run[]>;
  /** Every run by status, for introspection. */
  countByStatus(): Promise<Record<string, number>>;
}

export interface RunsRepo extends RunsReads {
  insertRun(run: Run): Promise<void>;
  /** The records of a run already loaded (e.g. by `lockRun`), without reading the run row again. */
  aggregateOf(run: Run): Promise<RunAggregate>;
  /** Loads the run and holds its row lock until commit (PostgreSQL): changes to one run are serialised. */
  lockRun(id: string): Promise<Run | null>;
  updateRun(run: Run): Promise<void>;
  putRecords(runId: string, records: readonly RunRecord[]): Promise<void>;
  /** `putRecords` and `updateRun` together (in one statement where the database allows). */
  saveChange(run: Run, records: readonly RunRecord[]): Promise<void>;
}

import type { Example, Split } from '../../domain/training/dataset.js';
import type { JobState, TrainingJob } from '../../domain/training/training-job.js';

/** A stored dataset: immutable once stored; its id names its name, content and split. */
export interface StoredDataset {
  readonly id: string;
  readonly name: string;
  /** 1 for a name's first content, then one more for each new content under the same name. */
  readonly version: number;
  readonly sha256: string;
  readonly size: number;
  readonly holdoutShare: number;
  readonly split: Split;
  readonly createdBy: string;
  readonly createdAt: string;
}

export interface DatasetWithExamples extends StoredDataset {
  readonly examples: readonly Example[];
}

export interface JobQuery {
  readonly state?: JobState;
  readonly cellId?: string;
  readonly limit: number;
}

export interface TrainingReads {
  dataset(id: string): Promise<DatasetWithExamples | null>;
  /** Newest first. */
  datasets(limit: number): Promise<StoredDataset[]>;
  /** The versions stored under a name, newest first. */
  datasetVersions(name: string): Promise<StoredDataset[]>;
  job(id: string): Promise<TrainingJob | null>;
  /** Newest first. */
  jobs(q: JobQuery): Promise<TrainingJob[]>;
}

export interface TrainingRepo extends TrainingReads {
  /** False when a dataset with this id is stored already (the same name, content and split). */
  insertDataset(d: DatasetWithExamples): Promise<boolean>;
  /** Loads the job and holds its row lock until commit (PostgreSQL). */
  lockJob(id: string): Promise<TrainingJob | null>;
  insertJob(job: TrainingJob): Promise<void>;
  putJob(job: TrainingJob): Promise<void>;
}

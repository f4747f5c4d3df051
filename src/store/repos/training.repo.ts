import type { Kysely, Selectable } from 'kysely';
import type { Example, Split } from '../../domain/training/dataset.js';
import type { TrainingJob } from '../../domain/training/training-job.js';
import type {
  DatasetWithExamples,
  JobQuery,
  StoredDataset,
  TrainingRepo,
} from '../../engine/training/training-ports.js';
import type { StoreKind } from '../../engine/ports.js';
import type { Database, TrainingDatasetsTable } from '../schema.js';

interface DatasetMeta {
  readonly holdoutShare: number;
  readonly split: Split;
}

const SUMMARY = ['id', 'name', 'version', 'sha256', 'size', 'meta', 'created_by', 'created_at'] as const;

const datasetOf = (r: Omit<Selectable<TrainingDatasetsTable>, 'examples'>): StoredDataset => {
  const meta = JSON.parse(r.meta) as DatasetMeta;
  return {
    id: r.id,
    name: r.name,
    version: Number(r.version),
    sha256: r.sha256,
    size: Number(r.size),
    holdoutShare: meta.holdoutShare,
    split: meta.split,
    createdBy: r.created_by,
    createdAt: r.created_at,
  };
};

export class TrainingQueries implements TrainingRepo {
  readonly #db: Kysely<Database>;
  readonly #kind: StoreKind;
  constructor(db: Kysely<Database>, kind: StoreKind) {
    this.#db = db;
    this.#kind = kind;
  }

  async dataset(id: string): Promise<DatasetWithExamples | null> {
    const r = await this.#db
      .selectFrom('training_datasets')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (r === undefined) return null;
    return { ...datasetOf(r), examples: JSON.parse(r.examples) as Example[] };
  }

  async datasets(limit: number): Promise<StoredDataset[]> {
    const rows = await this.#db
      .selectFrom('training_datasets')
      .select(SUMMARY)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(datasetOf);
  }

  async datasetVersions(name: string): Promise<StoredDataset[]> {
    const rows = await this.#db
      .selectFrom('training_datasets')
      .select(SUMMARY)
      .where('name', '=', name)
      .orderBy('version', 'desc')
      .execute();
    return rows.map(datasetOf);
  }

  async insertDataset(d: DatasetWithExamples): Promise<boolean> {
    const r = await this.#db
      .insertInto('training_datasets')
      .values({
        id: d.id,
        name: d.name,
        version: d.version,
        sha256: d.sha256,
        size: d.size,
        meta: JSON.stringify({ holdoutShare: d.holdoutShare, split: d.split } satisfies DatasetMeta),
        examples: JSON.stringify(d.examples),
        created_by: d.createdBy,
        created_at: d.createdAt,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async job(id: string): Promise<TrainingJob | null> {
    const r = await this.#db
      .selectFrom('training_jobs')
      .select('doc')
      .where('id', '=', id)
      .executeTakeFirst();
    return r === undefined ? null : (JSON.parse(r.doc) as TrainingJob);
  }

  async lockJob(id: string): Promise<TrainingJob | null> {
    let q = this.#db.selectFrom('training_jobs').select('doc').where('id', '=', id);
    if (this.#kind === 'postgres') q = q.forUpdate();
    const r = await q.executeTakeFirst();
    return r === undefined ? null : (JSON.parse(r.doc) as TrainingJob);
  }

  async jobs(q: JobQuery): Promise<TrainingJob[]> {
    let query = this.#db.selectFrom('training_jobs').select('doc');
    if (q.state !== undefined) query = query.where('state', '=', q.state);
    if (q.cellId !== undefined) query = query.where('cell_id', '=', q.cellId);
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(q.limit).execute();
    return rows.map((r) => JSON.parse(r.doc) as TrainingJob);
  }

  async insertJob(job: TrainingJob): Promise<void> {
    await this.#db
      .insertInto('training_jobs')
      .values({
        id: job.id,
        cell_id: job.cellId,
        state: job.state,
        doc: JSON.stringify(job),
        version: job.step,
        created_at: job.createdAt,
        updated_at: job.updatedAt,
      })
      .execute();
  }

  async putJob(job: TrainingJob): Promise<void> {
    await this.#db
      .updateTable('training_jobs')
      .set({ state: job.state, doc: JSON.stringify(job), version: job.step, updated_at: job.updatedAt })
      .where('id', '=', job.id)
      .execute();
  }
}

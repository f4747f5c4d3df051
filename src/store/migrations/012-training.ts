import type { Kysely, Migration } from 'kysely';

/**
 * The training orchestrator (docs/training.md): labelled datasets (immutable once stored, named by their
 * content hash and split) and training jobs (the job as JSON; `state` for lists, `version` for the
 * optimistic check of writes).
 */
export const training: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('training_datasets')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('size', 'integer', (c) => c.notNull())
      .addColumn('meta', 'text', (c) => c.notNull())
      .addColumn('examples', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('training_datasets_name')
      .on('training_datasets')
      .columns(['name', 'version'])
      .execute();
    await db.schema
      .createTable('training_jobs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('cell_id', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('doc', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('training_jobs_created')
      .on('training_jobs')
      .columns(['created_at', 'id'])
      .execute();
  },
};

import type { Kysely, Migration } from 'kysely';

/**
 * Rollouts that decide (docs/rollouts.md): each cell's rollout policy with its version; per-minute call
 * statistics per revision (one row per instance and minute, so instances never contend on a row and a
 * flush simply overwrites its own row); and the judge's verdicts, numbered per revision (the primary key
 * makes a second verdict for one window impossible).
 */
export const rollouts: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('cell_policies')
      .addColumn('cell_id', 'text', (c) => c.primaryKey())
      .addColumn('doc', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('updated_by', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('cell_call_stats')
      .addColumn('revision_id', 'text', (c) => c.notNull())
      .addColumn('cell_id', 'text', (c) => c.notNull())
      // Minutes since the epoch (fits a 32-bit integer until the year 6053).
      .addColumn('minute', 'integer', (c) => c.notNull())
      .addColumn('instance', 'text', (c) => c.notNull())
      .addColumn('calls', 'integer', (c) => c.notNull())
      .addColumn('errors', 'integer', (c) => c.notNull())
      // JSON array of latency bucket counts (bounds in src/domain/rollouts/call-stats.ts).
      .addColumn('hist', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('cell_call_stats_pk', ['revision_id', 'minute', 'instance'])
      .execute();
    await db.schema
      .createIndex('cell_call_stats_cell')
      .on('cell_call_stats')
      .columns(['cell_id', 'minute'])
      .execute();
    await db.schema.createIndex('cell_call_stats_minute').on('cell_call_stats').columns(['minute']).execute();

    await db.schema
      .createTable('cell_verdicts')
      .addColumn('revision_id', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('cell_id', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('verdict', 'text', (c) => c.notNull())
      .addColumn('doc', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('cell_verdicts_pk', ['revision_id', 'seq'])
      .execute();
    await db.schema
      .createIndex('cell_verdicts_cell')
      .on('cell_verdicts')
      .columns(['cell_id', 'at'])
      .execute();
  },
};

import type { Kysely, Migration } from 'kysely';

/**
 * Durable per-minute rollups beside `cell_call_stats`.
 *
 * Shadow traffic (docs/rollouts.md "Shadow traffic"): per-minute comparisons of the calls mirrored to a
 * shadow revision, one row per instance and minute like `cell_call_stats` (a flush overwrites its own
 * row), with that row's newest differing answers as samples (JSON).
 *
 * Organ calls (docs/organs.md "Statistics"): the same rollup per organ, so `GET /organs/:id/stats` and its
 * counts survive restarts and add up over instances.
 */
export const rollups: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('cell_shadow_stats')
      .addColumn('revision_id', 'text', (c) => c.notNull())
      .addColumn('cell_id', 'text', (c) => c.notNull())
      .addColumn('minute', 'integer', (c) => c.notNull())
      .addColumn('instance', 'text', (c) => c.notNull())
      .addColumn('calls', 'integer', (c) => c.notNull())
      .addColumn('equal', 'integer', (c) => c.notNull())
      .addColumn('different', 'integer', (c) => c.notNull())
      .addColumn('errors', 'integer', (c) => c.notNull())
      .addColumn('dropped', 'integer', (c) => c.notNull())
      .addColumn('hist', 'text', (c) => c.notNull())
      .addColumn('samples', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('cell_shadow_stats_pk', ['revision_id', 'minute', 'instance'])
      .execute();
    await db.schema
      .createIndex('cell_shadow_stats_minute')
      .on('cell_shadow_stats')
      .columns(['minute'])
      .execute();

    await db.schema
      .createTable('organ_call_stats')
      .addColumn('organ_id', 'text', (c) => c.notNull())
      .addColumn('minute', 'integer', (c) => c.notNull())
      .addColumn('instance', 'text', (c) => c.notNull())
      .addColumn('calls', 'integer', (c) => c.notNull())
      .addColumn('errors', 'integer', (c) => c.notNull())
      .addColumn('hist', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('organ_call_stats_pk', ['organ_id', 'minute', 'instance'])
      .execute();
    await db.schema
      .createIndex('organ_call_stats_minute')
      .on('organ_call_stats')
      .columns(['minute'])
      .execute();
  },
};

import type { Kysely, Migration } from 'kysely';

/**
 * Rooms as the LLM factory's clients read them: a purpose, a status (`active` or `closed`) and free
 * metadata. Rooms created before keep their rows: no purpose, active, empty metadata; `rented_at` is
 * their creation time, so it needs no column.
 */
export const roomDetails: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('rooms').addColumn('purpose', 'text').execute();
    await db.schema
      .alterTable('rooms')
      .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
      .execute();
    await db.schema
      .alterTable('rooms')
      .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
      .execute();
  },
};

import type { Kysely, Migration } from 'kysely';

/** Organs, and the counter that names them `organ-N` (never reused). */
export const organs: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('organs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('seq', 'integer', (c) => c.notNull().unique())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('doc', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('organs_state').on('organs').columns(['state', 'seq']).execute();
    await db.schema
      .createTable('counters')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('value', 'integer', (c) => c.notNull())
      .execute();
    await db
      .insertInto('counters' as never)
      .values({ name: 'organ', value: 0 })
      .execute();
  },
};

import type { Kysely, Migration } from 'kysely';

/** The event log (with its chain head) and durable timers. */
export const foundation: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('events')
      .addColumn('seq', 'bigint', (c) => c.primaryKey())
      .addColumn('ts', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('subject_kind', 'text', (c) => c.notNull())
      .addColumn('subject_id', 'text', (c) => c.notNull())
      .addColumn('tenant', 'text')
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('prev_hash', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('events_subject')
      .on('events')
      .columns(['subject_kind', 'subject_id', 'seq'])
      .execute();
    await db.schema.createIndex('events_type').on('events').columns(['type', 'seq']).execute();
    await db.schema.createIndex('events_actor').on('events').columns(['actor', 'seq']).execute();
    await db.schema.createIndex('events_ts').on('events').columns(['ts']).execute();

    // One row: the seq and hash of the newest event. Locking it serialises appends, so commit order is
    // seq order and a subscriber reading by seq can never skip an event committed late.
    await db.schema
      .createTable('event_head')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .execute();
    await db
      .insertInto('event_head' as never)
      .values({ id: 1, seq: 0, hash: '0'.repeat(64) })
      .execute();

    await db.schema
      .createTable('timers')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('due_at', 'bigint', (c) => c.notNull())
      .addColumn('subject_kind', 'text', (c) => c.notNull())
      .addColumn('subject_id', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_error', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('fired_at', 'text')
      .execute();
    await db.schema.createIndex('timers_due').on('timers').columns(['state', 'due_at']).execute();
    await db.schema
      .createIndex('timers_subject')
      .on('timers')
      .columns(['subject_kind', 'subject_id'])
      .execute();
  },
};

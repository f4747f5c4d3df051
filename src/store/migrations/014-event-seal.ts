import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

/**
 * Unsealed events (docs/event-log.md). On PostgreSQL a transaction writes its events here, tagged with
 * its transaction id and their order inside it, touching no row another transaction touches; the sealer
 * later numbers and chains them into `events` in (xid, pos) order and deletes them here, in one
 * transaction. `content` is the event's `chainedContent` as the writer computed it, so the sealer hashes
 * the very text `eventHash` hashes. SQLite, with its one writer, seals in the writing transaction itself
 * and leaves this table empty; it has it so both stores have one schema.
 */
export const eventSeal: Migration = {
  async up(db: Kysely<unknown>) {
    const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    await db.schema
      .createTable('event_unsealed')
      .addColumn('xid', postgres ? sql`xid8` : 'text', (c) =>
        postgres ? c.notNull().defaultTo(sql`pg_current_xact_id()`) : c.notNull(),
      )
      .addColumn('pos', 'integer', (c) => c.notNull())
      .addColumn('ts', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('subject_kind', 'text', (c) => c.notNull())
      .addColumn('subject_id', 'text', (c) => c.notNull())
      .addColumn('tenant', 'text')
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('content', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('event_unsealed_pk', ['xid', 'pos'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('event_unsealed').execute();
  },
};

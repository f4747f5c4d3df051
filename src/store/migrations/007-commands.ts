import type { Kysely, Migration } from 'kysely';

/**
 * Planned natural-language commands (docs/commands.md): the plan as JSON until it is applied or expires.
 * `status` moves `planned → applied` once, in the transaction that claims it, so one plan runs once.
 */
export const commands: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('commands')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('doc', 'text', (c) => c.notNull())
      .addColumn('fingerprint', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
  },
};

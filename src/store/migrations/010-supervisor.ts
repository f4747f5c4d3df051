import type { Kysely, Migration } from 'kysely';

/**
 * The run supervisor's assignments: what work each is (`issue`, `planning`, `verification`,
 * `checkpoint`) and the action key it was dispatched under. The key is unique per run, so a decision
 * replayed (a timer fired again after a crash) or made by a second instance cannot queue the same work
 * twice. Assignments dispatched by hand keep no key (NULLs never collide) and are issue work.
 */
export const supervisor: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('assignments')
      .addColumn('kind', 'text', (c) => c.notNull().defaultTo('issue'))
      .execute();
    await db.schema.alterTable('assignments').addColumn('action_key', 'text').execute();
    await db.schema
      .createIndex('assignments_action_key')
      .on('assignments')
      .columns(['run_id', 'action_key'])
      .unique()
      .execute();
  },
};

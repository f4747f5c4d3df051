import type { Kysely, Migration } from 'kysely';

/** The cell template registry, cells and their revisions. */
export const cells: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('cell_templates')
      .addColumn('template_id', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('cell_type', 'text', (c) => c.notNull())
      .addColumn('content', 'text', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('source_path', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('cell_templates_pk', ['template_id', 'version'])
      .execute();
    await db.schema
      .createIndex('cell_templates_type')
      .on('cell_templates')
      .columns(['cell_type', 'template_id'])
      .execute();

    await db.schema
      .createTable('cells')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('template_id', 'text', (c) => c.notNull())
      .addColumn('doc', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('cells_template').on('cells').columns(['template_id']).execute();

    await db.schema
      .createTable('cell_revisions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('cell_id', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('doc', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('cell_revisions_cell')
      .on('cell_revisions')
      .columns(['cell_id', 'created_at'])
      .execute();
    await db.schema.createIndex('cell_revisions_state').on('cell_revisions').columns(['state']).execute();
  },
};

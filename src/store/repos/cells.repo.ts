import type { Kysely } from 'kysely';
import type { Cell, CellAggregate, Revision, StoredTemplate } from '../../domain/cells/cell-model.js';
import type { CellQuery, CellsRepo, TemplateQuery } from '../../engine/cells/cell-ports.js';
import type { StoreKind } from '../../engine/ports.js';
import type { CellTemplatesTable, Database } from '../schema.js';

const toTemplate = (r: CellTemplatesTable): StoredTemplate => ({
  templateId: r.template_id,
  version: r.version,
  cellType: r.cell_type,
  template: JSON.parse(r.content) as StoredTemplate['template'],
  sha256: r.sha256,
  source: r.source as StoredTemplate['source'],
  sourcePath: r.source_path,
  createdAt: r.created_at,
  createdBy: r.created_by,
});

/** Templates, cells and revisions; a cell is always loaded with all its revisions. */
export class CellQueries implements CellsRepo {
  readonly #db: Kysely<Database>;
  readonly #kind: StoreKind;
  constructor(db: Kysely<Database>, kind: StoreKind) {
    this.#db = db;
    this.#kind = kind;
  }

  async template(templateId: string, version: string): Promise<StoredTemplate | null> {
    const r = await this.#db
      .selectFrom('cell_templates')
      .selectAll()
      .where('template_id', '=', templateId)
      .where('version', '=', version)
      .executeTakeFirst();
    return r === undefined ? null : toTemplate(r);
  }

  async templateVersions(templateId: string): Promise<StoredTemplate[]> {
    const rows = await this.#db
      .selectFrom('cell_templates')
      .selectAll()
      .where('template_id', '=', templateId)
      .execute();
    return rows.map(toTemplate);
  }

  async templates(q: TemplateQuery): Promise<StoredTemplate[]> {
    let query = this.#db.selectFrom('cell_templates').selectAll();
    if (q.cellType !== undefined) query = query.where('cell_type', '=', q.cellType);
    if (q.after !== undefined) query = query.where('template_id', '>', q.after);
    const rows = await query.orderBy('template_id').orderBy('created_at').execute();
    // Newest registration per id; the registry is small enough to fold in memory.
    const byId = new Map<string, StoredTemplate>();
    for (const r of rows) byId.set(r.template_id, toTemplate(r));
    return [...byId.values()].slice(0, q.limit);
  }

  async insertTemplate(t: StoredTemplate): Promise<boolean> {
    const r = await this.#db
      .insertInto('cell_templates')
      .values({
        template_id: t.templateId,
        version: t.version,
        cell_type: t.cellType,
        content: JSON.stringify(t.template),
        sha256: t.sha256,
        source: t.source,
        source_path: t.sourcePath,
        created_at: t.createdAt,
        created_by: t.createdBy,
      })
      .onConflict((oc) => oc.columns(['template_id', 'version']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  async cell(id: string): Promise<CellAggregate | null> {
    const row = await this.#db
      .selectFrom('cells')
      .select(['doc', 'version'])
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined
      ? null
      : this.#withRevisions({ ...(JSON.parse(row.doc) as Cell), version: Number(row.version) });
  }

  async lockCell(id: string): Promise<CellAggregate | null> {
    let q = this.#db.selectFrom('cells').select(['doc', 'version']).where('id', '=', id);
    if (this.#kind === 'postgres') q = q.forUpdate();
    const row = await q.executeTakeFirst();
    return row === undefined
      ? null
      : this.#withRevisions({ ...(JSON.parse(row.doc) as Cell), version: Number(row.version) });
  }

  async #withRevisions(cell: Cell): Promise<CellAggregate> {
    const rows = await this.#db
      .selectFrom('cell_revisions')
      .select('doc')
      .where('cell_id', '=', cell.id)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return { cell, revisions: rows.map((r) => JSON.parse(r.doc) as Revision) };
  }

  async cellsForTemplate(templateId: string): Promise<Cell[]> {
    const rows = await this.#db
      .selectFrom('cells')
      .select(['doc', 'version'])
      .where('template_id', '=', templateId)
      .execute();
    return rows.map((r) => ({ ...(JSON.parse(r.doc) as Cell), version: Number(r.version) }));
  }

  async cells(q: CellQuery): Promise<CellAggregate[]> {
    let query = this.#db.selectFrom('cells').select('id');
    if (q.after !== undefined) query = query.where('id', '>', q.after);
    if (q.state !== undefined) {
      const state = q.state;
      query = query.where((eb) =>
        eb.exists(
          eb
            .selectFrom('cell_revisions')
            .select('cell_revisions.id')
            .whereRef('cell_revisions.cell_id', '=', 'cells.id')
            .where('cell_revisions.state', '=', state),
        ),
      );
    }
    const ids = await query.orderBy('id').limit(q.limit).execute();
    const out: CellAggregate[] = [];
    for (const { id } of ids) {
      const agg = await this.cell(id);
      if (agg !== null) out.push(agg);
    }
    return out;
  }

  async countRevisionsByState(): Promise<Record<string, number>> {
    const rows = await this.#db
      .selectFrom('cell_revisions')
      .select((eb) => ['state', eb.fn.countAll<number>().as('n')])
      .groupBy('state')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  }

  async countServingCells(): Promise<number> {
    const rows = await this.#db
      .selectFrom('cells')
      .select('doc')
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('cell_revisions')
            .select('cell_revisions.id')
            .whereRef('cell_revisions.cell_id', '=', 'cells.id')
            .where('cell_revisions.state', 'in', ['canary', 'experimental', 'stable']),
        ),
      )
      .execute();
    return rows.filter((r) => (JSON.parse(r.doc) as Cell).quarantine === null).length;
  }

  async putCell(cell: Cell): Promise<void> {
    const { version, ...doc } = cell;
    const values = { doc: JSON.stringify(doc), version, updated_at: cell.updatedAt };
    await this.#db
      .insertInto('cells')
      .values({ id: cell.id, template_id: cell.templateId, created_at: cell.createdAt, ...values })
      .onConflict((oc) => oc.column('id').doUpdateSet(values))
      .execute();
  }

  async putRevision(r: Revision): Promise<void> {
    const values = { state: r.state, doc: JSON.stringify(r), updated_at: r.updatedAt };
    await this.#db
      .insertInto('cell_revisions')
      .values({ id: r.id, cell_id: r.cellId, created_at: r.createdAt, ...values })
      .onConflict((oc) => oc.column('id').doUpdateSet(values))
      .execute();
  }
}

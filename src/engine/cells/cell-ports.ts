import type { Cell, CellAggregate, Revision, StoredTemplate } from '../../domain/cells/cell-model.js';

export interface TemplateQuery {
  readonly cellType?: string;
  readonly after?: string;
  readonly limit: number;
}

export interface CellQuery {
  readonly state?: string;
  readonly after?: string;
  readonly limit: number;
}

export interface CellsReads {
  template(templateId: string, version: string): Promise<StoredTemplate | null>;
  templateVersions(templateId: string): Promise<StoredTemplate[]>;
  /** Newest version of each template id, paged by id. */
  templates(q: TemplateQuery): Promise<StoredTemplate[]>;
  cell(id: string): Promise<CellAggregate | null>;
  cellsForTemplate(templateId: string): Promise<Cell[]>;
  /** Cells paged by id; with `state`, only cells that have a revision in that state. */
  cells(q: CellQuery): Promise<CellAggregate[]>;
  countRevisionsByState(): Promise<Record<string, number>>;
  /** Cells not quarantined with a canary, experimental or stable revision. */
  countServingCells(): Promise<number>;
}

export interface CellsRepo extends CellsReads {
  insertTemplate(t: StoredTemplate): Promise<boolean>;
  /** Loads the cell and holds its row lock until commit (PostgreSQL). */
  lockCell(id: string): Promise<CellAggregate | null>;
  putCell(cell: Cell): Promise<void>;
  putRevision(r: Revision): Promise<void>;
}

import { isServing } from '../../domain/cells/cell-lifecycle.js';
import type { CellAggregate } from '../../domain/cells/cell-model.js';
import { organCellId, type OrganTemplate, type Pathway } from '../../domain/organs/organ-template.js';
import type { CellsReads } from '../cells/cell-ports.js';
import { isBlocking, type OrganRiskCode, type Risk as DomainRisk } from '../../domain/risks.js';

export interface CellCheck {
  readonly ref: string;
  readonly id: string;
  readonly exists: boolean;
  /** The best state among its revisions (stable first), or null. */
  readonly state: string | null;
  readonly serving: boolean;
}

/** A cell serves when it is not quarantined and one revision is canary, experimental or stable. */
export function checkCell(ref: string, agg: CellAggregate | null): CellCheck {
  const id = organCellId(ref);
  if (agg === null) return { ref, id, exists: false, state: null, serving: false };
  const order = [
    'stable',
    'experimental',
    'canary',
    'draft',
    'healing',
    'failed',
    'deprecated',
    'disabled',
    'rolled_back',
  ];
  const best = [...agg.revisions].sort((a, b) => order.indexOf(a.state) - order.indexOf(b.state))[0];
  return {
    ref,
    id,
    exists: true,
    state: best?.state ?? null,
    serving: agg.cell.quarantine === null && agg.revisions.some((r) => isServing(r.state)),
  };
}

/** Why the organ's cells cannot carry it, or null. */
export function cellProblems(template: OrganTemplate, checks: readonly CellCheck[]): string | null {
  const missing = checks.filter((c) => !c.exists).map((c) => c.ref);
  if (missing.length > 0) return `cells not found: ${missing.join(', ')}`;
  const idle = checks.filter((c) => !c.serving).map((c) => `${c.id} (${c.state ?? 'no revision'})`);
  if (idle.length > 0) return `cells not serving: ${idle.join(', ')}`;
  return template.cells.length === 0 ? 'no cells' : null;
}

/** Every cell of the template, checked. */
export const checkCells = (reads: Pick<CellsReads, 'cell'>, t: OrganTemplate): Promise<CellCheck[]> =>
  Promise.all(t.cells.map(async (ref) => checkCell(ref, await reads.cell(organCellId(ref)))));

/** An organ dry run's risk: the codes are the typed list docs/organs.md is checked against. */
export type Risk = DomainRisk<OrganRiskCode>;

export interface DryRunReport {
  readonly cells: readonly CellCheck[];
  readonly pathways: readonly Pathway[];
  readonly risks: readonly Risk[];
  readonly ok: boolean;
}

/** What a build of the template would meet: missing cells block it, idle cells and no pathway warn. */
export function dryRunReport(t: OrganTemplate, cells: readonly CellCheck[]): DryRunReport {
  const risks: Risk[] = [
    ...cells
      .filter((c) => !c.exists)
      .map((c): Risk => ({
        code: 'missing_cell',
        severity: 'blocking',
        message: `cell ${c.ref} is not registered`,
      })),
    ...cells
      .filter((c) => c.exists && !c.serving)
      .map((c): Risk => ({
        code: 'cell_not_serving',
        severity: 'warning',
        message: `cell ${c.id} does not serve yet (${c.state ?? 'no revision'}); the build fails at its first stage unless it does by then`,
      })),
    ...(t.pathways.length === 0
      ? [
          {
            code: 'no_pathway',
            severity: 'warning',
            message: 'no pathway: invoke runs the cells in their listed order',
          } satisfies Risk,
        ]
      : []),
  ];
  return { cells, pathways: t.pathways, risks, ok: !isBlocking(risks) };
}

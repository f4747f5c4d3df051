import { isServing } from '../../domain/cells/cell-lifecycle.js';
import type { CellAggregate } from '../../domain/cells/cell-model.js';
import { organCellId, type OrganTemplate } from '../../domain/organs/organ-template.js';

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

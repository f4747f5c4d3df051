import type { SelectAnswer } from '../../contract/cells.js';
import type { CellAggregate } from '../../domain/cells/cell-model.js';
import { compareSemver } from '../../domain/cells/semver.js';
import type { Store } from '../ports.js';

export interface SelectRequest {
  readonly analysisType: string;
  readonly preferId?: string;
  readonly allowedTypes?: readonly string[];
  readonly blockedTypes?: readonly string[];
}

/**
 * Reuse or create: the best cell of the type that policy allows (stable before experimental, the preferred
 * id first, then the newest version), or a fabrication request ready to dry-run.
 */
export async function selectCell(
  store: Store,
  req: SelectRequest,
  isQuarantined: (agg: CellAggregate) => boolean = (a) => a.cell.quarantine !== null,
): Promise<SelectAnswer> {
  const t = req.analysisType;
  if (
    req.blockedTypes?.includes(t) === true ||
    (req.allowedTypes !== undefined && !req.allowedTypes.includes(t))
  ) {
    return {
      decision: 'create' as const,
      reason: `policy does not allow reusing cells of type ${t}`,
      request: fabricationRequest(t),
    };
  }
  const templates = await store.cells.templates({ cellType: t, limit: 1000 });
  const candidates: { agg: CellAggregate; state: 'stable' | 'experimental'; version: string }[] = [];
  for (const tpl of templates) {
    for (const cellId of [`adapter:${tpl.templateId}`]) {
      const agg = await store.cells.cell(cellId);
      if (agg === null || isQuarantined(agg)) continue;
      for (const state of ['stable', 'experimental'] as const) {
        const rev = agg.revisions.filter((r) => r.state === state).at(-1);
        if (rev !== undefined) candidates.push({ agg, state, version: rev.templateVersion });
      }
    }
  }
  const rank = (c: (typeof candidates)[number]) =>
    (c.state === 'stable' ? 2 : 0) +
    (c.agg.cell.id === req.preferId || c.agg.cell.templateId === req.preferId ? 4 : 0);
  candidates.sort((a, b) => rank(b) - rank(a) || compareSemver(b.version, a.version));
  const best = candidates[0];
  if (best === undefined) {
    return {
      decision: 'create' as const,
      reason: `no stable or experimental cell of type ${t}`,
      request: fabricationRequest(t),
    };
  }
  return {
    decision: 'reuse' as const,
    cell: { id: best.agg.cell.id, state: best.state, version: best.version },
    reason: `${best.state} cell ${best.agg.cell.id}@${best.version} has type ${t}`,
  };
}

const fabricationRequest = (type: string) => ({
  backend: 'adapter',
  tpl: {
    id: `analysis.${type}.v1`,
    version: '0.1.0',
    analysis_type: type,
    links: [],
    metadata: { schema: 'v1' },
  },
});

import type { Cell, Template } from '../../contract/cells.js';
import { allowedCommands, isServing } from '../../domain/cells/cell-lifecycle.js';
import type { CellAggregate, StoredTemplate } from '../../domain/cells/cell-model.js';
import type { CellInvoker } from '../../engine/cells/cell-invoker.js';

/**
 * A cell as `GET /factory/cells/:id` answers it (and the cell stream's snapshots carry it): the newest
 * revision's state, whether anything serves, the quarantine, and every revision with its allowed
 * commands, history and this instance's call statistics.
 */
export const cellView = (agg: CellAggregate, invoker: Pick<CellInvoker, 'stats' | 'traffic'>): Cell => {
  const newest = agg.revisions.at(-1);
  const traffic = invoker.traffic(agg);
  return {
    id: agg.cell.id,
    backend: agg.cell.backend,
    template_id: agg.cell.templateId,
    hitl: agg.cell.hitl,
    state: newest?.state ?? null,
    version: newest?.templateVersion ?? null,
    serving: agg.cell.quarantine === null && agg.revisions.some((r) => isServing(r.state)),
    quarantine: agg.cell.quarantine,
    revisions: agg.revisions.map((r) => ({
      id: r.id,
      version: r.templateVersion,
      state: r.state,
      allowed: allowedCommands(r.state),
      history: r.history.map((h) => ({ ...h })),
      stats: invoker.stats(r.id),
      traffic_percent: Math.round((traffic.get(r.id) ?? 0) * 10) / 10,
      created_at: r.createdAt,
      updated_at: r.updatedAt,
    })),
    created_at: agg.cell.createdAt,
    updated_at: agg.cell.updatedAt,
  };
};

/** A registered template version as the registry answers it. */
export const templateView = (t: StoredTemplate): Template => ({
  id: t.templateId,
  version: t.version,
  type: t.cellType,
  template: t.template as unknown as Template['template'],
  sha256: t.sha256,
  source: t.source,
  source_path: t.sourcePath,
  created_at: t.createdAt,
  created_by: t.createdBy,
});

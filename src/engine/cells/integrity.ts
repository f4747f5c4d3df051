import type { Clock, Store } from '../ports.js';
import type { CellMetrics } from './cell-metrics.js';

/** Who the immune system's integrity events name as their actor. */
export const INTEGRITY_ACTOR = 'system';

export interface IntegrityViolationRecord {
  readonly templateId: string;
  readonly version: string;
  /** The catalog file that changed: a template's JSON, or a file the template names. */
  readonly path: string;
  /** What the template pinned and what the file holds now (null: it cannot be read as pinned). */
  readonly registeredSha256: string;
  readonly fileSha256: string | null;
  readonly reason: string;
  /** For a file the template names: its field (`source_file`, `module_file`). */
  readonly field?: string;
  /** Record nothing when every cell of the template is quarantined already (a repeated detection). */
  readonly onlyIfNew?: boolean;
}

/**
 * The immune system's answer to a catalog file that is no longer what was registered: an
 * `immune.integrity_violation` event, and every cell of the template id quarantined (`immune.quarantine`
 * each), all in one transaction. Answers the cells it quarantined; the caller drops them from caches.
 */
export async function quarantineForIntegrity(
  store: Store,
  clock: Clock,
  metrics: CellMetrics,
  v: IntegrityViolationRecord,
): Promise<string[]> {
  const at = new Date(clock.now()).toISOString();
  const { reason, path } = v;
  const quarantined = await store.transaction(async (tx) => {
    const done: string[] = [];
    // Locked in id order, like every multi-cell transaction should, so two never deadlock.
    const ids = (await tx.cells.cellsForTemplate(v.templateId)).map((c) => c.id).sort();
    const cells = [];
    for (const id of ids) {
      const agg = await tx.cells.lockCell(id);
      if (agg !== null && agg.cell.quarantine === null) cells.push(agg);
    }
    if (v.onlyIfNew === true && cells.length === 0) return done;
    await tx.appendEvent({
      type: 'immune.integrity_violation',
      subjectKind: 'cell_template',
      subjectId: `${v.templateId}@${v.version}`,
      actor: INTEGRITY_ACTOR,
      data: {
        path,
        template: v.templateId,
        version: v.version,
        ...(v.field === undefined ? {} : { field: v.field }),
        registered_sha256: v.registeredSha256,
        file_sha256: v.fileSha256,
      },
    });
    for (const agg of cells) {
      const quarantine = { reason, at };
      await tx.cells.putCell({ ...agg.cell, quarantine, updatedAt: at, version: agg.cell.version + 1 });
      await tx.appendEvent({
        type: 'immune.quarantine',
        subjectKind: 'cell',
        subjectId: agg.cell.id,
        actor: INTEGRITY_ACTOR,
        data: {
          action: 'cell.quarantine',
          template: v.templateId,
          version: v.version,
          path,
          reason,
          before: { quarantine: null },
          after: { quarantine },
        },
      });
      done.push(agg.cell.id);
    }
    return done;
  });
  if (v.onlyIfNew !== true || quarantined.length > 0) metrics.integrityViolations.labels(v.templateId).inc();
  if (quarantined.length > 0) metrics.quarantines.inc(quarantined.length);
  return quarantined;
}

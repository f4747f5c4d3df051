import type { Revision } from '../../domain/cells/cell-model.js';
import type { Tx } from '../ports.js';

/**
 * A new draft revision of a cell and its `cell.revision_created` event, in the caller's transaction:
 * the same records whether the API fabricates a version or a training job proposes one. `hitl` is
 * recorded when the fabrication set it, `reason` when the proposer gave one.
 */
export async function putDraftRevision(
  tx: Tx,
  draft: {
    readonly cellId: string;
    readonly revisionId: string;
    readonly version: string;
    readonly actor: string;
    readonly now: string;
    readonly hitl?: boolean;
    readonly reason?: string;
  },
): Promise<void> {
  const { cellId, revisionId, version, actor, now, hitl, reason } = draft;
  const revision: Revision = {
    id: revisionId,
    cellId,
    templateVersion: version,
    state: 'draft',
    priorState: null,
    history: [
      {
        from: null,
        to: 'draft',
        command: 'create',
        actor,
        at: now,
        ...(reason === undefined ? {} : { reason }),
      },
    ],
    createdAt: now,
    updatedAt: now,
  };
  await tx.cells.putRevision(revision);
  await tx.appendEvent({
    type: 'cell.revision_created',
    subjectKind: 'cell',
    subjectId: cellId,
    actor,
    data: {
      action: 'cell.fabricate',
      revision: revisionId,
      version,
      before: null,
      after: { state: 'draft' },
      ...(hitl === undefined ? {} : { hitl }),
      ...(reason === undefined ? {} : { reason }),
    },
  });
}

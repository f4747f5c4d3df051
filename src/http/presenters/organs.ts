import type { DryRun, OrganMoved, OrganPage, OrganView, StageChangedFrame } from '../../contract/organs.js';
import type { EventRecord } from '../../domain/event.js';
import { ORGAN_STATES, type Organ, type OrganState } from '../../domain/organs/organ-model.js';
import type { DryRunReport } from '../../engine/organs/organ-checks.js';
import type { OrganStatus } from '../../engine/organs/organ-service.js';

/** The organ answers as src/contract/organs.ts defines them. */

export function organView({ organ: o, cells, invocations: s }: OrganStatus): OrganView {
  // A failed organ says why; any other says the reason of its last move once it has had a failure.
  const reason =
    o.reason === null && o.state !== 'failed' ? null : (o.stageHistory.at(-1)?.reason ?? o.reason);
  const cellViews = cells.map((c) => ({ id: c.id, state: c.state, serving: c.serving }));
  return {
    id: o.id,
    state: o.state,
    template: { id: o.template.id, version: o.template.version },
    cells: cellViews,
    // The seed's name for the same list (Neira's tools read `nodes`).
    nodes: cellViews,
    metrics: {
      build_duration_ms: o.buildDurationMs,
      invocations: s.calls,
      errors: s.errors,
      p50_ms: s.p50Ms,
      p95_ms: s.p95Ms,
    },
    building: o.building,
    awaiting_approval: o.awaitingApproval,
    stage_history: [...o.stageHistory],
    ...(reason === null ? {} : { reason }),
    created_at: o.createdAt,
    updated_at: o.updatedAt,
  };
}

export const organPage = (p: { statuses: OrganStatus[]; nextCursor: number | null }): OrganPage => ({
  organs: p.statuses.map(organView),
  next_cursor: p.nextCursor,
});

export const organMoved = (o: Organ): OrganMoved => ({ id: o.id, state: o.state });

export const dryRunView = (r: DryRunReport): DryRun => ({
  organ_id: null,
  state: 'dry_run',
  report: {
    cells: r.cells.map((c) => ({
      ref: c.ref,
      id: c.id,
      exists: c.exists,
      state: c.state,
      serving: c.serving,
    })),
    pathways: r.pathways.map((p) => ({ ...p, cells: [...p.cells] })),
    risks: [...r.risks],
    ok: r.ok,
  },
});

const organState = (v: unknown): OrganState | null =>
  typeof v === 'string' && (ORGAN_STATES as readonly string[]).includes(v) ? (v as OrganState) : null;

/** `{type: "stage_changed", id, state, seq, from, actor, ts, reason?}`: one organ.stage_changed event. */
export function stageFrame(e: EventRecord): StageChangedFrame {
  const parsed: unknown = JSON.parse(e.data);
  const d = (parsed !== null && typeof parsed === 'object' ? parsed : {}) as Record<string, unknown>;
  return {
    type: 'stage_changed',
    id: e.subjectId,
    state: organState(d.to),
    seq: e.seq,
    from: organState(d.from),
    actor: typeof d.actor === 'string' ? d.actor : e.actor,
    ts: e.ts,
    ...(typeof d.reason === 'string' ? { reason: d.reason } : {}),
  };
}

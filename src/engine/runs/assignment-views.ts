// Type-only: the views are checked against the wire contract at compile time; nothing of it is loaded.
import type * as Wire from '../../contract/rooms.js';
import type { Assignment, Room } from '../../domain/runs/assignments.js';

/** Wire shapes of rooms and inbox items (snake_case, like the rest of the LLM factory family). */
export const roomView = (r: Room): Wire.Room => ({
  id: r.id,
  tenant: r.tenant,
  name: r.name,
  purpose: r.purpose,
  status: r.status,
  metadata: r.metadata,
  rented_at: r.createdAt,
  created_at: r.createdAt,
  created_by: r.createdBy,
});

/** What `dispatch` answers: the assignment as it was queued. */
export const dispatchedView = (a: Assignment): Wire.Dispatched => ({
  assignment_id: a.id,
  run_id: a.runId,
  issue_id: a.issueId,
  room_id: a.roomId,
  kind: a.kind,
  action_key: a.actionKey,
  state: a.state,
  prompt: a.prompt,
  attempts: a.attempts,
  created_at: a.createdAt,
});

/** What a worker receives from the inbox: the prompt and the lease it must answer under. */
export const claimedView = (a: Assignment): Wire.Claimed => ({
  assignment_id: a.id,
  run_id: a.runId,
  issue_id: a.issueId,
  room_id: a.roomId,
  kind: a.kind,
  action_key: a.actionKey,
  prompt: a.prompt,
  lease_token: a.leaseToken,
  lease_expires_at: a.leaseUntil === null ? null : new Date(a.leaseUntil).toISOString(),
  attempts: a.attempts,
  created_at: a.createdAt,
});

/** What a renewal answers: the lease the worker now holds. */
export const renewedView = (a: Assignment): Wire.Renewed => ({
  assignment_id: a.id,
  run_id: a.runId,
  issue_id: a.issueId,
  room_id: a.roomId,
  kind: a.kind,
  action_key: a.actionKey,
  state: a.state,
  lease_token: a.leaseToken!,
  lease_expires_at: new Date(a.leaseUntil!).toISOString(),
  attempts: a.attempts,
});

export const resultView = (a: Assignment): Wire.AssignmentView => ({
  assignment_id: a.id,
  run_id: a.runId,
  issue_id: a.issueId,
  room_id: a.roomId,
  kind: a.kind,
  action_key: a.actionKey,
  state: a.state,
  attempts: a.attempts,
  result:
    a.result === null
      ? null
      : {
          status: a.result.status,
          summary: a.result.summary,
          notes: a.result.notes,
          applied: a.result.applied,
          reported_at: a.result.reportedAt,
          reported_by: a.result.reportedBy,
        },
});

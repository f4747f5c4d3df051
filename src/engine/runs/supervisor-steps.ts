import { fail, ok, type Result } from '../../domain/errors.js';
import type { Assignment, ResultStatus } from '../../domain/runs/assignments.js';
import { live, type Issue, type Supervision } from '../../domain/runs/run-model.js';
import {
  afterIssueFailure,
  failedAttempts,
  issuesToReopen,
  label,
  type SupervisedWork,
} from '../../domain/runs/supervisor.js';
import {
  addArtifact,
  addCheckpoint,
  patchIssue,
  patchStage,
  type ArtifactInput,
  type CheckpointInput,
} from './run-authoring.js';
import type { RunDraft } from './run-draft.js';
import { recordVerification } from './run-lifecycle.js';

/** What the supervisor changes on a run, on a draft: persisted by `RunService.changeIn` with its events. */

export const supervisedWork = (a: Assignment): SupervisedWork => ({
  id: a.id,
  kind: a.kind,
  issueId: a.issueId,
  actionKey: a.actionKey,
  state: a.state,
  result: a.result,
});

export function setSupervision(d: RunDraft, patch: Partial<Supervision>): void {
  const s = d.run.supervision;
  if (s === null || s === undefined) return;
  d.patchRun({ supervision: { ...s, ...patch } });
}

/** The supervisor's decision, in words, on the run's event log (and so in the live feed). */
export function decided(d: RunDraft, words: string, context: Record<string, unknown> = {}): void {
  d.event('supervisor.decided', {
    targetKind: 'run',
    targetId: d.run.id,
    context: { decision: words, ...context },
  });
}

/** The run fails: the issue (if one is to blame) and its stage fail, and a failure report says why. */
export function failRun(
  d: RunDraft,
  reason: string,
  issueId: string | null,
  failureNotes: readonly string[] = [],
): Result<null> {
  const issue = issueId === null ? undefined : d.agg.issues.find((i) => i.id === issueId);
  if (issue !== undefined) {
    if (issue.status !== 'failed') {
      const p = patchIssue(d, issue.id, { status: 'failed' });
      if (!p.ok) return p;
    }
    const stage = d.agg.stages.find((s) => s.id === issue.stageId);
    if (stage !== undefined && stage.status !== 'failed') {
      const p = patchStage(d, stage.id, { status: 'failed' });
      if (!p.ok) return p;
    }
  }
  const report = addArtifact(
    d,
    {
      artifactType: 'failure_report',
      payload: {
        reason,
        failed_in: d.run.status,
        ...(issue === undefined ? {} : { issue_id: issue.id, issue_key: label(issue) }),
        failure_notes: failureNotes,
      },
      producerType: 'kernel',
    },
    'supervisor',
  );
  if (!report.ok) return report;
  const failedAt = d.run.status;
  const s = d.run.supervision;
  d.setStatus(
    'failed',
    reason,
    s ? { supervision: { ...s, failure: reason, failedAt, verifying: null } } : {},
  );
  return ok(null);
}

/**
 * A retried run resumes where it failed, with fresh attempts: failed issues and stages are ready again
 * (the notes of what failed stay on the issue), the failure is forgotten.
 */
export function retryRun(d: RunDraft): Result<null> {
  const s = d.run.supervision;
  if (d.run.status !== 'failed')
    return fail('invalid_transition', `run ${d.run.id} is ${d.run.status}; only a failed run can be retried`);
  if (s === null || s === undefined || s.failedAt === null)
    return fail('invalid_transition', `run ${d.run.id} was not failed by the supervisor; start it instead`);
  for (const i of live(d.agg.issues).filter((x) => x.status === 'failed')) {
    const p = patchIssue(d, i.id, { status: 'ready', notes: [...i.notes, 'reopened by retry'] });
    if (!p.ok) return p;
  }
  for (const st of live(d.agg.stages).filter((x) => x.status === 'failed')) {
    const p = patchStage(d, st.id, { status: 'ready' });
    if (!p.ok) return p;
  }
  d.setStatus(s.failedAt, 'retried', {
    supervision: { ...s, epoch: s.epoch + 1, failedRounds: 0, failure: null, failedAt: null, stalled: null },
  });
  return ok(null);
}

export interface WorkerResult {
  readonly status: ResultStatus;
  readonly summary?: string;
  readonly notes?: readonly string[];
  readonly artifacts?: readonly ArtifactInput[];
  readonly checkpoint?: CheckpointInput;
}

/**
 * What a result of supervised work (or any result carrying records) does to the run, besides the
 * issue's own status: artifacts and a checkpoint are attached as the room's producer would post them;
 * a failed issue with attempts left goes back to ready; a verification result is the round's report.
 */
export function attachRecords(d: RunDraft, a: Assignment, r: WorkerResult): Result<null> {
  for (const art of r.artifacts ?? []) {
    const added = addArtifact(d, { producerType: 'room', producerId: a.roomId, ...art }, a.roomId);
    if (!added.ok) return added;
  }
  if (r.checkpoint !== undefined) {
    const c = addCheckpoint(d, r.checkpoint);
    if (!c.ok) return c;
  }
  return ok(null);
}

/** The issue status a supervised issue result leads to (a failure with attempts left: ready again). */
export function issueStatusAfter(
  d: RunDraft,
  a: Assignment,
  status: ResultStatus,
  work: readonly SupervisedWork[],
): 'passed' | 'ready' | 'failed' {
  const s = d.run.supervision;
  if (status === 'passed') return 'passed';
  if (s === null || s === undefined || a.actionKey === null) return 'failed';
  return afterIssueFailure(failedAttempts(s, work, 'issue', a.issueId).length, s.maxAttempts);
}

/** A verification round's outcome, from the host or a worker: the report, and on failure the next round or the end. */
export function verificationRound(
  d: RunDraft,
  report: { success: boolean } & Record<string, unknown>,
  inputIds: string[],
  failing: string[],
): Result<null> {
  const s = d.run.supervision;
  const stored = recordVerification(d, report, inputIds);
  if (!stored.ok) return stored;
  if (s === null || s === undefined) return ok(null);
  if (report.success) {
    setSupervision(d, { verifying: null });
    return ok(null);
  }
  const failedRounds = s.failedRounds + 1;
  setSupervision(d, { verifying: null, failedRounds });
  if (failedRounds >= s.maxVerificationRounds)
    return failRun(
      d,
      `verification failed in ${failedRounds} rounds (the most allowed: ${s.maxVerificationRounds})`,
      null,
      failing,
    );
  return reopen(d, issuesToReopen(d.agg.issues, failing), failing);
}

function reopen(d: RunDraft, issues: readonly Issue[], failing: readonly string[]): Result<null> {
  const note = `verification failed: ${failing.join('; ') || 'see the failure report'}`;
  for (const i of issues) {
    const p = patchIssue(d, i.id, { status: 'ready', notes: [...i.notes, note] });
    if (!p.ok) return p;
    const st = d.agg.stages.find((x) => x.id === i.stageId);
    if (st !== undefined && st.status !== 'ready' && st.status !== 'running') {
      const q = patchStage(d, st.id, { status: 'ready' });
      if (!q.ok) return q;
    }
  }
  return ok(null);
}

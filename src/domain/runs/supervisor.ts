import type { AssignmentState, ResultStatus } from './assignments.js';
import { decideAdvance } from './progress.js';
import {
  ATTENTION_VERDICTS,
  isTerminal,
  live,
  type Issue,
  type RunAggregate,
  type Supervision,
} from './run-model.js';

/**
 * The run supervisor's decisions, pure: given a run, the assignments it made and what the host allows,
 * what to do next. The engine persists each action in the transaction that holds the run's lock, and
 * every dispatch carries an action key unique per run (`kind:issue:e<epoch>:a<attempt>`), so replaying a
 * decision, or a second instance making it, never doubles an action.
 */

export const ASSIGNMENT_KINDS = ['issue', 'planning', 'verification', 'checkpoint'] as const;
export type AssignmentKind = (typeof ASSIGNMENT_KINDS)[number];

export const SUPERVISION_DEFAULTS = { maxAttempts: 3, maxVerificationRounds: 3 } as const;

/** An assignment as the supervisor sees it. */
export interface SupervisedWork {
  readonly id: string;
  readonly kind: AssignmentKind;
  readonly issueId: string | null;
  readonly actionKey: string | null;
  readonly state: AssignmentState;
  readonly result: {
    readonly status: ResultStatus;
    readonly summary: string | null;
    readonly notes: readonly string[];
  } | null;
}

export interface SupervisorContext {
  readonly now: number;
  /** Whether the host runs verification plans itself (capability `factory_verify` not locked). */
  readonly hostVerifies: boolean;
}

export type SupervisorAction =
  | { readonly type: 'advance' }
  | {
      readonly type: 'dispatch';
      readonly kind: AssignmentKind;
      readonly issueId: string | null;
      readonly key: string;
      readonly attempt: number;
      /** What the earlier attempts reported, for the next prompt. */
      readonly failureNotes: readonly string[];
    }
  | { readonly type: 'verify'; readonly key: string }
  | { readonly type: 'fail'; readonly reason: string; readonly issueId: string | null };

export function newSupervision(input: {
  roomId?: string | null;
  maxAttempts?: number;
  maxVerificationRounds?: number;
  promptTemplate?: string | null;
}): Supervision {
  return {
    roomId: input.roomId ?? null,
    maxAttempts: input.maxAttempts ?? SUPERVISION_DEFAULTS.maxAttempts,
    maxVerificationRounds: input.maxVerificationRounds ?? SUPERVISION_DEFAULTS.maxVerificationRounds,
    promptTemplate: input.promptTemplate ?? null,
    epoch: 0,
    failedRounds: 0,
    verifying: null,
    stalled: null,
    failure: null,
    failedAt: null,
  };
}

export const actionKey = (kind: AssignmentKind, issueId: string | null, epoch: number, attempt: number) =>
  `${kind}:${issueId ?? '-'}:e${epoch}:a${attempt}`;

export function epochOfKey(key: string): number | null {
  const m = /:e(\d+):a\d+$/.exec(key);
  return m === null ? null : Number(m[1]);
}

/** The work of this epoch for one piece of work (a kind, and an issue for issue work). */
function workFor(
  s: Supervision,
  work: readonly SupervisedWork[],
  kind: AssignmentKind,
  issueId: string | null,
  withCancelled = false,
) {
  return work.filter(
    (w) =>
      w.kind === kind &&
      w.issueId === issueId &&
      w.actionKey !== null &&
      epochOfKey(w.actionKey) === s.epoch &&
      (withCancelled || w.state !== 'cancelled'),
  );
}

const isOpenWork = (w: SupervisedWork) => w.state === 'queued' || w.state === 'leased';

/** What the failed attempts said, oldest first, for the next prompt and the failure report. */
export function failureNotesOf(attempts: readonly SupervisedWork[]): string[] {
  return attempts
    .filter((w) => w.result?.status === 'failed')
    .map((w, i) => {
      const r = w.result!;
      const notes = r.notes.length > 0 ? ` (${r.notes.join('; ')})` : '';
      return `attempt ${i + 1} failed: ${r.summary ?? 'no summary'}${notes}`;
    });
}

/** Failed results of this epoch for an issue (the attempts a retry counts). */
export function failedAttempts(
  s: Supervision,
  work: readonly SupervisedWork[],
  kind: AssignmentKind,
  issueId: string | null,
): SupervisedWork[] {
  return workFor(s, work, kind, issueId).filter((w) => w.state === 'done' && w.result?.status === 'failed');
}

/** Gates whose latest outside verdict holds the run for a person. */
export function heldByVerdicts(agg: RunAggregate): string[] {
  const latest = new Map(agg.gates.map((g) => [g.gate, g.verdict]));
  return [...latest].filter(([, v]) => ATTENTION_VERDICTS.includes(v)).map(([g, v]) => `${g}: ${v}`);
}

/** The next actions for a supervised run; none when it waits (for a worker, a person or a lease). */
export function decide(
  agg: RunAggregate,
  work: readonly SupervisedWork[],
  ctx: SupervisorContext,
): SupervisorAction[] {
  const s = agg.run.supervision;
  if (s === null || s === undefined || isTerminal(agg.run.status)) return [];
  const step = decideAdvance(agg);
  /** The next attempt of a piece of work, or the run's failure once its attempts are spent. */
  const attempt = (
    kind: AssignmentKind,
    issueId: string | null,
    spent: number,
    what: string,
  ): SupervisorAction[] => {
    const mine = workFor(s, work, kind, issueId);
    if (mine.some(isOpenWork)) return [];
    if (spent >= s.maxAttempts) {
      const notes = failureNotesOf(mine);
      return [
        {
          type: 'fail' as const,
          reason: `${what} failed after ${spent} attempts${notes.length > 0 ? `: ${notes.at(-1)}` : ''}`,
          issueId,
        },
      ];
    }
    return [
      {
        type: 'dispatch' as const,
        kind,
        issueId,
        // Keys count every assignment of the epoch, withdrawn ones too: a key is never used twice.
        key: actionKey(kind, issueId, s.epoch, workFor(s, work, kind, issueId, true).length + 1),
        attempt: spent + 1,
        failureNotes: failureNotesOf(mine),
      },
    ];
  };

  switch (agg.run.status) {
    case 'planning': {
      if (step.advanced) return [{ type: 'advance' }];
      // Every planning answer that left the plan incomplete counts as an attempt.
      const spent = workFor(s, work, 'planning', null).filter((w) => w.state === 'done').length;
      return attempt('planning', null, spent, 'planning');
    }
    case 'implementing': {
      if (step.advanced) return [{ type: 'advance' }];
      const issues = live(agg.issues);
      const failed = issues.find((i) => i.status === 'failed');
      if (failed !== undefined) {
        const notes = failureNotesOf(workFor(s, work, 'issue', failed.id));
        return [
          {
            type: 'fail',
            reason: `issue ${label(failed)} failed${notes.length > 0 ? ` after ${notes.length} attempts: ${notes.at(-1)}` : ''}`,
            issueId: failed.id,
          },
        ];
      }
      return issues
        .filter((i) => i.status === 'ready')
        .flatMap((i) =>
          attempt('issue', i.id, failedAttempts(s, work, 'issue', i.id).length, `issue ${label(i)}`),
        );
    }
    case 'verifying': {
      if (step.advanced) return [{ type: 'advance' }];
      if (s.verifying !== null && s.verifying.until >= ctx.now) return [];
      const round = s.failedRounds + 1;
      const key = actionKey('verification', null, s.epoch, round);
      const hasPlan = agg.artifacts.some((a) => a.artifactType === 'verification_plan');
      if (ctx.hostVerifies && hasPlan) return [{ type: 'verify', key }];
      const mine = workFor(s, work, 'verification', null);
      if (mine.some((w) => isOpenWork(w) || w.actionKey === key)) return [];
      return [
        { type: 'dispatch', kind: 'verification', issueId: null, key, attempt: round, failureNotes: [] },
      ];
    }
    case 'gated': {
      if (heldByVerdicts(agg).length > 0) return [];
      if (step.advanced) return [{ type: 'advance' }];
      const checkpoint = agg.checkpoints.at(-1);
      if (checkpoint?.status === 'ready') return [];
      const spent = workFor(s, work, 'checkpoint', null).filter((w) => w.state === 'done').length;
      return attempt('checkpoint', null, spent, 'the checkpoint');
    }
    default:
      return [];
  }
}

/** What a worker's failed result does to its issue: back to ready for another attempt, or failed for good. */
export const afterIssueFailure = (failuresBefore: number, maxAttempts: number): 'ready' | 'failed' =>
  failuresBefore + 1 < maxAttempts ? 'ready' : 'failed';

/**
 * The issues a failed verification reopens: those whose verification requirements name a failing
 * command; when none does, every issue (the report cannot say whose work broke).
 */
export function issuesToReopen(issues: readonly Issue[], failingCommands: readonly string[]): Issue[] {
  const all = live(issues);
  const named = all.filter((i) =>
    i.verificationRequirements.some((req) => failingCommands.some((c) => c.includes(req) || req.includes(c))),
  );
  return named.length > 0 ? named : all;
}

/** An issue as people name it: its key from the stage graph, or its id. */
export const label = (i: Issue): string => i.stableKey ?? i.id;

/** Words for the live feed: what the supervisor decided. */
export function describeAction(a: SupervisorAction, agg: RunAggregate, roomId: string | null): string {
  const max = agg.run.supervision?.maxAttempts ?? SUPERVISION_DEFAULTS.maxAttempts;
  switch (a.type) {
    case 'advance':
      return 'advanced';
    case 'verify':
      return 'ran the verification plan';
    case 'fail':
      return `failed the run: ${a.reason}`;
    case 'dispatch': {
      const issue = agg.issues.find((i) => i.id === a.issueId);
      const what = issue === undefined ? `${a.kind} work` : `issue ${label(issue)}`;
      return `dispatched ${what} to room ${roomId ?? '?'}, attempt ${a.attempt} of ${a.kind === 'verification' ? (agg.run.supervision?.maxVerificationRounds ?? max) : max}`;
    }
  }
}

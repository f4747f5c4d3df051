import { fail, ok, type Result } from '../errors.js';
import type { Issue } from './run-model.js';
import type { AssignmentKind } from './supervisor.js';

/**
 * Rooms and assignments: a dispatched issue prompt waits in a room's inbox until a worker claims it under
 * a lease. A lease is a promise to answer before `leaseUntil`; past it, the assignment is queued again and
 * whoever held it has lost it (`lease_lost`), so a crashed worker never holds work for good.
 */
export const ASSIGNMENT_STATES = ['queued', 'leased', 'done', 'cancelled'] as const;
export type AssignmentState = (typeof ASSIGNMENT_STATES)[number];

export const RESULT_STATUSES = ['passed', 'failed'] as const;
export type ResultStatus = (typeof RESULT_STATUSES)[number];

/** Lease lengths a claim may ask for: long enough to be meaningful, short enough that lost work comes back. */
export const LEASE_MS = { default: 30_000, min: 100, max: 3_600_000 } as const;

export const ROOM_STATUSES = ['active', 'closed'] as const;
export type RoomStatus = (typeof ROOM_STATUSES)[number];

export interface Room {
  readonly id: string;
  readonly tenant: string;
  readonly name: string;
  /** Its creation time is when it was rented (the abbot client's `rented_at`). */
  readonly createdAt: string;
  readonly createdBy: string;
  readonly purpose: string | null;
  readonly status: RoomStatus;
  /** The caller's own keys (the abbot client keeps the room's name here). */
  readonly metadata: Readonly<Record<string, unknown>>;
}

export interface AssignmentResult {
  readonly status: ResultStatus;
  readonly summary: string | null;
  readonly notes: readonly string[];
  readonly reportedAt: string;
  readonly reportedBy: string;
  /** False when the issue had moved on (set by hand) before the result came: the result is kept, not applied. */
  readonly applied: boolean;
}

export interface Assignment {
  readonly id: string;
  readonly tenant: string;
  readonly roomId: string;
  readonly runId: string;
  /** Null for work of the whole run (planning, verification, a checkpoint). */
  readonly issueId: string | null;
  /** `issue` unless the supervisor dispatched other work of the run. */
  readonly kind: AssignmentKind;
  /** The supervisor's action key (unique per run); null for a dispatch by hand. */
  readonly actionKey: string | null;
  readonly state: AssignmentState;
  readonly prompt: string;
  readonly leaseToken: string | null;
  /** Epoch milliseconds; the lease is current up to and including this instant. */
  readonly leaseUntil: number | null;
  readonly attempts: number;
  readonly result: AssignmentResult | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

/** Queued and leased assignments still owe a result; done and cancelled ones are history. */
export const isOpen = (a: Assignment): boolean => a.state === 'queued' || a.state === 'leased';

export const leaseExpired = (a: Assignment, now: number): boolean =>
  a.state === 'leased' && a.leaseUntil !== null && a.leaseUntil < now;

/** What a claim may take: waiting work, or work whose holder let the lease run out. */
export const claimable = (a: Assignment, now: number): boolean =>
  a.state === 'queued' || leaseExpired(a, now);

/**
 * Whether an issue may be dispatched now. Passed work is finished and superseded work no longer counts;
 * an issue with an open assignment already has someone on it (one worker per issue at a time).
 */
export function checkDispatch(issue: Issue, open: Assignment | null): Result<null> {
  if (issue.supersededByArtifactId !== null) {
    return fail(
      'invalid_transition',
      `issue ${issue.id} was superseded by artifact ${issue.supersededByArtifactId}`,
    );
  }
  if (issue.status === 'passed') {
    return fail(
      'invalid_transition',
      `issue ${issue.id} already passed; only unfinished issues can be dispatched`,
    );
  }
  if (open !== null) {
    return fail(
      'invalid_transition',
      `issue ${issue.id} already has assignment ${open.id} (${open.state}) in room ${open.roomId}`,
    );
  }
  return ok(null);
}

export function claim(a: Assignment, token: string, now: number, leaseMs: number, at: string): Assignment {
  return {
    ...a,
    state: 'leased',
    leaseToken: token,
    leaseUntil: now + leaseMs,
    attempts: a.attempts + 1,
    updatedAt: at,
    version: a.version + 1,
  };
}

/**
 * A result is accepted only under the current lease. A second result for the same assignment is refused
 * with `lease_lost` as well: accepting the first one ended the lease.
 */
export function checkLease(a: Assignment, token: string, now: number): Result<null> {
  if (a.state === 'done' || a.state === 'cancelled') {
    return fail('lease_lost', `assignment ${a.id} is ${a.state}; its lease has ended`);
  }
  if (a.state !== 'leased' || a.leaseToken === null || !sameText(a.leaseToken, token)) {
    return fail(
      'lease_lost',
      `lease_token does not hold assignment ${a.id}; it was claimed again or never by you`,
    );
  }
  if (leaseExpired(a, now)) {
    return fail(
      'lease_lost',
      `the lease on assignment ${a.id} expired at ${new Date(a.leaseUntil!).toISOString()}`,
    );
  }
  return ok(null);
}

/**
 * Extends a current lease (checked with `checkLease` first) to `leaseMs` from now, under the same token:
 * a worker whose command outlives its first lease keeps the work instead of losing it to another claim.
 */
export function renew(a: Assignment, now: number, leaseMs: number, at: string): Assignment {
  return { ...a, leaseUntil: now + leaseMs, updatedAt: at, version: a.version + 1 };
}

export function complete(a: Assignment, result: AssignmentResult): Assignment {
  return {
    ...a,
    state: 'done',
    leaseToken: null,
    leaseUntil: null,
    result,
    updatedAt: result.reportedAt,
    version: a.version + 1,
  };
}

/** Back to the inbox (or cancelled when its run has finished: nobody may work on it any more). */
export function releaseLease(a: Assignment, runFinished: boolean, at: string): Assignment {
  return {
    ...a,
    state: runFinished ? 'cancelled' : 'queued',
    leaseToken: null,
    leaseUntil: null,
    updatedAt: at,
    version: a.version + 1,
  };
}

/** Compares in time that depends only on the length: a lease token is a secret of whoever claimed. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i += 1) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

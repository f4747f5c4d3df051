import { randomBytes } from 'node:crypto';
import { actorOf } from '../../domain/access.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import {
  checkDispatch,
  checkLease,
  claim,
  complete,
  leaseExpired,
  releaseLease,
  renew,
  type Assignment,
} from '../../domain/runs/assignments.js';
import { isTerminal, type Issue } from '../../domain/runs/run-model.js';
import type { TimerRecord } from '../../domain/timer.js';
import type { Clock, Store, Tx } from '../ports.js';
import type { Scheduler } from '../scheduler.js';
import { patchIssue } from './run-authoring.js';
import type { RunDraft } from './run-draft.js';
import type { Caller, RunService } from './run-service.js';
import type { RoomService } from './room-service.js';
import {
  attachRecords,
  issueStatusAfter,
  supervisedWork,
  verificationRound,
  type WorkerResult,
} from './supervisor-steps.js';

/** The durable timer that takes back a lease nobody answered, even when no worker polls the inbox. */
export const LEASE_EXPIRE_ACTION = 'assignment.lease_expire';

export interface ReportInput extends WorkerResult {
  readonly leaseToken: string;
}

export interface Reported {
  readonly assignment: Assignment;
  /** Null for work of the whole run (planning, verification, a checkpoint). */
  readonly issue: Issue | null;
}

const iso = (ms: number) => new Date(ms).toISOString();
const newLeaseToken = () => `lease_${randomBytes(18).toString('base64url')}`;

/** What every assignment event carries: the assignment, its issue (and stage) and its room. */
const about = (d: RunDraft, a: Assignment, context: Record<string, unknown>) => ({
  targetKind: 'assignment' as const,
  targetId: a.id,
  stageId: d.agg.issues.find((i) => i.id === a.issueId)?.stageId ?? null,
  issueId: a.issueId,
  room: a.roomId,
  context: { assignment_id: a.id, ...context },
});

/**
 * Dispatch and inboxes: an issue's prompt becomes an assignment in a room; workers claim it under a lease
 * and post a result that moves the issue. Each step changes the assignment and the run (through
 * `RunService.changeIn`, so the kernel reconciles dependants and stages) in one transaction. Row locks
 * are always taken in one order — timer (the scheduler's claim), assignment, run — and timer rows are
 * only ever inserted here, never updated, so these transactions cannot deadlock each other.
 */
export class DispatchService {
  readonly #store: Store;
  readonly #runs: RunService;
  readonly #rooms: RoomService;
  readonly #clock: Clock;

  constructor(runs: RunService, rooms: RoomService, clock: Clock) {
    this.#store = runs.store;
    this.#runs = runs;
    this.#rooms = rooms;
    this.#clock = clock;
  }

  registerTimers(scheduler: Scheduler): void {
    scheduler.register(LEASE_EXPIRE_ACTION, (tx, timer) => this.#expire(tx, timer));
  }

  dispatch(
    runId: string,
    issueId: string,
    input: { prompt: string; roomId?: string },
    caller: Caller,
  ): Promise<Result<Assignment>> {
    return this.#store.transaction(async (tx) => {
      const run = await tx.runs.lockRun(runId);
      if (run === null) return fail('not_found', `no run ${runId}`);
      const denied = caller.guard(run.tenant);
      if (denied !== null) return { ok: false, error: denied };
      // Checked before the room, so a finished run is not answered with "create a room first".
      if (isTerminal(run.status))
        return fail('invalid_transition', `run ${runId} is ${run.status}; it takes no more changes`);
      const room = await this.#rooms.resolveIn(tx, run.tenant, input.roomId);
      if (!room.ok) return room;
      const open = await tx.assignments.openForIssue(runId, issueId);
      const id = this.#runs.newId('asg');
      const r = await this.#runs.changeIn(
        tx,
        runId,
        caller,
        (d) => {
          const issue = d.agg.issues.find((i) => i.id === issueId);
          if (issue === undefined) return fail('not_found', `no issue ${issueId} in run ${runId}`);
          const allowed = checkDispatch(issue, open);
          if (!allowed.ok) return allowed;
          const patched = patchIssue(d, issueId, { status: 'running', assignedRoomId: room.value.id });
          if (!patched.ok) return patched;
          const a: Assignment = {
            id,
            tenant: run.tenant,
            roomId: room.value.id,
            runId,
            issueId,
            kind: 'issue',
            actionKey: null,
            state: 'queued',
            prompt: input.prompt,
            leaseToken: null,
            leaseUntil: null,
            attempts: 0,
            result: null,
            createdAt: d.now,
            updatedAt: d.now,
            version: 1,
          };
          d.event('issue.dispatched', about(d, a, { prompt_chars: input.prompt.length, from: issue.status }));
          return ok(a);
        },
        { needsOpenRun: true },
      );
      if (r.ok) await tx.assignments.insertAssignment(r.value);
      return r;
    });
  }

  /** Claims the room's oldest waiting assignment under a fresh lease; `null` when nothing waits. */
  claim(roomId: string, leaseMs: number, caller: Caller): Promise<Result<Assignment | null>> {
    return this.#store.transaction(async (tx) => {
      const room = await this.#rooms.getIn(tx, roomId, caller);
      if (!room.ok) return room;
      const now = this.#clock.now();
      const before = await tx.assignments.lockClaimable(roomId, now);
      if (before === null) return ok(null);
      const after = claim(before, newLeaseToken(), now, leaseMs, iso(now));
      const ev = await this.#runs.changeIn(tx, before.runId, caller, (d) => {
        // A lease found expired before its timer fired is reported here, so each expiry is logged once.
        if (before.state === 'leased')
          d.event('assignment.lease_expired', expiredContext(d, before, 'claim'));
        d.event(
          'assignment.claimed',
          about(d, after, { attempts: after.attempts, lease_expires_at: iso(after.leaseUntil!) }),
        );
        return ok(null);
      });
      if (!ev.ok) return ev;
      await this.#save(tx, after, before.version);
      // An earlier lease's timer is left to fire and find its token gone. Cancelling it would lock its row
      // while this holds the assignment: the reverse of the scheduler's order (timer, then assignment).
      await tx.scheduleTimer({
        // One past the last instant the lease is current (`leaseExpired` is strict).
        at: after.leaseUntil! + 1,
        subjectKind: 'assignment',
        subjectId: after.id,
        action: LEASE_EXPIRE_ACTION,
        payload: { lease_token: after.leaseToken },
      });
      return ok(after);
    });
  }

  /**
   * Extends the caller's current lease. No timer is added: the lease's timer fires at the old end, finds
   * the lease still current and looks again at the new end (see `#expire`), so one chain of timers
   * follows a lease however often it is renewed.
   */
  renew(
    roomId: string,
    assignmentId: string,
    input: { leaseToken: string; leaseMs: number },
    caller: Caller,
  ): Promise<Result<Assignment>> {
    return this.#store.transaction(async (tx) => {
      const room = await this.#rooms.getIn(tx, roomId, caller);
      if (!room.ok) return room;
      const before = await tx.assignments.lockAssignment(assignmentId);
      if (before?.roomId !== roomId)
        return fail('not_found', `no assignment ${assignmentId} in room ${roomId}`);
      const now = this.#clock.now();
      const lease = checkLease(before, input.leaseToken, now);
      if (!lease.ok) return lease;
      const after = renew(before, now, input.leaseMs, iso(now));
      const ev = await this.#runs.changeIn(tx, before.runId, caller, (d) => {
        d.event(
          'assignment.lease_renewed',
          about(d, after, {
            attempts: after.attempts,
            lease_expires_at: iso(after.leaseUntil!),
            previous_expires_at: iso(before.leaseUntil!),
          }),
        );
        return ok(null);
      });
      if (!ev.ok) return ev;
      await this.#save(tx, after, before.version);
      return ok(after);
    });
  }

  /** Accepts a worker's result under its current lease and moves the issue in the same transaction. */
  report(
    roomId: string,
    assignmentId: string,
    input: ReportInput,
    caller: Caller,
  ): Promise<Result<Reported>> {
    return this.#store.transaction(async (tx) => {
      const room = await this.#rooms.getIn(tx, roomId, caller);
      if (!room.ok) return room;
      const before = await tx.assignments.lockAssignment(assignmentId);
      if (before?.roomId !== roomId)
        return fail('not_found', `no assignment ${assignmentId} in room ${roomId}`);
      const now = this.#clock.now();
      const lease = checkLease(before, input.leaseToken, now);
      if (!lease.ok) return lease;
      // Earlier attempts count towards the issue's retries (the supervisor's runs).
      const work = (await tx.assignments.forRun(before.runId)).map(supervisedWork);
      const r = await this.#runs.changeIn(
        tx,
        before.runId,
        caller,
        (d) => {
          // Artifacts and a checkpoint in the result are validated and attached with it, or nothing is.
          const attached = attachRecords(d, before, input);
          if (!attached.ok) return attached;
          if (before.issueId === null) {
            const applied = runWorkResult(d, before, input);
            if (!applied.ok) return applied;
            d.event(
              'issue.result',
              about(d, before, {
                kind: before.kind,
                status: input.status,
                summary: input.summary ?? null,
                applied: applied.value,
                attempts: before.attempts,
              }),
            );
            return ok({ issue: null, applied: applied.value });
          }
          const issue = d.agg.issues.find((i) => i.id === before.issueId);
          if (issue === undefined)
            return fail('not_found', `no issue ${before.issueId} in run ${before.runId}`);
          // Someone (root) moved the issue by hand since dispatch: keep the result, do not overrule them.
          const applied = issue.status === 'running' && issue.supersededByArtifactId === null;
          let after: Issue = issue;
          if (applied) {
            const patched = patchIssue(d, issue.id, {
              status: issueStatusAfter(d, before, input.status, work),
              ...(input.summary === undefined ? {} : { summary: input.summary }),
              ...(input.notes === undefined ? {} : { notes: [...issue.notes, ...input.notes] }),
            });
            if (!patched.ok) return patched;
            after = patched.value;
          }
          d.event(
            'issue.result',
            about(d, before, {
              status: input.status,
              summary: input.summary ?? null,
              applied,
              attempts: before.attempts,
              ...(applied ? {} : { issue_status: issue.status }),
            }),
          );
          return ok<{ issue: Issue | null; applied: boolean }>({ issue: after, applied });
        },
        { needsOpenRun: true },
      );
      if (!r.ok) return r;
      const done = complete(before, {
        status: input.status,
        summary: input.summary ?? null,
        notes: input.notes ?? [],
        reportedAt: iso(now),
        reportedBy: actorOf(caller.principal),
        applied: r.value.applied,
      });
      // The lease timer stays: it will find the assignment done and do nothing (see `claim`).
      await this.#save(tx, done, before.version);
      return ok({ assignment: done, issue: r.value.issue });
    });
  }

  /** The lease timer: runs in the timer's transaction, so the requeue and its event commit with the firing. */
  async #expire(tx: Tx, timer: TimerRecord): Promise<void> {
    const token = (timer.payload as { lease_token?: unknown } | null)?.lease_token;
    const before = await tx.assignments.lockAssignment(timer.subjectId);
    // Answered, or claimed again under a newer lease (whose own timer will look after it).
    if (before?.state !== 'leased' || before.leaseToken !== token) return;
    const now = this.#clock.now();
    if (!leaseExpired(before, now)) {
      // Fired by an instance whose clock runs behind the one that claimed: look again once it has expired here.
      await tx.scheduleTimer({
        at: before.leaseUntil! + 1,
        subjectKind: 'assignment',
        subjectId: before.id,
        action: LEASE_EXPIRE_ACTION,
        payload: { lease_token: token },
      });
      return;
    }
    const run = await tx.runs.run(before.runId);
    const finished = run === null || isTerminal(run.status);
    await this.#runs.changeIn(tx, before.runId, null, (d) => {
      d.event('assignment.lease_expired', expiredContext(d, before, 'timer', finished));
      return ok(null);
    });
    await this.#save(tx, releaseLease(before, finished, iso(now)), before.version);
  }

  async #save(tx: Tx, a: Assignment, expectedVersion: number): Promise<void> {
    // The row is locked (PostgreSQL) or the store single-writer (SQLite): losing this race is a bug.
    if (!(await tx.assignments.updateAssignment(a, expectedVersion)))
      throw new Error(`assignment ${a.id} changed under its lock`);
  }
}

/**
 * A result for work of the whole run: a verification round's outcome is recorded here; planning and
 * checkpoint results act through what they attached (the supervisor looks again after this change).
 * Answers whether it applied (false when the run had moved on).
 */
function runWorkResult(d: RunDraft, a: Assignment, input: ReportInput): Result<boolean> {
  if (a.kind === 'verification') {
    if (d.run.status !== 'verifying') return ok(false);
    const failing =
      input.status === 'passed' ? [] : [...(input.notes ?? []), input.summary ?? 'verification failed'];
    const r = verificationRound(
      d,
      {
        success: input.status === 'passed',
        source: 'worker',
        assignment_id: a.id,
        summary: input.summary ?? null,
        notes: input.notes ?? [],
      },
      [],
      failing,
    );
    return r.ok ? ok(true) : r;
  }
  return ok(d.run.status === (a.kind === 'planning' ? 'planning' : 'gated'));
}

function expiredContext(d: RunDraft, a: Assignment, noticedBy: 'claim' | 'timer', runFinished = false) {
  return about(d, a, {
    attempts: a.attempts,
    lease_expired_at: iso(a.leaseUntil!),
    requeued: !runFinished,
    noticed_by: noticedBy,
  });
}

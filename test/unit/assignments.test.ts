import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkDispatch,
  checkLease,
  claim,
  claimable,
  complete,
  isOpen,
  leaseExpired,
  releaseLease,
  type Assignment,
  type AssignmentResult,
  type AssignmentState,
} from '../../src/domain/runs/assignments.js';
import { issue, NOW } from './run-fixtures.js';

const T = 1_000_000;
const assignment = (state: AssignmentState = 'queued', over: Partial<Assignment> = {}): Assignment => ({
  id: 'asg-1',
  tenant: 'acme',
  roomId: 'room-1',
  runId: 'run-1',
  issueId: 'i',
  kind: 'issue',
  actionKey: null,
  state,
  prompt: 'do it',
  leaseToken: null,
  leaseUntil: null,
  attempts: 0,
  result: null,
  createdAt: NOW,
  updatedAt: NOW,
  version: 1,
  ...over,
});
const leased = (until = T + 100, token = 'tok-a') =>
  assignment('leased', { leaseToken: token, leaseUntil: until, attempts: 1 });

describe('assignment states', () => {
  it('open, expired and claimable, state by state', () => {
    const cases: [string, Assignment, boolean, boolean, boolean][] = [
      // name, assignment, open, expired at T, claimable at T
      ['queued', assignment('queued'), true, false, true],
      ['leased, lease ahead', leased(T + 1), true, false, false],
      ['leased, lease ends now (still held)', leased(T), true, false, false],
      ['leased, lease past', leased(T - 1), true, true, true],
      ['leased without an end', assignment('leased', { leaseToken: 'x' }), true, false, false],
      ['done', assignment('done'), false, false, false],
      ['cancelled', assignment('cancelled'), false, false, false],
      ['done with an old lease end', assignment('done', { leaseUntil: T - 5 }), false, false, false],
    ];
    for (const [name, a, open, expired, canClaim] of cases) {
      assert.deepEqual([isOpen(a), leaseExpired(a, T), claimable(a, T)], [open, expired, canClaim], name);
    }
  });
});

describe('checkDispatch', () => {
  it('dispatches unfinished, live issues without an open assignment', () => {
    for (const status of ['pending', 'ready', 'running', 'failed', 'blocked'] as const) {
      assert.deepEqual(checkDispatch(issue('i', 's', status), null), { ok: true, value: null }, status);
    }
  });

  it('refuses superseded, passed and already assigned issues', () => {
    const cases: [string, ReturnType<typeof issue>, Assignment | null, RegExp][] = [
      [
        'superseded',
        issue('i', 's', 'ready', { supersededByArtifactId: 'art-2' }),
        null,
        /superseded by artifact art-2/,
      ],
      ['passed', issue('i', 's', 'passed'), null, /already passed/],
      [
        'assigned',
        issue('i', 's', 'ready'),
        leased(),
        /already has assignment asg-1 \(leased\) in room room-1/,
      ],
      ['queued', issue('i', 's', 'ready'), assignment('queued'), /already has assignment asg-1 \(queued\)/],
    ];
    for (const [name, i, open, reason] of cases) {
      const r = checkDispatch(i, open);
      assert.ok(!r.ok, name);
      assert.equal(r.error.code, 'invalid_transition', name);
      assert.match(r.error.reason, reason, name);
    }
  });
});

describe('leases', () => {
  it('a claim leases the assignment to its token until now + lease, counting the attempt', () => {
    const a = claim(assignment('queued', { attempts: 2 }), 'tok-b', T, 500, 'later');
    assert.deepEqual(
      [a.state, a.leaseToken, a.leaseUntil, a.attempts, a.updatedAt, a.version],
      ['leased', 'tok-b', T + 500, 3, 'later', 2],
    );
  });

  it('accepts a result only under the current, unexpired lease', () => {
    assert.deepEqual(checkLease(leased(), 'tok-a', T), { ok: true, value: null });
    assert.deepEqual(
      checkLease(leased(T), 'tok-a', T),
      { ok: true, value: null },
      'up to and including the end',
    );
    const cases: [string, Assignment, string, RegExp][] = [
      ['another token', leased(), 'tok-b', /does not hold assignment asg-1/],
      ['a token of another length', leased(), 'tok-a2', /does not hold/],
      ['an empty token', leased(), '', /does not hold/],
      ['queued again', assignment('queued'), 'tok-a', /does not hold/],
      ['expired', leased(T - 1), 'tok-a', new RegExp(`expired at ${new Date(T - 1).toISOString()}`)],
      ['done', assignment('done', { leaseToken: 'tok-a' }), 'tok-a', /is done; its lease has ended/],
      ['cancelled', assignment('cancelled'), 'tok-a', /is cancelled/],
    ];
    for (const [name, a, token, reason] of cases) {
      const r = checkLease(a, token, T);
      assert.ok(!r.ok, name);
      assert.equal(r.error.code, 'lease_lost', name);
      assert.match(r.error.reason, reason, name);
    }
  });

  it('completing ends the lease and keeps the result; a second result is refused', () => {
    const result: AssignmentResult = {
      status: 'passed',
      summary: 'ok',
      notes: [],
      reportedAt: 'then',
      reportedBy: 'worker',
      applied: true,
    };
    const done = complete(leased(), result);
    assert.deepEqual(
      [done.state, done.leaseToken, done.leaseUntil, done.result, done.updatedAt, done.version],
      ['done', null, null, result, 'then', 2],
    );
    assert.equal(checkLease(done, 'tok-a', T).ok, false);
  });

  it('a released lease goes back to the inbox, or is cancelled when the run has finished', () => {
    const cases: [boolean, AssignmentState][] = [
      [false, 'queued'],
      [true, 'cancelled'],
    ];
    for (const [finished, state] of cases) {
      const a = releaseLease(leased(), finished, 'now');
      assert.deepEqual(
        [a.state, a.leaseToken, a.leaseUntil, a.attempts, a.version],
        [state, null, null, 1, 2],
      );
    }
  });
});

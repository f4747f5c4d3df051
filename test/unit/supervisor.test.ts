import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AssignmentState } from '../../src/domain/runs/assignments.js';
import type { RunAggregate, RunStatus, Supervision } from '../../src/domain/runs/run-model.js';
import {
  actionKey,
  afterIssueFailure,
  decide,
  describeAction,
  epochOfKey,
  failedAttempts,
  failureNotesOf,
  heldByVerdicts,
  issuesToReopen,
  label,
  newSupervision,
  SUPERVISION_DEFAULTS,
  type AssignmentKind,
  type SupervisedWork,
} from '../../src/domain/runs/supervisor.js';
import { aggregate, artifact, checkpoint, issue, NOW, run, stage } from './run-fixtures.js';

const sup = (over: Partial<Supervision> = {}): Supervision => ({ ...newSupervision({}), ...over });

const supervised = (status: RunStatus, over: Partial<RunAggregate> = {}, s: Partial<Supervision> = {}) =>
  aggregate({ run: { ...run(status), supervision: sup(s) }, ...over });

let n = 0;
const work = (
  kind: AssignmentKind,
  issueId: string | null,
  state: AssignmentState,
  key: string | null,
  result: SupervisedWork['result'] = null,
): SupervisedWork => ({ id: `w${(n += 1)}`, kind, issueId, actionKey: key, state, result });

const failed = (summary: string | null, notes: string[] = []) => ({
  status: 'failed' as const,
  summary,
  notes,
});
const CTX = { now: 1_000, hostVerifies: false };

describe('supervision settings and keys', () => {
  it('a new supervision takes the defaults for what is not given', () => {
    assert.deepEqual(newSupervision({}), {
      roomId: null,
      maxAttempts: 3,
      maxVerificationRounds: 3,
      promptTemplate: null,
      epoch: 0,
      failedRounds: 0,
      verifying: null,
      stalled: null,
      failure: null,
      failedAt: null,
    });
    const s = newSupervision({
      roomId: 'r1',
      maxAttempts: 5,
      maxVerificationRounds: 1,
      promptTemplate: 'do {{title}}',
    });
    assert.equal(s.roomId, 'r1');
    assert.equal(s.maxAttempts, 5);
    assert.equal(s.maxVerificationRounds, 1);
    assert.equal(s.promptTemplate, 'do {{title}}');
    assert.deepEqual(SUPERVISION_DEFAULTS, { maxAttempts: 3, maxVerificationRounds: 3 });
  });

  it('an action key names the kind, the issue, the epoch and the attempt; the epoch reads back', () => {
    assert.equal(actionKey('issue', 'i1', 2, 3), 'issue:i1:e2:a3');
    assert.equal(actionKey('planning', null, 0, 1), 'planning:-:e0:a1');
    assert.equal(epochOfKey('issue:i1:e12:a3'), 12);
    assert.equal(epochOfKey('planning:-:e0:a1'), 0);
    assert.equal(epochOfKey('issue:i1:e2'), null);
    assert.equal(epochOfKey('issue:i1:e2:a3:x'), null);
    assert.equal(epochOfKey('issue:i1:ex:a3'), null);
    assert.equal(epochOfKey('issue:i1:e2:ab'), null);
  });

  it('an issue goes back to ready until its last attempt fails', () => {
    assert.equal(afterIssueFailure(0, 3), 'ready');
    assert.equal(afterIssueFailure(1, 3), 'ready');
    assert.equal(afterIssueFailure(2, 3), 'failed');
    assert.equal(afterIssueFailure(0, 1), 'failed');
  });

  it('an issue is labelled by its key, else its id', () => {
    assert.equal(label(issue('i1', null)), 'i1');
    assert.equal(label(issue('i1', null, 'pending', { stableKey: 'k1' })), 'k1');
    assert.equal(label(issue('i1', null, 'pending', { stableKey: null })), 'i1');
  });
});

describe('failure notes and attempts', () => {
  it('lists what the failed attempts said, numbered among the failures, oldest first', () => {
    assert.deepEqual(
      failureNotesOf([
        work('issue', 'i1', 'done', 'k', failed('tests broke', ['a.ts', 'b.ts'])),
        work('issue', 'i1', 'done', 'k', { status: 'passed', summary: 'ok', notes: [] }),
        work('issue', 'i1', 'queued', 'k'),
        work('issue', 'i1', 'done', 'k', failed(null)),
      ]),
      ['attempt 1 failed: tests broke (a.ts; b.ts)', 'attempt 2 failed: no summary'],
    );
    assert.deepEqual(failureNotesOf([]), []);
  });

  it('counts the failed results of this epoch for the piece of work', () => {
    const s = sup({ epoch: 1 });
    const mine = work('issue', 'i1', 'done', 'issue:i1:e1:a1', failed('x'));
    const ws = [
      mine,
      work('issue', 'i1', 'done', 'issue:i1:e0:a1', failed('older epoch')),
      work('issue', 'i2', 'done', 'issue:i2:e1:a1', failed('other issue')),
      work('planning', 'i1', 'done', 'planning:i1:e1:a1', failed('other kind')),
      work('issue', 'i1', 'done', null, failed('no key')),
      work('issue', 'i1', 'done', 'issue:i1:e1:a2', { status: 'passed', summary: null, notes: [] }),
      work('issue', 'i1', 'leased', 'issue:i1:e1:a3'),
      work('issue', 'i1', 'cancelled', 'issue:i1:e1:a4', failed('withdrawn')),
    ];
    assert.deepEqual(failedAttempts(s, ws, 'issue', 'i1'), [mine]);
  });
});

describe('heldByVerdicts', () => {
  const gate = (g: string, verdict: string) => ({
    id: `${g}${verdict}`,
    runId: 'run-1',
    gate: g,
    verdict,
    reasons: [],
    evidence: [],
    source: 'external' as const,
    createdAt: NOW,
    createdBy: 'admin',
  });
  it('names the gates whose latest verdict needs a person', () => {
    const agg = aggregate({
      gates: [
        gate('a', 'fail'),
        gate('a', 'pass'),
        gate('b', 'pass'),
        gate('b', 'needs_review'),
        gate('c', 'failed'),
      ],
    });
    assert.deepEqual(heldByVerdicts(agg), ['b: needs_review', 'c: failed']);
    assert.deepEqual(heldByVerdicts(aggregate()), []);
  });
});

describe('decide', () => {
  it('does nothing for a run without supervision or a finished one', () => {
    assert.deepEqual(decide(aggregate(), [], CTX), []);
    assert.deepEqual(decide(aggregate({ run: { ...run(), supervision: null } }), [], CTX), []);
    for (const status of ['completed', 'failed', 'cancelled'] as const)
      assert.deepEqual(decide(supervised(status), [], CTX), []);
  });

  describe('planning', () => {
    it('dispatches the first planning attempt', () => {
      assert.deepEqual(decide(supervised('planning'), [], CTX), [
        {
          type: 'dispatch',
          kind: 'planning',
          issueId: null,
          key: 'planning:-:e0:a1',
          attempt: 1,
          failureNotes: [],
        },
      ]);
    });

    it('waits while an attempt is queued or leased', () => {
      for (const state of ['queued', 'leased'] as const)
        assert.deepEqual(
          decide(supervised('planning'), [work('planning', null, state, 'planning:-:e0:a1')], CTX),
          [],
        );
    });

    it('counts every finished answer as an attempt, and keys count withdrawn ones too', () => {
      const ws = [
        work('planning', null, 'done', 'planning:-:e0:a1', failed('no graph')),
        work('planning', null, 'cancelled', 'planning:-:e0:a2'),
        work('planning', null, 'done', 'planning:-:e0:a3', {
          status: 'passed',
          summary: 'partial',
          notes: [],
        }),
      ];
      assert.deepEqual(decide(supervised('planning'), ws, CTX), [
        {
          type: 'dispatch',
          kind: 'planning',
          issueId: null,
          key: 'planning:-:e0:a4',
          attempt: 3,
          failureNotes: ['attempt 1 failed: no graph'],
        },
      ]);
    });

    it('fails the run once the attempts are spent, quoting the last failure', () => {
      const ws = [1, 2, 3].map((a) =>
        work('planning', null, 'done', `planning:-:e0:a${a}`, failed(`try ${a}`)),
      );
      assert.deepEqual(decide(supervised('planning'), ws, CTX), [
        { type: 'fail', reason: 'planning failed after 3 attempts: attempt 3 failed: try 3', issueId: null },
      ]);
      const passedButIncomplete = [1, 2].map((a) =>
        work('planning', null, 'done', `planning:-:e0:a${a}`, { status: 'passed', summary: null, notes: [] }),
      );
      assert.deepEqual(decide(supervised('planning', {}, { maxAttempts: 2 }), passedButIncomplete, CTX), [
        { type: 'fail', reason: 'planning failed after 2 attempts', issueId: null },
      ]);
    });

    it('a new epoch starts the count again', () => {
      const ws = [1, 2, 3].map((a) => work('planning', null, 'done', `planning:-:e0:a${a}`, failed('x')));
      const [a] = decide(supervised('planning', {}, { epoch: 1 }), ws, CTX);
      assert.deepEqual(a, {
        type: 'dispatch',
        kind: 'planning',
        issueId: null,
        key: 'planning:-:e1:a1',
        attempt: 1,
        failureNotes: [],
      });
    });
  });

  describe('implementing', () => {
    const stages = [stage('s1', 'running')];

    it('advances once every live stage passed', () => {
      assert.deepEqual(decide(supervised('implementing', { stages: [stage('s1', 'passed')] }), [], CTX), [
        { type: 'advance' },
      ]);
    });

    it('dispatches each ready issue that has no open attempt', () => {
      const agg = supervised('implementing', {
        stages,
        issues: [
          issue('i1', 's1', 'ready'),
          issue('i2', 's1', 'ready', { stableKey: 'k2' }),
          issue('i3', 's1', 'running'),
          issue('i4', 's1', 'ready', { supersededByArtifactId: 'a9' }),
        ],
      });
      const ws = [
        work('issue', 'i1', 'done', 'issue:i1:e0:a1', failed('lint', ['x'])),
        work('issue', 'i2', 'leased', 'issue:i2:e0:a1'),
      ];
      assert.deepEqual(decide(agg, ws, CTX), [
        {
          type: 'dispatch',
          kind: 'issue',
          issueId: 'i1',
          key: 'issue:i1:e0:a2',
          attempt: 2,
          failureNotes: ['attempt 1 failed: lint (x)'],
        },
      ]);
    });

    it('fails the run when an issue failed, with what its attempts said', () => {
      const agg = supervised('implementing', {
        stages,
        issues: [issue('i1', 's1', 'ready'), issue('i2', 's1', 'failed', { stableKey: 'k2' })],
      });
      assert.deepEqual(decide(agg, [], CTX), [{ type: 'fail', reason: 'issue k2 failed', issueId: 'i2' }]);
      const ws = [1, 2].map((a) => work('issue', 'i2', 'done', `issue:i2:e0:a${a}`, failed(`t${a}`)));
      assert.deepEqual(decide(agg, ws, CTX), [
        { type: 'fail', reason: 'issue k2 failed after 2 attempts: attempt 2 failed: t2', issueId: 'i2' },
      ]);
    });

    it('fails the run when a ready issue has spent its attempts', () => {
      const agg = supervised(
        'implementing',
        { stages, issues: [issue('i1', 's1', 'ready')] },
        { maxAttempts: 2 },
      );
      const ws = [1, 2].map((a) => work('issue', 'i1', 'done', `issue:i1:e0:a${a}`, failed(`t${a}`)));
      assert.deepEqual(decide(agg, ws, CTX), [
        { type: 'fail', reason: 'issue i1 failed after 2 attempts: attempt 2 failed: t2', issueId: 'i1' },
      ]);
    });
  });

  describe('verifying', () => {
    const report = (success: boolean) => artifact(`r${String(success)}`, 'verification_report', { success });
    const plan = artifact('p', 'verification_plan', { commands: [{ program: 'npm', args: ['test'] }] });

    it('advances once the latest verification passed', () => {
      assert.deepEqual(decide(supervised('verifying', { artifacts: [report(true)] }), [], CTX), [
        { type: 'advance' },
      ]);
    });

    it('runs the plan on the host when the host verifies and there is a plan', () => {
      assert.deepEqual(
        decide(supervised('verifying', { artifacts: [plan] }), [], { ...CTX, hostVerifies: true }),
        [{ type: 'verify', key: 'verification:-:e0:a1' }],
      );
      assert.deepEqual(
        decide(supervised('verifying', { artifacts: [plan] }, { failedRounds: 1, epoch: 2 }), [], {
          ...CTX,
          hostVerifies: true,
        }),
        [{ type: 'verify', key: 'verification:-:e2:a2' }],
      );
    });

    it('waits while a host verification holds the run, up to and including its deadline', () => {
      const agg = (until: number) =>
        supervised('verifying', { artifacts: [plan] }, { verifying: { key: 'k', until } });
      assert.deepEqual(decide(agg(1_000), [], { now: 1_000, hostVerifies: true }), []);
      assert.deepEqual(decide(agg(999), [], { now: 1_000, hostVerifies: true }), [
        { type: 'verify', key: 'verification:-:e0:a1' },
      ]);
    });

    it('otherwise dispatches the round to a worker, once', () => {
      const want = {
        type: 'dispatch',
        kind: 'verification',
        issueId: null,
        key: 'verification:-:e0:a1',
        attempt: 1,
        failureNotes: [],
      };
      assert.deepEqual(decide(supervised('verifying', { artifacts: [plan] }), [], CTX), [want]);
      assert.deepEqual(decide(supervised('verifying'), [], { ...CTX, hostVerifies: true }), [want]);
      assert.deepEqual(
        decide(supervised('verifying'), [work('verification', null, 'queued', 'verification:-:e0:a0')], CTX),
        [],
      );
      assert.deepEqual(
        decide(supervised('verifying'), [work('verification', null, 'done', 'verification:-:e0:a1')], CTX),
        [],
      );
      assert.deepEqual(
        decide(
          supervised('verifying', {}, { failedRounds: 1 }),
          [work('verification', null, 'done', 'verification:-:e0:a1')],
          CTX,
        ),
        [{ ...want, key: 'verification:-:e0:a2', attempt: 2 }],
      );
    });
  });

  describe('gated', () => {
    const gate = (verdict: string) => ({
      id: 'g',
      runId: 'run-1',
      gate: 'review',
      verdict,
      reasons: [],
      evidence: [],
      source: 'external' as const,
      createdAt: NOW,
      createdBy: 'admin',
    });

    it('waits for a person while a gate needs review', () => {
      assert.deepEqual(decide(supervised('gated', { gates: [gate('needs_review')] }), [], CTX), []);
    });

    it('dispatches the checkpoint, and waits once a ready one is recorded', () => {
      assert.deepEqual(decide(supervised('gated'), [], CTX), [
        {
          type: 'dispatch',
          kind: 'checkpoint',
          issueId: null,
          key: 'checkpoint:-:e0:a1',
          attempt: 1,
          failureNotes: [],
        },
      ]);
      assert.deepEqual(
        decide(supervised('gated', { checkpoints: [checkpoint('c1', 'failed')] }), [], CTX)[0]?.type,
        'dispatch',
      );
      const ws = [1, 2, 3].map((a) =>
        work('checkpoint', null, 'done', `checkpoint:-:e0:a${a}`, failed('no branch')),
      );
      assert.deepEqual(decide(supervised('gated'), ws, CTX), [
        {
          type: 'fail',
          reason: 'the checkpoint failed after 3 attempts: attempt 3 failed: no branch',
          issueId: null,
        },
      ]);
    });
  });

  it('does nothing in a status it does not drive', () => {
    assert.deepEqual(decide(supervised('draft' as RunStatus), [], CTX), []);
  });
});

describe('issuesToReopen', () => {
  const issues = [
    issue('i1', null, 'passed', { verificationRequirements: ['npm test'] }),
    issue('i2', null, 'passed', { verificationRequirements: ['npm run lint -- src'] }),
    issue('i3', null, 'passed'),
    issue('i4', null, 'passed', { verificationRequirements: ['npm test'], supersededByArtifactId: 'a' }),
  ];
  it('reopens the live issues whose requirements name a failing command, either way round', () => {
    assert.deepEqual(
      issuesToReopen(issues, ['npm test -- --grep x']).map((i) => i.id),
      ['i1'],
    );
    assert.deepEqual(
      issuesToReopen(issues, ['npm run lint']).map((i) => i.id),
      ['i2'],
    );
  });
  it('reopens every live issue when no requirement names one', () => {
    assert.deepEqual(
      issuesToReopen(issues, ['cargo test']).map((i) => i.id),
      ['i1', 'i2', 'i3'],
    );
    assert.deepEqual(
      issuesToReopen(issues, []).map((i) => i.id),
      ['i1', 'i2', 'i3'],
    );
  });
});

describe('describeAction', () => {
  const agg = supervised(
    'implementing',
    { issues: [issue('i1', null, 'ready', { stableKey: 'k1' })] },
    { maxAttempts: 4, maxVerificationRounds: 2 },
  );
  it('says what the supervisor decided', () => {
    assert.equal(describeAction({ type: 'advance' }, agg, null), 'advanced');
    assert.equal(describeAction({ type: 'verify', key: 'k' }, agg, null), 'ran the verification plan');
    assert.equal(
      describeAction({ type: 'fail', reason: 'x broke', issueId: null }, agg, null),
      'failed the run: x broke',
    );
    const dispatch = { type: 'dispatch' as const, key: 'k', failureNotes: [] };
    assert.equal(
      describeAction({ ...dispatch, kind: 'issue', issueId: 'i1', attempt: 2 }, agg, 'room-1'),
      'dispatched issue k1 to room room-1, attempt 2 of 4',
    );
    assert.equal(
      describeAction({ ...dispatch, kind: 'verification', issueId: null, attempt: 1 }, agg, null),
      'dispatched verification work to room ?, attempt 1 of 2',
    );
    assert.equal(
      describeAction({ ...dispatch, kind: 'planning', issueId: null, attempt: 1 }, aggregate(), 'r'),
      'dispatched planning work to room r, attempt 1 of 3',
    );
    assert.equal(
      describeAction({ ...dispatch, kind: 'verification', issueId: null, attempt: 1 }, aggregate(), 'r'),
      'dispatched verification work to room r, attempt 1 of 3',
    );
  });
});

describe('decide: what the first tests left open', () => {
  it('advances a planned run, and a gated run whose checkpoint and checks are ready', () => {
    const graph = artifact('g1', 'stage_graph', {});
    const planning = supervised('planning', {
      artifacts: [artifact('p1', 'problem_interpretation'), artifact('d1', 'delivery_spec'), graph],
      stages: [stage('s1', 'pending', { materializedFromArtifactId: 'g1' })],
    });
    assert.deepEqual(decide(planning, [], CTX), [{ type: 'advance' }]);
    const ready = {
      stages: [stage('s1', 'passed')],
      artifacts: [artifact('r1', 'verification_report', { success: true })],
      checkpoints: [checkpoint('c1', 'ready')],
    };
    assert.deepEqual(decide(supervised('gated', ready), [], CTX), [{ type: 'advance' }]);
  });

  it('a gated run with a ready checkpoint but something else missing waits', () => {
    const agg = supervised('gated', {
      stages: [stage('s1', 'passed')],
      checkpoints: [checkpoint('c1', 'ready')],
    });
    assert.deepEqual(decide(agg, [], CTX), []);
  });

  it('reads the newest checkpoint, and quotes the newest failure note', () => {
    const agg = supervised('gated', {
      checkpoints: [checkpoint('c1', 'failed'), checkpoint('c2', 'ready'), checkpoint('c3', 'failed')],
    });
    assert.equal(decide(agg, [], CTX)[0]?.type, 'dispatch');
    const impl = supervised('implementing', {
      stages: [stage('s1', 'running')],
      issues: [issue('i1', 's1', 'failed')],
    });
    const ws = [1, 2, 3].map((a) => work('issue', 'i1', 'done', `issue:i1:e0:a${a}`, failed(`t${a}`)));
    assert.deepEqual(decide(impl, ws, CTX), [
      { type: 'fail', reason: 'issue i1 failed after 3 attempts: attempt 3 failed: t3', issueId: 'i1' },
    ]);
  });

  it('without a verification plan the host does not verify, whatever other artifacts there are', () => {
    const agg = supervised('verifying', { artifacts: [artifact('x', 'delivery_spec')] });
    assert.deepEqual(decide(agg, [], { ...CTX, hostVerifies: true })[0]?.type, 'dispatch');
  });

  it('a withdrawn assignment’s answer is not a failure note, and a done one without a result is no failed attempt', () => {
    const ws = [
      work('planning', null, 'cancelled', 'planning:-:e0:a1', failed('withdrawn')),
      work('planning', null, 'done', 'planning:-:e0:a2', failed('real')),
    ];
    assert.deepEqual(decide(supervised('planning'), ws, CTX), [
      {
        type: 'dispatch',
        kind: 'planning',
        issueId: null,
        key: 'planning:-:e0:a3',
        attempt: 2,
        failureNotes: ['attempt 1 failed: real'],
      },
    ]);
    assert.deepEqual(
      failedAttempts(sup(), [work('issue', 'i1', 'done', 'issue:i1:e0:a1')], 'issue', 'i1'),
      [],
    );
    assert.deepEqual(
      failedAttempts(sup(), [work('issue', 'i1', 'queued', 'issue:i1:e0:a1', failed('x'))], 'issue', 'i1'),
      [],
    );
  });

  it('reads the epoch of keys with attempts of several digits', () => {
    assert.equal(epochOfKey('issue:i1:e2:a12'), 2);
  });
});

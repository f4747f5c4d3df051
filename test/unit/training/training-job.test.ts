import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  acceptProposal,
  afterBaseline,
  decide,
  exampleDiff,
  isFinal,
  JOB_STATES,
  rejectProposal,
  type Iteration,
  type Proposal,
  type TrainingJob,
} from '../../../src/domain/training/training-job.js';

const proposal = (over: Partial<Proposal> = {}): Proposal => ({
  version: '1.0.1-train.1',
  params: { confidence_threshold: 0.9 },
  train: 0.8,
  holdout: 0.75,
  fixes: [],
  breaks: [],
  decision: 'pending',
  decidedBy: null,
  ...over,
});

const iteration = (number: number, over: Partial<Iteration> = {}): Iteration => ({
  number,
  baseVersion: '1.0.0',
  baseline: { train: 0.5, holdout: 0.5 },
  baselineScores: [],
  candidates: [],
  trials: [],
  proposal: null,
  outcome: 'searching',
  ...over,
});

const job = (over: Partial<TrainingJob> = {}): TrainingJob => ({
  id: 'job-1',
  cellId: 'adapter:x',
  datasetId: 'ds-1',
  metric: 'accuracy',
  target: 0.9,
  maxIterations: 3,
  strategy: 'grid',
  space: [],
  trialsPerIteration: 4,
  hitl: true,
  seed: 1,
  state: 'running',
  phase: 'trials',
  baseVersion: '1.0.0',
  baseParams: { confidence_threshold: 0.7 },
  iterations: [],
  score: null,
  step: 3,
  reason: null,
  createdBy: 'admin',
  createdAt: 't',
  updatedAt: 't',
  ...over,
});

const awaiting = () =>
  job({
    state: 'awaiting_approval',
    phase: 'propose',
    iterations: [
      iteration(1, {
        outcome: 'rejected',
        proposal: proposal({ version: 'old', decision: 'rejected', decidedBy: 'bob' }),
      }),
      iteration(2, { outcome: 'awaiting_approval', proposal: proposal() }),
    ],
  });

describe('job states', () => {
  it('running and awaiting approval are live; the rest final', () => {
    assert.deepEqual(
      JOB_STATES.filter((s) => !isFinal(s)),
      ['running', 'awaiting_approval'],
    );
  });
});

describe('accepting and rejecting a proposal', () => {
  it('accepting makes the draft the base, and goes on from a new baseline', () => {
    const j = acceptProposal(awaiting(), 'alice');
    assert.equal(j.state, 'running');
    assert.equal(j.phase, 'baseline');
    assert.equal(j.baseVersion, '1.0.1-train.1');
    assert.deepEqual(j.baseParams, { confidence_threshold: 0.9 });
    assert.equal(j.iterations[1]!.outcome, 'accepted');
    assert.deepEqual(j.iterations[1]!.proposal, proposal({ decision: 'accepted', decidedBy: 'alice' }));
    assert.deepEqual(j.iterations[0], awaiting().iterations[0], 'earlier iterations are left alone');
  });

  it('rejecting keeps the base and goes on from a new baseline', () => {
    const j = rejectProposal(awaiting(), 'alice');
    assert.equal(j.state, 'running');
    assert.equal(j.phase, 'baseline');
    assert.equal(j.baseVersion, '1.0.0');
    assert.deepEqual(j.baseParams, { confidence_threshold: 0.7 });
    assert.equal(j.iterations[1]!.outcome, 'rejected');
    assert.deepEqual(j.iterations[1]!.proposal, proposal({ decision: 'rejected', decidedBy: 'alice' }));
    assert.deepEqual(j.iterations[0], awaiting().iterations[0]);
  });
});

describe('decide', () => {
  it('approve and reject need a proposal awaiting approval; reject rolls its draft back', () => {
    const a = decide(awaiting(), 'approve', 'alice');
    assert.deepEqual(a, { ok: true, job: acceptProposal(awaiting(), 'alice'), rollback: null });
    const r = decide(awaiting(), 'reject', 'alice');
    assert.deepEqual(r, { ok: true, job: rejectProposal(awaiting(), 'alice'), rollback: '1.0.1-train.1' });
    for (const command of ['approve', 'reject'] as const) {
      assert.deepEqual(decide(job(), command, 'alice'), {
        ok: false,
        reason: 'job job-1 is running, not awaiting approval of a proposal',
      });
      assert.deepEqual(decide(job({ state: 'awaiting_approval' }), command, 'alice'), {
        ok: false,
        reason: 'job job-1 is awaiting_approval, not awaiting approval of a proposal',
      });
      // A proposal left over in a job that is no longer waiting is not pending.
      assert.equal(
        decide(job({ state: 'converged', iterations: awaiting().iterations }), command, 'a').ok,
        false,
      );
    }
  });

  it('stop ends a live job, rejects a proposal still waiting and rolls its draft back', () => {
    const d = decide(awaiting(), 'stop', 'alice');
    assert.ok(d.ok, 'd.ok');
    assert.equal(d.rollback, '1.0.1-train.1');
    assert.equal(d.job.state, 'stopped');
    assert.equal(d.job.reason, 'stopped by alice');
    assert.equal(d.job.iterations[1]!.outcome, 'stopped');
    assert.deepEqual(d.job.iterations[1]!.proposal, proposal({ decision: 'rejected', decidedBy: 'alice' }));
    assert.deepEqual(d.job.iterations[0], awaiting().iterations[0]);
  });

  it('stop during a search marks the iteration stopped; a finished iteration keeps its outcome', () => {
    const searching = decide(job({ iterations: [iteration(1)] }), 'stop', 'bob');
    assert.ok(searching.ok, 'searching.ok');
    assert.equal(searching.rollback, null);
    assert.deepEqual(searching.job.iterations, [iteration(1, { outcome: 'stopped' })]);
    const decided = proposal({ decision: 'accepted', decidedBy: 'x' });
    const done = decide(
      job({ iterations: [iteration(1, { outcome: 'accepted', proposal: decided })] }),
      'stop',
      'bob',
    );
    assert.ok(done.ok, 'done.ok');
    assert.deepEqual(done.job.iterations, [iteration(1, { outcome: 'accepted', proposal: decided })]);
    const none = decide(job(), 'stop', 'bob');
    assert.ok(none.ok, 'none.ok');
    assert.deepEqual(none.job.iterations, []);
    assert.equal(none.job.state, 'stopped');
  });

  it('a final job cannot be stopped again', () => {
    for (const state of ['converged', 'exhausted', 'stopped', 'failed'] as const)
      assert.deepEqual(decide(job({ state }), 'stop', 'bob'), {
        ok: false,
        reason: `job job-1 is ${state} already`,
      });
  });
});

describe('afterBaseline', () => {
  it('converges at the target, is exhausted at the iteration limit, else searches on', () => {
    assert.equal(afterBaseline(job(), 0.9), 'converged');
    assert.equal(afterBaseline(job(), 0.95), 'converged');
    assert.equal(afterBaseline(job(), 0.89), 'search');
    const three = [iteration(1), iteration(2), iteration(3)];
    assert.equal(afterBaseline(job({ iterations: three }), 0.5), 'exhausted');
    assert.equal(afterBaseline(job({ iterations: three.slice(0, 2) }), 0.5), 'search');
    assert.equal(afterBaseline(job({ iterations: three }), 0.9), 'converged', 'the target wins at the limit');
  });
});

describe('exampleDiff', () => {
  it('lists the examples a proposal scores higher and lower on, with their place in the dataset', () => {
    const places = [
      { index: 4, split: 'train' as const },
      { index: 7, split: 'train' as const },
      { index: 2, split: 'holdout' as const },
      { index: 9, split: 'holdout' as const },
    ];
    assert.deepEqual(exampleDiff([0, 1, 0.5, 1], [1, 0, 0.5], places), {
      fixes: [{ index: 4, split: 'train', before: 0, after: 1 }],
      breaks: [
        { index: 7, split: 'train', before: 1, after: 0 },
        { index: 9, split: 'holdout', before: 1, after: 0 },
      ],
    });
    assert.deepEqual(exampleDiff([], [0.5], places.slice(0, 1)), {
      fixes: [{ index: 4, split: 'train', before: 0, after: 0.5 }],
      breaks: [],
    });
  });
});

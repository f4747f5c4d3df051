import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_FAULT_DELAY_MS, readFault } from '../../src/domain/rollouts/fault.js';
import { defaultPolicy, type RolloutPolicy } from '../../src/domain/rollouts/rollout-policy.js';
import { nextStep, passesInARow } from '../../src/domain/rollouts/rollout-step.js';

const policy = (hitl: boolean, over: Partial<RolloutPolicy['analysis']> = {}): RolloutPolicy => {
  const p = defaultPolicy(hitl);
  return { ...p, analysis: { ...p.analysis, passes_to_promote: 3, ...over } };
};

describe('nextStep', () => {
  it('a fail rolls back, or holds when the policy says hold, whatever the streak', () => {
    assert.deepEqual(nextStep('fail', 0, policy(false)), { kind: 'rollback' });
    assert.deepEqual(nextStep('fail', 5, policy(true)), { kind: 'rollback' });
    assert.deepEqual(nextStep('fail', 0, policy(false, { on_fail: 'hold' })), { kind: 'hold' });
  });

  it('an inconclusive verdict, or a pass streak short of passes_to_promote, continues', () => {
    assert.deepEqual(nextStep('inconclusive', 3, policy(false)), { kind: 'continue' });
    assert.deepEqual(nextStep('inconclusive', 9, policy(true)), { kind: 'continue' });
    assert.deepEqual(nextStep('pass', 2, policy(false)), { kind: 'continue' });
    assert.deepEqual(nextStep('pass', 1, policy(true)), { kind: 'continue' });
  });

  it('a streak reaching passes_to_promote promotes without hitl', () => {
    assert.deepEqual(nextStep('pass', 3, policy(false)), { kind: 'promote' });
    assert.deepEqual(nextStep('pass', 4, policy(false)), { kind: 'promote' });
    assert.deepEqual(nextStep('pass', 1, policy(false, { passes_to_promote: 1 })), { kind: 'promote' });
  });

  it('with hitl it awaits approval, first only when the streak just reached the bar', () => {
    assert.deepEqual(nextStep('pass', 3, policy(true)), { kind: 'await_approval', first: true });
    assert.deepEqual(nextStep('pass', 4, policy(true)), { kind: 'await_approval', first: false });
  });
});

describe('passesInARow', () => {
  it('counts the passes at the head of a newest-first list', () => {
    assert.equal(passesInARow([]), 0);
    assert.equal(passesInARow(['pass', 'pass', 'fail', 'pass']), 2);
    assert.equal(passesInARow(['inconclusive', 'pass']), 0);
    assert.equal(passesInARow(['pass', 'pass', 'pass']), 3);
  });
});

describe('readFault', () => {
  it('no fault unless the metadata asks for one', () => {
    assert.deepEqual(readFault({}), { fault: null, problem: null });
  });

  it('reads the error rate and delay, each defaulting to 0', () => {
    assert.deepEqual(readFault({ fault: { error_rate: 0.5, delay_ms: 200 } }), {
      fault: { error_rate: 0.5, delay_ms: 200 },
      problem: null,
    });
    assert.deepEqual(readFault({ fault: {} }), { fault: { error_rate: 0, delay_ms: 0 }, problem: null });
    assert.deepEqual(readFault({ fault: { error_rate: 1, delay_ms: MAX_FAULT_DELAY_MS } }), {
      fault: { error_rate: 1, delay_ms: 60_000 },
      problem: null,
    });
  });

  it('refuses a fault that is not an object, unknown fields and values out of range', () => {
    const problem = (fault: unknown) => {
      const r = readFault({ fault });
      assert.equal(r.fault, null, JSON.stringify(fault));
      return r.problem;
    };
    for (const f of [null, 3, 'x', [0.1]])
      assert.equal(problem(f), 'metadata.fault must be an object {error_rate, delay_ms}');
    assert.equal(problem({ error_rate: 0.1, rate: 1 }), 'metadata.fault.rate is not a fault field');
    for (const error_rate of [-0.01, 1.01, '0.5', Number.NaN])
      assert.equal(problem({ error_rate }), 'metadata.fault.error_rate must be a number from 0 to 1');
    for (const delay_ms of [-1, 1.5, '10', MAX_FAULT_DELAY_MS + 1])
      assert.equal(problem({ delay_ms }), 'metadata.fault.delay_ms must be an integer from 0 to 60000');
  });
});

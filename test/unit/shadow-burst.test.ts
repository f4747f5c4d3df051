import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorBurst, isBurst } from '../../src/domain/rollouts/error-burst.js';
import {
  canonicalJson,
  compareAnswers,
  SAMPLE_FIELD_CHARS,
  shadowTarget,
  textDiff,
} from '../../src/domain/rollouts/shadow.js';

describe('shadow comparison', () => {
  it('compares JSON values whatever their key order, and shows what differs', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: 2, c: [3, { f: 1, e: 0 }] } }),
      '{"a":{"c":[3,{"e":0,"f":1}],"d":2},"b":1}',
    );
    assert.deepEqual(compareAnswers('x', { a: 1, b: 2 }, { b: 2, a: 1 }, 0), { equal: true });
    const c = compareAnswers('hi', 'hi', 'HI', 5);
    assert.equal(c.equal, false);
    if (c.equal) return;
    assert.deepEqual(c.sample, {
      at: 5,
      input: '"hi"',
      stable_output: '"hi"',
      shadow_output: '"HI"',
      diff: '@@ 1 @@ "[-hi-]{+HI+}"',
    });
    assert.equal(compareAnswers(1, 1, '1', 0).equal, false, 'a number is not its string');
  });

  it('keeps the diff small: context around the change, long parts cut', () => {
    const a = `${'x'.repeat(100)}A${'y'.repeat(100)}`;
    const b = `${'x'.repeat(100)}B${'y'.repeat(100)}`;
    assert.equal(textDiff(a, b), `@@ 100 @@ …${'x'.repeat(12)}[-A-]{+B+}${'y'.repeat(12)}…`);
    assert.equal(textDiff('ab', 'abc'), '@@ 2 @@ ab[--]{+c+}');
    const long = textDiff('', 'z'.repeat(5000));
    assert.ok(long.length < SAMPLE_FIELD_CHARS + 50, 'long.length < SAMPLE_FIELD_CHARS + 50');
  });

  it('mirrors to the newest revision on its way, only beside a stable one', () => {
    const r = (id: string, state: string) => ({ id, state });
    assert.equal(shadowTarget([r('1', 'stable'), r('2', 'canary'), r('3', 'draft')])?.id, '3');
    assert.equal(shadowTarget([r('1', 'stable'), r('2', 'experimental'), r('3', 'rolled_back')])?.id, '2');
    assert.equal(shadowTarget([r('1', 'stable'), r('2', 'disabled')]), null);
    assert.equal(shadowTarget([r('1', 'canary'), r('2', 'draft')]), null, 'no stable revision');
  });
});

describe('the burst window', () => {
  const policy = { burst_errors: 3, burst_error_rate: 0.5 };

  it('counts errors and calls over the window and forgets what slid out', () => {
    const w = new ErrorBurst(1000);
    assert.equal(w.add(0, false), null, 'a success reports nothing');
    assert.deepEqual(w.add(100, true), { calls: 2, errors: 1 });
    assert.deepEqual(w.add(950, true), { calls: 3, errors: 2 });
    // 1,150 ms: the slots of 0 and 100 ms have slid out; the one of 950 ms is still in.
    assert.deepEqual(w.add(1150, true), { calls: 2, errors: 2 });
    // After a long quiet spell nothing is left.
    assert.deepEqual(w.add(60_000, true), { calls: 1, errors: 1 });
    w.reset();
    assert.deepEqual(w.add(60_001, true), { calls: 1, errors: 1 });
  });

  it('is a burst with enough errors that are also a large enough share', () => {
    assert.equal(isBurst({ calls: 4, errors: 3 }, policy), true);
    assert.equal(isBurst({ calls: 7, errors: 3 }, policy), false, '3 of 7 is under 50%');
    assert.equal(isBurst({ calls: 2, errors: 2 }, policy), false, 'under 3 errors');
    assert.equal(
      isBurst({ calls: 4, errors: 4 }, { burst_errors: 0, burst_error_rate: 0 }),
      false,
      'rule off',
    );
  });
});

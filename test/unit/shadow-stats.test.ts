import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  addShadow,
  compareAnswers,
  emptyShadow,
  errorSample,
  readShadow,
  recordShadow,
  SAMPLE_FIELD_CHARS,
  SHADOW_SAMPLES,
  shadowTarget,
  shadowLatency,
  shadowMismatches,
  textDiff,
} from '../../src/domain/rollouts/shadow.js';

const zeros = () => new Array<number>(20).fill(0);

describe('shadow statistics', () => {
  it('counts each mirrored call by its outcome, with its latency', () => {
    const s = emptyShadow();
    assert.deepEqual(s, { calls: 0, equal: 0, different: 0, errors: 0, dropped: 0, hist: zeros() });
    recordShadow(s, 3, 'equal');
    recordShadow(s, 3, 'different');
    recordShadow(s, 20_000, 'error');
    recordShadow(s, 0.001, 'different');
    const hist = zeros();
    hist[0] = 1;
    hist[8] = 2;
    hist[19] = 1;
    assert.deepEqual(s, { calls: 4, equal: 1, different: 2, errors: 1, dropped: 0, hist });
    assert.deepEqual(shadowMismatches(s), { calls: 4, different: 3 });
    assert.deepEqual(shadowLatency(s), { calls: 4, errors: 1, hist });
    assert.notEqual(shadowLatency(s).hist, s.hist, 'a copy');
  });

  it('adds up every count', () => {
    const a = { calls: 1, equal: 2, different: 3, errors: 4, dropped: 5, hist: [1, ...zeros().slice(1)] };
    const b = { calls: 10, equal: 20, different: 30, errors: 40, dropped: 50, hist: [0, 2] };
    const sum = addShadow(emptyShadow(), a);
    assert.equal(addShadow(sum, b), sum);
    const hist = zeros();
    hist[0] = 1;
    hist[1] = 2;
    assert.deepEqual(sum, { calls: 11, equal: 22, different: 33, errors: 44, dropped: 55, hist });
  });

  it('reads a stored row, taking anything unreadable as 0', () => {
    assert.deepEqual(
      readShadow({ calls: '4', equal: 1, different: null, errors: 'x', dropped: 2, hist: [1] }),
      {
        calls: 4,
        equal: 1,
        different: 0,
        errors: 0,
        dropped: 2,
        hist: [1, ...zeros().slice(1)],
      },
    );
    assert.deepEqual(
      readShadow({ calls: 0, equal: 0, different: 7, errors: 3, dropped: undefined, hist: null }),
      {
        calls: 0,
        equal: 0,
        different: 7,
        errors: 3,
        dropped: 0,
        hist: zeros(),
      },
    );
  });

  it('keeps the newest twenty samples, cut to 2000 characters a field', () => {
    assert.equal(SHADOW_SAMPLES, 20);
    assert.equal(SAMPLE_FIELD_CHARS, 2000);
  });
});

describe('shadowTarget', () => {
  it('the oldest revision can be the one on its way, and every state on its way counts', () => {
    const r = (id: string, state: string) => ({ id, state });
    assert.equal(shadowTarget([r('1', 'canary'), r('2', 'stable')])?.id, '1');
    for (const state of ['canary', 'experimental', 'draft'])
      assert.equal(shadowTarget([r('1', 'stable'), r('2', state)])?.id, '2', state);
  });
});

describe('samples', () => {
  it('cuts each long field with an ellipsis, and only long ones', () => {
    const big = 'x'.repeat(3000);
    const c = compareAnswers(big, big, 'y', 9);
    assert.ok(!c.equal, '!c.equal');
    assert.equal(c.sample.input, `"${'x'.repeat(1999)}…`);
    assert.equal(c.sample.stable_output, `"${'x'.repeat(1999)}…`);
    assert.equal(c.sample.shadow_output, '"y"');
    const exact = 'x'.repeat(1998);
    const d = compareAnswers(exact, 1, 2, 0);
    assert.ok(!d.equal, '!d.equal');
    assert.equal(d.sample.input, `"${exact}"`, 'exactly 2000 characters stay whole');
  });

  it('an undefined answer compares as the text undefined', () => {
    assert.deepEqual(compareAnswers(undefined, undefined, undefined, 0), { equal: true });
    const c = compareAnswers(undefined, undefined, null, 1);
    assert.ok(!c.equal, '!c.equal');
    assert.deepEqual(c.sample, {
      at: 1,
      input: 'undefined',
      stable_output: 'undefined',
      shadow_output: 'null',
      diff: '@@ 0 @@ [-undefined-]{+null+}',
    });
  });

  it('a failed shadow call is a sample with the reason as its output', () => {
    assert.deepEqual(errorSample({ q: 1 }, 'ok', 'timeout', 3), {
      at: 3,
      input: '{"q":1}',
      stable_output: '"ok"',
      shadow_output: 'error: timeout',
      diff: '@@ 0 @@ [-"ok"-]{+error: timeout+}',
    });
    assert.equal(errorSample(undefined, undefined, 'x', 0).stable_output, 'undefined');
    assert.equal(errorSample(undefined, undefined, 'x', 0).input, 'undefined');
    assert.equal(errorSample(1, 1, 'r'.repeat(3000), 0).shadow_output.length, 2001);
  });

  it('the diff keeps twelve characters of context each side by default, or as many as asked', () => {
    assert.equal(textDiff('abcdefXghijkl', 'abcdefYghijkl', 3), '@@ 6 @@ …def[-X-]{+Y+}ghi…');
    assert.equal(textDiff('abcXdef', 'abcYdef', 3), '@@ 3 @@ abc[-X-]{+Y+}def');
    assert.equal(textDiff('same', 'same'), '@@ 4 @@ same[--]{++}');
    assert.equal(textDiff('aXa', 'aa'), '@@ 1 @@ a[-X-]{++}a');
    assert.equal(textDiff('aa', 'aXa'), '@@ 1 @@ a[--]{+X+}a');
    assert.equal(textDiff('abc', 'xyz'), '@@ 0 @@ [-abc-]{+xyz+}');
    const tail = 'y'.repeat(13);
    assert.equal(textDiff(`A${tail}`, `B${tail}`), `@@ 0 @@ [-A-]{+B+}${'y'.repeat(12)}…`);
    assert.equal(textDiff(`A${'y'.repeat(12)}`, `B${'y'.repeat(12)}`), `@@ 0 @@ [-A-]{+B+}${'y'.repeat(12)}`);
    const head = 'x'.repeat(12);
    assert.equal(textDiff(`${head}A`, `${head}B`), `@@ 12 @@ ${head}[-A-]{+B+}`);
  });
});

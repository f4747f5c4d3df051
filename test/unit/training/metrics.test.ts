import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  editDistance,
  exampleScore,
  fitsMetric,
  macroF1,
  score,
  similarity,
} from '../../../src/domain/training/metrics.js';

const label = (l: string) => ({ label: l, confidence: 1, scores: {} });

describe('training metrics', () => {
  it('exact and accuracy compare a classifier label with a string expectation, and whole values otherwise', () => {
    assert.equal(exampleScore('accuracy', label('sport'), 'sport'), 1);
    assert.equal(exampleScore('accuracy', label('sport'), 'finance'), 0);
    assert.equal(exampleScore('exact', 'Hello', 'Hello'), 1);
    assert.equal(exampleScore('exact', 'Hello', 'hello'), 0);
    assert.equal(exampleScore('exact', { b: 1, a: [1, 2] }, { a: [1, 2], b: 1 }), 1);
    assert.equal(exampleScore('exact', null, 'x'), 0);
    assert.equal(
      score('accuracy', [
        { output: label('a'), expected: 'a' },
        { output: label('b'), expected: 'a' },
        { output: null, expected: 'b' },
        { output: label('b'), expected: 'b' },
      ]),
      0.5,
    );
  });

  it('macro F1 averages F1 over every label expected or predicted', () => {
    // a: tp 1, fn 1 (predicted b), b: tp 1, fp 1 → F1 a = 2/3, F1 b = 2/3.
    const pairs = [
      { output: label('a'), expected: 'a' },
      { output: label('b'), expected: 'a' },
      { output: label('b'), expected: 'b' },
    ];
    assert.ok(Math.abs(macroF1(pairs) - 2 / 3) < 1e-12, 'Math.abs(macroF1(pairs) - 2 / 3) < 1e-12');
    // A label never expected but predicted counts with F1 0.
    const wild = [
      { output: label('a'), expected: 'a' },
      { output: label('z'), expected: 'a' },
    ];
    assert.ok(
      Math.abs(macroF1(wild) - (2 / 3 + 0) / 2) < 1e-12,
      'Math.abs(macroF1(wild) - (2 / 3 + 0) / 2) < 1e-12',
    );
    assert.equal(score('macro_f1', []), 0);
    assert.equal(score('macro_f1', [{ output: label('a'), expected: 'a' }]), 1);
  });

  it('contains wants every expected string, case-insensitively', () => {
    assert.equal(exampleScore('contains', 'The River rose.', 'river'), 1);
    assert.equal(exampleScore('contains', 'The River rose.', ['river', 'rose']), 1);
    assert.equal(exampleScore('contains', 'The River rose.', ['river', 'fell']), 0);
    assert.equal(exampleScore('contains', { x: 1 }, 'x'), 0);
  });

  it('similarity is 1 − edit distance / the longer length, over code points', () => {
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('дождь', 'дожди'), 1);
    assert.equal(similarity('', ''), 1);
    assert.equal(similarity('abc', 'abc'), 1);
    assert.equal(similarity('abc', 'xyz'), 0);
    assert.ok(
      Math.abs(similarity('kitten', 'sitting') - (1 - 3 / 7)) < 1e-12,
      "Math.abs(similarity('kitten', 'sitting') - (1 - 3 / 7)) < 1e-12",
    );
    assert.equal(exampleScore('similarity', 'abcd', 'abcx'), 0.75);
  });

  it('says which outputs a metric fits', () => {
    assert.equal(fitsMetric('accuracy', label('a')), null);
    assert.match(fitsMetric('accuracy', 'text') ?? '', /label/);
    assert.equal(fitsMetric('similarity', 'text'), null);
    assert.match(fitsMetric('similarity', label('a')) ?? '', /string/);
    assert.equal(fitsMetric('exact', 42), null);
  });
});

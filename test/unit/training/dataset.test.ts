import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkExamples,
  datasetHash,
  exampleProblem,
  parseJsonl,
  splitExamples,
} from '../../../src/domain/training/dataset.js';

describe('exampleProblem', () => {
  it('accepts {input, expected, tags?}, with any non-null input and expected', () => {
    for (const v of [
      { input: 'a', expected: 'b' },
      { input: 0, expected: false, tags: [] },
      { input: { x: 1 }, expected: [1], tags: ['t', 'u'] },
    ])
      assert.equal(exampleProblem(v), null, JSON.stringify(v));
  });

  it('says what is wrong with anything else', () => {
    for (const v of [null, 'x', 3, [{ input: 1, expected: 1 }]])
      assert.equal(exampleProblem(v), 'must be an object {input, expected, tags?}');
    assert.equal(exampleProblem({ input: 1, expected: 1, label: 'x', why: 2 }), 'unknown key "label", "why"');
    assert.equal(exampleProblem({ expected: 1 }), 'input is required');
    assert.equal(exampleProblem({ input: null, expected: 1 }), 'input is required');
    assert.equal(exampleProblem({ input: 1 }), 'expected is required');
    assert.equal(exampleProblem({ input: 1, expected: null }), 'expected is required');
    for (const tags of ['t', [1], [''], ['ok', '']])
      assert.equal(
        exampleProblem({ input: 1, expected: 1, tags }),
        'tags must be a list of non-empty strings',
      );
  });
});

describe('checkExamples', () => {
  it('gives the examples when all are good, else every problem by position', () => {
    const good = [
      { input: 'a', expected: 'b' },
      { input: 'c', expected: 'd' },
    ];
    assert.deepEqual(checkExamples(good), { examples: good, problems: [] });
    assert.deepEqual(checkExamples([good[0], 'x', good[1], { input: 1 }]), {
      examples: [],
      problems: [
        { line: 2, problem: 'must be an object {input, expected, tags?}' },
        { line: 4, problem: 'expected is required' },
      ],
    });
  });
});

describe('parseJsonl', () => {
  it('reads one example a line, skipping blank lines but counting them', () => {
    const text = '{"input":"a","expected":"b"}\n\n  \r\n{"input":"c","expected":"d"}\n';
    assert.deepEqual(parseJsonl(text), {
      examples: [
        { input: 'a', expected: 'b' },
        { input: 'c', expected: 'd' },
      ],
      problems: [],
    });
    const bad = '{"input":"a","expected":"b"}\n\nnot json\n{"input":"c"}\n[1]';
    assert.deepEqual(parseJsonl(bad), {
      examples: [],
      problems: [
        { line: 3, problem: 'not valid JSON' },
        { line: 4, problem: 'expected is required' },
        { line: 5, problem: 'must be an object {input, expected, tags?}' },
      ],
    });
    assert.deepEqual(parseJsonl(''), { examples: [], problems: [] });
  });
});

describe('datasetHash', () => {
  it('hashes the examples in order, whatever their key order', () => {
    const a = [
      { input: 'a', expected: 'b' },
      { input: 'c', expected: 'd' },
    ];
    const b = [
      { expected: 'b', input: 'a' },
      { expected: 'd', input: 'c' },
    ];
    assert.equal(datasetHash(a), datasetHash(b));
    assert.notEqual(datasetHash(a), datasetHash([...a].reverse()));
    assert.match(datasetHash(a), /^[0-9a-f]{64}$/);
  });
});

describe('splitExamples', () => {
  it('holds out round(n × share), at least one of two or more and never all', () => {
    assert.equal(splitExamples(10, 1, 0.25).holdout.length, 3);
    assert.equal(splitExamples(10, 1, 0.24).holdout.length, 2);
    assert.equal(splitExamples(10, 1, 0.99).holdout.length, 9);
    assert.equal(splitExamples(2, 1, 0.99).holdout.length, 1);
    assert.equal(splitExamples(3, 1, 0).holdout.length, 1);
    assert.deepEqual(splitExamples(0, 1, 0.5), { seed: 1, train: [], holdout: [] });
  });

  it('is a permutation of every index, the same for a seed', () => {
    const s = splitExamples(50, 7, 0.2);
    assert.deepEqual(
      [...s.train, ...s.holdout].sort((x, y) => x - y),
      Array.from({ length: 50 }, (_, i) => i),
    );
    assert.equal(s.seed, 7);
    assert.deepEqual(splitExamples(50, 7, 0.2), s);
    assert.notDeepEqual(
      [...s.holdout, ...s.train],
      Array.from({ length: 50 }, (_, i) => i),
      'shuffled',
    );
    // Each index lands at the end of the order about as often as any other: the shuffle reaches every place.
    const last = new Set(Array.from({ length: 200 }, (_, seed) => splitExamples(5, seed, 0.2).train.at(-1)));
    assert.deepEqual([...last].sort(), [0, 1, 2, 3, 4]);
    const first = new Set(Array.from({ length: 200 }, (_, seed) => splitExamples(5, seed, 0.2).holdout[0]));
    assert.deepEqual([...first].sort(), [0, 1, 2, 3, 4]);
  });
});

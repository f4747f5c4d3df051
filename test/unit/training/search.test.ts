import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitExamples, parseJsonl } from '../../../src/domain/training/dataset.js';
import {
  bestTrial,
  fullGrid,
  gridValues,
  iterationCandidates,
  nextTrial,
  rungsFor,
  type Space,
  type TrialResult,
} from '../../../src/domain/training/search.js';

const space: Space = [
  ['confidence_threshold', { kind: 'range', min: 0, max: 1, scale: 'linear', integer: false, steps: 3 }],
  ['metadata.mode', { kind: 'choice', values: ['a', 'b'] }],
];

/** Runs a whole schedule with a scoring function; returns the trials in order. */
function run(
  strategy: 'grid' | 'random' | 'halving',
  n: number,
  trainSize: number,
  scoreOf: (c: number, size: number) => number,
) {
  const done: TrialResult[] = [];
  for (let guard = 0; guard < 1000; guard++) {
    const next = nextTrial(strategy, n, trainSize, done);
    if (next === null) return done;
    done.push({ ...next, score: scoreOf(next.candidate, next.size) });
  }
  throw new Error('schedule never ended');
}

describe('training search', () => {
  it('grid: every combination, the first parameter slowest; log ranges are geometric; integers are not repeated', () => {
    assert.deepEqual(gridValues(space[0]![1]), [0, 0.5, 1]);
    assert.deepEqual(fullGrid(space), [
      { confidence_threshold: 0, 'metadata.mode': 'a' },
      { confidence_threshold: 0, 'metadata.mode': 'b' },
      { confidence_threshold: 0.5, 'metadata.mode': 'a' },
      { confidence_threshold: 0.5, 'metadata.mode': 'b' },
      { confidence_threshold: 1, 'metadata.mode': 'a' },
      { confidence_threshold: 1, 'metadata.mode': 'b' },
    ]);
    assert.deepEqual(
      gridValues({ kind: 'range', min: 1, max: 100, scale: 'log', integer: false, steps: 3 }),
      [1, 10, 100],
    );
    assert.deepEqual(
      gridValues({ kind: 'range', min: 1, max: 3, scale: 'linear', integer: true, steps: 7 }),
      [1, 2, 3],
    );
    // Iterations take the grid slice by slice, then nothing.
    assert.equal(iterationCandidates('grid', space, 4, 1, 0).length, 4);
    assert.equal(iterationCandidates('grid', space, 4, 1, 1).length, 2);
    assert.equal(iterationCandidates('grid', space, 4, 1, 2).length, 0);
  });

  it('random: the same seed and iteration give the same draws, inside the space; others differ', () => {
    const a = iterationCandidates('random', space, 20, 7, 0);
    assert.deepEqual(a, iterationCandidates('random', space, 20, 7, 0));
    assert.notDeepEqual(a, iterationCandidates('random', space, 20, 7, 1));
    assert.notDeepEqual(a, iterationCandidates('random', space, 20, 8, 0));
    for (const c of a) {
      const t = c['confidence_threshold'] as number;
      assert.ok(t >= 0 && t <= 1, 't >= 0 && t <= 1');
      assert.ok(
        ['a', 'b'].includes(c['metadata.mode'] as string),
        "['a', 'b'].includes(c['metadata.mode'] as string)",
      );
    }
  });

  it('grid and random score every candidate once on the whole training set', () => {
    const trials = run('random', 5, 40, (c) => c / 10);
    assert.deepEqual(
      trials.map((t) => [t.candidate, t.size]),
      [
        [0, 40],
        [1, 40],
        [2, 40],
        [3, 40],
        [4, 40],
      ],
    );
    assert.equal(bestTrial(trials, 40)?.candidate, 4);
  });

  it('halving: all on a short prefix, the better half on a prefix twice as long, one on everything', () => {
    assert.equal(rungsFor(8), 4);
    // Candidate 5 is best; small subsets are noisy for candidate 2 (good on few examples only).
    const trials = run('halving', 8, 80, (c, size) =>
      c === 2 && size <= 20 ? 0.99 : c === 5 ? 0.9 : c / 10,
    );
    const byRung = [0, 1, 2, 3].map((r) => trials.filter((t) => t.rung === r));
    assert.deepEqual(
      byRung.map((r) => r.length),
      [8, 4, 2, 1],
    );
    assert.deepEqual(
      byRung.map((r) => r[0]!.size),
      [10, 20, 40, 80],
    );
    assert.deepEqual(byRung[1]!.map((t) => t.candidate).sort(), [2, 5, 6, 7]);
    assert.equal(bestTrial(trials, 80)?.candidate, 5);
    // Cost: 8·10 + 4·20 + 2·40 + 80 = 320 example evaluations, the price of 4 full trials.
    assert.equal(
      trials.reduce((n, t) => n + t.size, 0),
      320,
    );
  });

  it('a resumed schedule asks again for exactly the trial that was not recorded', () => {
    const full = run('halving', 8, 80, (c) => c / 10);
    const cut = full.slice(0, 9);
    assert.deepEqual(nextTrial('halving', 8, 80, cut), {
      candidate: full[9]!.candidate,
      rung: full[9]!.rung,
      size: full[9]!.size,
    });
  });

  it('splits are seeded, disjoint, complete and of the stated sizes', () => {
    const s = splitExamples(208, 1, 0.25);
    assert.equal(s.holdout.length, 52);
    assert.equal(s.train.length, 156);
    assert.deepEqual(
      [...s.train, ...s.holdout].sort((a, b) => a - b),
      Array.from({ length: 208 }, (_, i) => i),
    );
    assert.deepEqual(splitExamples(208, 1, 0.25), s);
    assert.notDeepEqual(splitExamples(208, 2, 0.25).holdout, s.holdout);
    assert.deepEqual(splitExamples(1, 1, 0.25), { seed: 1, train: [0], holdout: [] });
    assert.equal(splitExamples(2, 1, 0.01).holdout.length, 1);
  });

  it('JSON Lines: every bad line is named with the line an editor shows', () => {
    const text =
      '{"input":"a","expected":"x"}\n\nnot json\n{"input":"b"}\n{"input":"c","expected":"y","colour":1}\n[1]\n';
    const r = parseJsonl(text);
    assert.deepEqual(r.examples, []);
    assert.deepEqual(
      r.problems.map((p) => p.line),
      [3, 4, 5, 6],
    );
    assert.match(r.problems[1]!.problem, /expected is required/);
    assert.match(r.problems[2]!.problem, /unknown key "colour"/);
    assert.equal(parseJsonl('{"input":"a","expected":"x","tags":["t"]}\r\n').examples.length, 1);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  addStats,
  bucketOf,
  BUCKETS,
  emptyStats,
  LATENCY_BOUNDS_MS,
  minuteOf,
  normaliseHist,
  quantileMs,
  recordCall,
} from '../../src/domain/rollouts/call-stats.js';
import { ErrorBurst, isBurst } from '../../src/domain/rollouts/error-burst.js';

const histWith = (entries: Record<number, number>): number[] => {
  const h = new Array<number>(BUCKETS).fill(0);
  for (const [i, n] of Object.entries(entries)) h[Number(i)] = n;
  return h;
};

describe('latency buckets', () => {
  it('has twenty buckets, the last open above 10 s', () => {
    assert.equal(BUCKETS, 20);
    assert.equal(LATENCY_BOUNDS_MS.length, 19);
    assert.equal(LATENCY_BOUNDS_MS.at(-1), 10_000);
  });

  it('puts a latency in the first bucket whose bound is at or above it', () => {
    assert.equal(bucketOf(0), 0);
    assert.equal(bucketOf(0.01), 0);
    assert.equal(bucketOf(0.011), 1);
    assert.equal(bucketOf(1), 6);
    assert.equal(bucketOf(1.0001), 7);
    assert.equal(bucketOf(7), 9);
    assert.equal(bucketOf(10_000), 18);
    assert.equal(bucketOf(10_000.5), 19);
    assert.equal(bucketOf(1e9), 19);
    for (let i = 0; i < LATENCY_BOUNDS_MS.length; i++) {
      assert.equal(bucketOf(LATENCY_BOUNDS_MS[i]!), i);
      assert.equal(bucketOf(LATENCY_BOUNDS_MS[i]! * 1.001), i + 1);
    }
  });
});

describe('call statistics', () => {
  it('records calls, errors and latencies, and adds up', () => {
    const a = emptyStats();
    assert.deepEqual(a, { calls: 0, errors: 0, hist: new Array(20).fill(0) });
    recordCall(a, 3, false);
    recordCall(a, 3, true);
    recordCall(a, 20_000, true);
    assert.deepEqual(a, { calls: 3, errors: 2, hist: histWith({ 8: 2, 19: 1 }) });
    const b = emptyStats();
    recordCall(b, 0.001, false);
    const sum = addStats(emptyStats(), a);
    assert.equal(addStats(sum, b), sum, 'adds into its first argument');
    assert.deepEqual(sum, { calls: 4, errors: 2, hist: histWith({ 0: 1, 8: 2, 19: 1 }) });
    assert.deepEqual(addStats(emptyStats(), { calls: 1, errors: 0, hist: [1] }).hist, histWith({ 0: 1 }));
  });

  it('reads a stored histogram of any length, numbers or not', () => {
    assert.deepEqual(normaliseHist([1, '2', null, 'x']), histWith({ 0: 1, 1: 2 }));
    assert.deepEqual(normaliseHist(Array.from({ length: 25 }, () => 1)), new Array(20).fill(1));
    assert.deepEqual(normaliseHist('not a list'), new Array(20).fill(0));
    assert.deepEqual(normaliseHist(undefined), new Array(20).fill(0));
  });

  it('interpolates a quantile inside its bucket', () => {
    assert.equal(quantileMs(new Array(20).fill(0), 0.95), null);
    // 10 calls between 5 and 10 ms: the median is half way.
    assert.equal(quantileMs(histWith({ 9: 10 }), 0.5), 7.5);
    assert.equal(quantileMs(histWith({ 9: 10 }), 1), 10);
    assert.equal(quantileMs(histWith({ 9: 10 }), 0), 5);
    // The first bucket starts at 0.
    assert.equal(quantileMs(histWith({ 0: 4 }), 0.5), 0.005);
    // 90 fast calls and 10 slow: the p95 is in the slow bucket, half way through it.
    assert.equal(quantileMs(histWith({ 6: 90, 12: 10 }), 0.95), 75);
    assert.equal(quantileMs(histWith({ 6: 90, 12: 10 }), 0.9), 1);
    // Empty buckets are skipped, even when the rank is already reached.
    assert.equal(quantileMs(histWith({ 3: 5, 10: 5 }), 0.5), 0.1);
    assert.equal(quantileMs(histWith({ 3: 5, 10: 5 }), 0.6), 10 + 15 * 0.2);
  });

  it('the open last bucket answers its lower bound', () => {
    assert.equal(quantileMs(histWith({ 19: 3 }), 0.5), 10_000);
    assert.equal(quantileMs(histWith({ 19: 3 }), 1), 10_000);
  });

  it('a quantile beyond every call answers the last bound', () => {
    assert.equal(quantileMs(histWith({ 2: 1 }), 1.5), 10_000);
  });

  it('counts minutes since the epoch', () => {
    assert.equal(minuteOf(0), 0);
    assert.equal(minuteOf(59_999), 0);
    assert.equal(minuteOf(60_000), 1);
    assert.equal(minuteOf(3_600_000), 60);
  });
});

describe('the burst window, edges', () => {
  it('answers only for a failed call', () => {
    const w = new ErrorBurst(1000);
    assert.equal(w.add(0, false), null);
    assert.deepEqual(w.add(0, true), { calls: 2, errors: 1 });
  });

  it('keeps the slots it slid within, and empties each slot it slid past', () => {
    const w = new ErrorBurst(1000);
    w.add(0, true);
    w.add(150, true);
    assert.deepEqual(w.add(950, true), { calls: 3, errors: 3 });
    // 1000 is slot 10: slot 0 slid out, slot 1 (150) stays.
    assert.deepEqual(w.add(1000, true), { calls: 3, errors: 3 });
    assert.deepEqual(w.add(1150, true), { calls: 3, errors: 3 }, 'slot 1 was emptied before 1150 counted');
    assert.deepEqual(w.add(1199, true), { calls: 4, errors: 4 });
  });

  it('forgets everything after a quiet spell longer than the window, and on reset', () => {
    const w = new ErrorBurst(1000);
    for (let t = 0; t < 1000; t += 100) w.add(t, true);
    assert.deepEqual(w.add(999, true), { calls: 11, errors: 11 });
    assert.deepEqual(w.add(50_000, true), { calls: 1, errors: 1 });
    w.reset();
    assert.deepEqual(w.add(50_001, true), { calls: 1, errors: 1 });
  });

  it('slots are at least a millisecond', () => {
    const tiny = new ErrorBurst(5);
    tiny.add(0, true);
    assert.deepEqual(tiny.add(9, true), { calls: 2, errors: 2 });
    assert.deepEqual(tiny.add(10, true), { calls: 2, errors: 2 });
    assert.deepEqual(tiny.add(11, true), { calls: 3, errors: 3 });
    assert.equal(tiny.windowMs, 5);
  });

  it('a burst needs both the count and the share; a count of 0 turns the rule off', () => {
    const policy = { burst_errors: 5, burst_error_rate: 0.5 };
    assert.equal(isBurst({ calls: 10, errors: 5 }, policy), true);
    assert.equal(isBurst({ calls: 10, errors: 4 }, policy), false);
    assert.equal(isBurst({ calls: 11, errors: 5 }, policy), false);
    assert.equal(isBurst({ calls: 5, errors: 5 }, { burst_errors: 0, burst_error_rate: 0 }), false);
  });
});

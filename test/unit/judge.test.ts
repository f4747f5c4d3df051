import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUCKETS, LATENCY_BOUNDS_MS, type CallStats } from '../../src/domain/rollouts/call-stats.js';
import {
  differenceInterval,
  figuresOf,
  judge,
  mannWhitney,
  mixtureInterval,
  normalUpperTail,
  proportionInterval,
  spentAlpha,
  type JudgeInput,
} from '../../src/domain/rollouts/judge.js';
import { DEFAULT_ANALYSIS, type AnalysisPolicy } from '../../src/domain/rollouts/rollout-policy.js';

/** `calls` calls, `errors` of them failed, all with a latency in histogram bucket `bucket`. */
const stats = (calls: number, errors: number, bucket = 6): CallStats => {
  const hist = new Array<number>(BUCKETS).fill(0);
  hist[bucket] = calls;
  return { calls, errors, hist };
};
const near = (actual: number, expected: number, within: number, what = '') =>
  assert.ok(Math.abs(actual - expected) <= within, `${what} ${actual} is not ${expected} ± ${within}`);
const run = (
  canary: CallStats,
  baseline: CallStats | null,
  policy: Partial<AnalysisPolicy> = {},
  extra: Partial<JudgeInput> = {},
) => judge({ canary, baseline, look: 1, policy: { ...DEFAULT_ANALYSIS, ...policy }, ...extra });

describe('the statistics of the judge', () => {
  it('the normal upper tail matches the tables', () => {
    near(normalUpperTail(0), 0.5, 1e-7);
    near(normalUpperTail(1), 0.158655, 1e-6);
    near(normalUpperTail(1.959964), 0.025, 1e-6);
    near(normalUpperTail(-1.959964), 0.975, 1e-6);
    near(normalUpperTail(3), 0.0013499, 1e-6);
    near(normalUpperTail(-3), 0.9986501, 1e-6);
  });

  it('the level spent over all looks adds up to α, most of it early', () => {
    near(spentAlpha(0.03, 1), (0.03 * 6) / Math.PI ** 2, 1e-15);
    let sum = 0;
    for (let k = 1; k <= 100_000; k++) sum += spentAlpha(0.03, k);
    near(sum, 0.03, 1e-6);
    assert.ok(spentAlpha(0.03, 2) < spentAlpha(0.03, 1), 'spentAlpha(0.03, 2) < spentAlpha(0.03, 1)');
    assert.equal(spentAlpha(0.03, 0), spentAlpha(0.03, 1));
  });

  it('a confidence sequence is centred on its estimate, and widens with variance and confidence', () => {
    const i = mixtureInterval(0.2, 0.001, 0.01);
    assert.equal(i.estimate, 0.2);
    near(i.upper - 0.2, 0.2 - i.lower, 1e-12);
    // √((2v(v+τ²)/τ²)·(ln(1/α) + ½·ln(1+τ²/v))) with τ = 0.1
    near(
      i.upper - i.estimate,
      Math.sqrt(((2 * 0.001 * 0.011) / 0.01) * (Math.log(100) + 0.5 * Math.log(11))),
      1e-12,
    );
    assert.ok(
      mixtureInterval(0.2, 0.0001, 0.01).upper < i.upper,
      'mixtureInterval(0.2, 0.0001, 0.01).upper < i.upper',
    );
    assert.ok(
      mixtureInterval(0.2, 0.001, 0.001).upper > i.upper,
      'mixtureInterval(0.2, 0.001, 0.001).upper > i.upper',
    );
    const sure = mixtureInterval(0, 0, 0.01);
    assert.ok(sure.upper > 0 && sure.upper < 1e-4, String(sure.upper));
    // A wider prior scale τ makes a wider interval when the variance is large against it.
    assert.notEqual(mixtureInterval(0.2, 0.001, 0.01, 0.5).upper, i.upper);
  });

  it('a proportion is estimated as x/n, 0 with no calls, and its interval narrows with n', () => {
    assert.equal(proportionInterval(5, 100, 0.01).estimate, 0.05);
    assert.equal(proportionInterval(0, 0, 0.01).estimate, 0);
    const small = proportionInterval(0, 10, 0.01);
    const large = proportionInterval(0, 10_000, 0.01);
    assert.ok(small.upper > large.upper && large.upper > 0, 'small.upper > large.upper && large.upper > 0');
    // The shrunk proportion (x+1)/(n+2) sets the variance: 0 of 100 is not certain.
    near(
      proportionInterval(0, 100, 0.01).upper,
      mixtureInterval(0, ((1 / 102) * (101 / 102)) / 100, 0.01).upper,
      1e-12,
    );
  });

  it('a difference of proportions is estimated as the difference of the rates', () => {
    const d = differenceInterval(stats(200, 20), stats(100, 5), 0.01);
    near(d.estimate, 0.05, 1e-12);
    const pc = 21 / 202;
    const pb = 6 / 102;
    near(d.upper, mixtureInterval(0.05, (pc * (1 - pc)) / 200 + (pb * (1 - pb)) / 100, 0.01).upper, 1e-12);
    assert.equal(differenceInterval(stats(0, 0), stats(0, 0), 0.01).estimate, 0);
    near(differenceInterval(stats(0, 0), stats(10, 5), 0.01).estimate, -0.5, 1e-12);
  });

  it('Mann-Whitney: equal samples are no evidence, a slower canary is, and no calls are no test', () => {
    const same = mannWhitney(stats(100, 0, 5).hist, stats(100, 0, 5).hist);
    // All tied in one bucket: no variance left, no evidence at all.
    assert.deepEqual(same, { u: 5000, z: 0, p_value: 1 });
    const spread = new Array<number>(BUCKETS).fill(0);
    spread[4] = 30;
    spread[9] = 30;
    assert.deepEqual(mannWhitney(spread, spread), { u: 1800, z: 0, p_value: normalUpperTail(0) });
    const slower = mannWhitney(stats(50, 0, 8).hist, stats(50, 0, 5).hist);
    assert.equal(slower.u, 2500);
    assert.ok(slower.z > 5 && slower.p_value < 1e-6, JSON.stringify(slower));
    const faster = mannWhitney(stats(50, 0, 5).hist, stats(50, 0, 8).hist);
    assert.equal(faster.u, 0);
    near(faster.z, -slower.z, 1e-12);
    assert.ok(faster.p_value > 0.999999, 'faster.p_value > 0.999999');
    assert.deepEqual(mannWhitney(stats(0, 0).hist, stats(0, 0).hist), { u: 0, z: 0, p_value: 1 });
    assert.deepEqual(mannWhitney(stats(1, 0).hist, stats(0, 0).hist), { u: 0, z: 0, p_value: 1 });
    // Half the canary above, half tied with the baseline: ties count one half.
    const c = new Array<number>(BUCKETS).fill(0);
    c[5] = 10;
    c[8] = 10;
    const mixed = mannWhitney(c, stats(20, 0, 5).hist);
    assert.equal(mixed.u, 10 * 20 + 10 * 10);
    // Tie-corrected variance: (n1·n2/12)·(n+1 − Σ(t³−t)/(n(n−1))) with ties of 30 and 10.
    const variance = ((20 * 20) / 12) * (41 - (30 ** 3 - 30 + 10 ** 3 - 10) / (40 * 39));
    near(mixed.z, (300 - 200) / Math.sqrt(variance), 1e-12);
  });

  it('Mann-Whitney with one call on each side is a test already', () => {
    const one = mannWhitney(stats(1, 0, 8).hist, stats(1, 0, 5).hist);
    assert.deepEqual(one, { u: 1, z: 1, p_value: normalUpperTail(1) });
  });

  it('figures: rate and latency quantiles, none with no calls', () => {
    assert.deepEqual(figuresOf(stats(0, 0)), {
      calls: 0,
      errors: 0,
      error_rate: null,
      p50_ms: null,
      p95_ms: null,
    });
    const f = figuresOf(stats(200, 10, 12));
    assert.equal(f.error_rate, 0.05);
    const [lower, upper] = [LATENCY_BOUNDS_MS[11]!, LATENCY_BOUNDS_MS[12]!];
    near(f.p50_ms!, lower + (upper - lower) * 0.5, 1e-9);
    near(f.p95_ms!, lower + (upper - lower) * 0.95, 1e-9);
  });
});

describe('the judge', () => {
  it('is inconclusive until the canary has min_calls, whatever they say', () => {
    const j = run(stats(49, 49), stats(1000, 0));
    assert.equal(j.verdict, 'inconclusive');
    assert.deepEqual(j.reasons, ['49 of the 50 calls needed so far']);
    assert.equal(j.canary.calls, 49);
    assert.equal(j.baseline?.calls, 1000);
    assert.notEqual(run(stats(50, 50), null).verdict, 'inconclusive');
  });

  it('passes a clean canary with no baseline once its error rate is shown below the ceiling', () => {
    const j = run(stats(10_000, 0), null);
    assert.equal(j.verdict, 'pass');
    assert.deepEqual(j.reasons, [
      'error rate 0.00% is below max_error_rate with confidence 0.99 (no baseline)',
    ]);
    assert.equal(j.baseline, null);
    assert.equal(j.tests.error_rate_increase, null);
    assert.equal(j.tests.latency, null);
    assert.equal(j.tests.shadow_diff_rate, null);
  });

  it('passes a canary as good as its baseline, on errors and latency', () => {
    const j = run(stats(10_000, 0), stats(10_000, 0));
    assert.equal(j.verdict, 'pass');
    assert.deepEqual(j.reasons, [
      'error rate 0.00% vs baseline 0.00%: within +2.00% with confidence 0.99; latency not worse',
    ]);
    assert.ok(
      j.tests.error_rate_increase !== null && j.tests.latency !== null,
      'j.tests.error_rate_increase !== null && j.tests.latency !== null',
    );
    near(j.tests.latency.alpha, spentAlpha(0.01 / 3, 1), 1e-15);
  });

  it('is inconclusive while the error rate is not yet shown low enough', () => {
    const j = run(stats(60, 0), null);
    assert.equal(j.verdict, 'inconclusive');
    assert.equal(j.reasons.length, 1);
    assert.match(
      j.reasons[0]!,
      /^error rate 0\.00% not yet shown below max_error_rate 5\.00% \(upper bound \d+\.\d\d%\)$/,
    );
    const b = run(stats(2000, 0), stats(60, 0));
    assert.equal(b.verdict, 'inconclusive');
    assert.deepEqual(
      b.reasons.map((r) => r.replace(/\d+\.\d\d%\)$/, 'N%)')),
      ['increase over the baseline not yet shown below 2.00% (upper bound N%)'],
    );
  });

  it('fails a canary whose error rate is above the ceiling', () => {
    const j = run(stats(1000, 500), null);
    assert.equal(j.verdict, 'fail');
    assert.equal(j.reasons.length, 1);
    assert.match(
      j.reasons[0]!,
      /^error rate 50\.00% is above max_error_rate 5\.00% \(lower bound 4\d\.\d\d%\)$/,
    );
    // Just at the ceiling is not above it, with any number of calls.
    assert.notEqual(run(stats(1_000_000, 50_000), null).verdict, 'fail');
  });

  it('fails a canary worse than its baseline, even under the ceiling', () => {
    const j = run(stats(2000, 100), stats(2000, 0), { max_error_rate: 0.5 });
    assert.equal(j.verdict, 'fail');
    assert.equal(j.reasons.length, 1);
    assert.match(
      j.reasons[0]!,
      /^error rate 5\.00% is worse than the baseline's 0\.00% \(increase at least \d\.\d\d%\)$/,
    );
    assert.equal(run(stats(2000, 100), stats(2000, 100), { max_error_rate: 0.5 }).verdict, 'inconclusive');
    // A baseline with no calls is no baseline to compare with.
    const empty = run(stats(2000, 100), stats(0, 0), { max_error_rate: 0.5 });
    assert.equal(empty.tests.error_rate_increase, null);
    assert.equal(empty.tests.latency, null);
    assert.notEqual(empty.verdict, 'fail');
  });

  it('fails a slower canary only when its p95 also grew past the ratio and by a millisecond', () => {
    const j = run(stats(1000, 0, 12), stats(1000, 0, 9));
    assert.equal(j.verdict, 'fail');
    assert.equal(j.reasons.length, 1);
    assert.match(
      j.reasons[0]!,
      /^latency is worse than the baseline's \(Mann-Whitney p=\S+ < \S+; p95 97\.500 ms vs 9\.750 ms, ratio 10\.00 > 1\.2\)$/,
    );
    assert.equal(run(stats(1000, 0, 12), stats(1000, 0, 9), { max_p95_ratio: 10 }).verdict, 'pass');
    assert.equal(run(stats(1000, 0, 12), stats(1000, 0, 9), { max_p95_ratio: 9.99 }).verdict, 'fail');
    // Far slower in ratio but by less than a millisecond: timer noise, no regression.
    assert.equal(run(stats(1000, 0, 3), stats(1000, 0, 1)).verdict, 'pass');
    // Faster is never a regression.
    assert.equal(run(stats(1000, 0, 9), stats(1000, 0, 12)).verdict, 'pass');
  });

  it('does not fail on latency when the test, spent over many looks, is not significant', () => {
    // 6 of 50 canary calls slower: significant at look 1, no longer at look 1000.
    const canary = stats(50, 0, 9);
    canary.hist[9] = 44;
    canary.hist[14] = 6;
    const early = run(canary, stats(50, 0, 9), { min_calls: 1, max_error_rate: 1 }, { look: 1 });
    const late = run(canary, stats(50, 0, 9), { min_calls: 1, max_error_rate: 1 }, { look: 1000 });
    assert.ok(
      early.tests.latency!.p_value === late.tests.latency!.p_value,
      'early.tests.latency!.p_value === late.tests.latency!.p_value',
    );
    assert.ok(
      late.tests.latency!.alpha < early.tests.latency!.alpha,
      'late.tests.latency!.alpha < early.tests.latency!.alpha',
    );
    assert.equal(
      early.reasons.some((r) => r.startsWith('latency')),
      early.tests.latency!.p_value < early.tests.latency!.alpha,
    );
    assert.equal(
      late.reasons.some((r) => r.startsWith('latency')),
      false,
    );
  });

  it('fails a canary whose p95 is above max_p95_ms, when one is set', () => {
    const j = run(stats(10_000, 0, 12), null, { max_p95_ms: 50 });
    assert.equal(j.verdict, 'fail');
    assert.deepEqual(j.reasons, ['p95 97.500 ms is above max_p95_ms 50 ms']);
    assert.equal(run(stats(10_000, 0, 12), null, { max_p95_ms: 97.5 }).verdict, 'pass');
  });

  it('judges shadow differences only when the policy sets a ceiling', () => {
    const shadow = { calls: 1000, different: 500 };
    const j = run(stats(10_000, 0), null, { max_shadow_diff_rate: 0.1 }, { shadow });
    assert.equal(j.verdict, 'fail');
    assert.deepEqual(j.reasons, [
      'shadow answers differ in 50.00% of calls, above max_shadow_diff_rate 10.00%',
    ]);
    assert.equal(j.tests.shadow_diff_rate?.estimate, 0.5);
    const unjudged = run(stats(10_000, 0), null, {}, { shadow });
    assert.equal(unjudged.verdict, 'pass');
    assert.equal(unjudged.tests.shadow_diff_rate, null);
    assert.equal(
      run(stats(10_000, 0), null, { max_shadow_diff_rate: 0.1 }, { shadow: null }).verdict,
      'pass',
    );
    const few = run(
      stats(10_000, 0),
      null,
      { max_shadow_diff_rate: 0.1 },
      { shadow: { calls: 20, different: 0 } },
    );
    assert.equal(few.verdict, 'inconclusive');
    assert.deepEqual(few.reasons, ['shadow difference rate not yet shown below 10.00%']);
    assert.equal(
      run(stats(10_000, 0), null, { max_shadow_diff_rate: 0.1 }, { shadow: { calls: 100_000, different: 0 } })
        .verdict,
      'pass',
    );
  });

  it('names the rates it saw in its reasons', () => {
    const worse = run(stats(2000, 200), stats(2000, 20), { max_error_rate: 0.5 });
    assert.match(worse.reasons[0]!, /^error rate 10\.00% is worse than the baseline's 1\.00% /);
    assert.deepEqual(run(stats(100_000, 100), stats(100_000, 100)).reasons, [
      'error rate 0.10% vs baseline 0.10%: within +2.00% with confidence 0.99; latency not worse',
    ]);
    assert.deepEqual(run(stats(100_000, 100), null).reasons, [
      'error rate 0.10% is below max_error_rate with confidence 0.99 (no baseline)',
    ]);
    assert.match(run(stats(60, 1), null).reasons[0]!, /^error rate 1\.67% not yet shown below/);
  });

  it('runs no latency test on a canary without calls, and no shadow test without shadow figures', () => {
    const idle = run(stats(0, 0), stats(100, 0));
    assert.equal(idle.tests.latency, null);
    assert.equal(idle.verdict, 'inconclusive');
    const unshadowed = run(stats(10_000, 0), null, { max_shadow_diff_rate: 0.1 });
    assert.equal(unshadowed.verdict, 'pass');
    assert.equal(unshadowed.tests.shadow_diff_rate, null);
  });

  it('takes a p95 that grew by less than a millisecond as noise, however large its ratio', () => {
    // p95 0.975 ms against 0.2425 ms: four times slower, 0.73 ms more.
    const j = run(stats(1000, 0, 6), stats(1000, 0, 4));
    assert.ok(
      j.tests.latency!.p_value < j.tests.latency!.alpha,
      'j.tests.latency!.p_value < j.tests.latency!.alpha',
    );
    assert.equal(j.verdict, 'pass');
  });

  it('lists every failure at once', () => {
    const j = run(stats(1000, 500, 12), stats(1000, 0, 9), { max_p95_ms: 50 });
    assert.equal(j.verdict, 'fail');
    assert.deepEqual(
      j.reasons.map((r) => r.split(' ').slice(0, 4).join(' ')),
      ['error rate 50.00% is', 'error rate 50.00% is', 'latency is worse than', 'p95 97.500 ms is'],
    );
  });

  it('spends a third of 1 − confidence on each test', () => {
    const a = run(stats(500, 0), null, { confidence: 0.9 });
    near(a.tests.error_rate!.upper, proportionInterval(0, 500, 0.1 / 3).upper, 1e-12);
  });
});

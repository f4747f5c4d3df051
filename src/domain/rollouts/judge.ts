import { quantileMs, type CallStats } from './call-stats.js';
import type { AnalysisPolicy } from './rollout-policy.js';

/**
 * The judge (docs/rollouts.md "Method"): a pure decision on a revision's calls against the baseline's
 * since the analysis began, at the `look`-th evaluation.
 *
 * - Error rate: an always-valid (mixture) confidence sequence on the difference of proportions; it may be
 *   looked at after every window without inflating the false-alarm rate. Fail when the whole sequence is
 *   above 0 (worse than the baseline, with confidence); pass needs it wholly below the tolerated increase.
 * - Absolute error rate: the same kind of sequence on the revision's own rate against `max_error_rate`.
 * - Latency: a one-sided Mann-Whitney U test (canary slower) on the latency histograms, its level spent
 *   over looks (α·6/(π²k²) at look k, which sums to α), and practical only when the p95 also grew beyond
 *   `max_p95_ratio` and by at least `MIN_P95_DELTA_MS`.
 * The overall false-alarm budget α = 1 − confidence is split in three equal parts among these.
 */

export type VerdictKind = 'pass' | 'inconclusive' | 'fail';

export interface Figures {
  readonly calls: number;
  readonly errors: number;
  readonly error_rate: number | null;
  readonly p50_ms: number | null;
  readonly p95_ms: number | null;
}

export interface Interval {
  readonly estimate: number;
  readonly lower: number;
  readonly upper: number;
}

export interface JudgeInput {
  /** The revision's calls since its analysis began. */
  readonly canary: CallStats;
  /** The stable revision's calls over the same span; null when there is no stable revision. */
  readonly baseline: CallStats | null;
  /** Shadow comparisons of this revision, when it is shadowed. */
  readonly shadow?: { readonly calls: number; readonly different: number } | null;
  /** 1 for the first evaluation of this analysis, 2 for the next… */
  readonly look: number;
  readonly policy: AnalysisPolicy;
}

export interface Judgement {
  readonly verdict: VerdictKind;
  readonly reasons: readonly string[];
  readonly canary: Figures;
  readonly baseline: Figures | null;
  readonly tests: {
    readonly error_rate: Interval | null;
    readonly error_rate_increase: Interval | null;
    readonly latency: {
      readonly u: number;
      readonly z: number;
      readonly p_value: number;
      readonly alpha: number;
    } | null;
    readonly shadow_diff_rate: Interval | null;
  };
}

/** Prior scale of the effect in the mixture: errors of a few points are what a canary is watched for. */
export const MIXTURE_TAU = 0.1;
/** A p95 that grew by less than this is no regression, whatever the test says (timer noise). */
export const MIN_P95_DELTA_MS = 1;

export const figuresOf = (s: CallStats): Figures => ({
  calls: s.calls,
  errors: s.errors,
  error_rate: s.calls === 0 ? null : s.errors / s.calls,
  p50_ms: quantileMs(s.hist, 0.5),
  p95_ms: quantileMs(s.hist, 0.95),
});

/**
 * Always-valid confidence sequence for a mean estimated with variance `v`, from the normal mixture
 * likelihood ratio (Robbins; Johari et al., "Always valid inference"): θ is excluded once
 * Λ(θ) = √(v/(v+τ²))·exp(τ²(x̂−θ)²/(2v(v+τ²))) ≥ 1/α.
 */
export function mixtureInterval(
  estimate: number,
  variance: number,
  alpha: number,
  tau = MIXTURE_TAU,
): Interval {
  const v = Math.max(variance, 1e-12);
  const t2 = tau * tau;
  const radius = Math.sqrt(((2 * v * (v + t2)) / t2) * (Math.log(1 / alpha) + 0.5 * Math.log(1 + t2 / v)));
  return { estimate, lower: estimate - radius, upper: estimate + radius };
}

/** A proportion shrunk towards ½ by one success and one failure, so that 0 of n has a variance. */
const shrunk = (x: number, n: number) => (x + 1) / (n + 2);

export function proportionInterval(x: number, n: number, alpha: number): Interval {
  const p = shrunk(x, n);
  return mixtureInterval(n === 0 ? 0 : x / n, (p * (1 - p)) / Math.max(n, 1), alpha);
}

export function differenceInterval(c: CallStats, b: CallStats, alpha: number): Interval {
  const pc = shrunk(c.errors, c.calls);
  const pb = shrunk(b.errors, b.calls);
  const variance = (pc * (1 - pc)) / Math.max(c.calls, 1) + (pb * (1 - pb)) / Math.max(b.calls, 1);
  const estimate = (c.calls === 0 ? 0 : c.errors / c.calls) - (b.calls === 0 ? 0 : b.errors / b.calls);
  return mixtureInterval(estimate, variance, alpha);
}

/** Standard normal upper tail, by the Abramowitz-Stegun 7.1.26 erfc approximation (error < 1.5e-7). */
export function normalUpperTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erfc =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) *
    Math.exp(-x * x);
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

/**
 * Mann-Whitney U of the canary against the baseline on binned latencies (ties within a bucket count ½),
 * with the tie-corrected normal approximation; `p_value` is one-sided: "the canary is slower".
 */
export function mannWhitney(canary: readonly number[], baseline: readonly number[]) {
  const n1 = canary.reduce((a, b) => a + b, 0);
  const n2 = baseline.reduce((a, b) => a + b, 0);
  let u = 0;
  let below = 0;
  let ties = 0;
  for (let i = 0; i < canary.length; i++) {
    const c = canary[i] ?? 0;
    const b = baseline[i] ?? 0;
    u += c * (below + 0.5 * b);
    below += b;
    const t = c + b;
    ties += t * t * t - t;
  }
  const n = n1 + n2;
  const mean = (n1 * n2) / 2;
  const variance = n < 2 ? 0 : ((n1 * n2) / 12) * (n + 1 - ties / (n * (n - 1)));
  const z = variance <= 0 ? 0 : (u - mean) / Math.sqrt(variance);
  return { u, z, p_value: variance <= 0 ? 1 : normalUpperTail(z) };
}

/** The level spent at look k so that the sum over all looks is α. */
export const spentAlpha = (alpha: number, look: number): number =>
  (alpha * 6) / (Math.PI * Math.PI * Math.max(1, look) ** 2);

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const ms = (x: number | null) => (x === null ? '—' : `${x.toFixed(3)} ms`);

export function judge(input: JudgeInput): Judgement {
  const { canary, baseline, policy } = input;
  const alpha = (1 - policy.confidence) / 3;
  const cf = figuresOf(canary);
  const bf = baseline === null ? null : figuresOf(baseline);
  const absolute = proportionInterval(canary.errors, canary.calls, alpha);
  const increase =
    baseline === null || baseline.calls === 0 ? null : differenceInterval(canary, baseline, alpha);
  const latency =
    baseline === null || baseline.calls === 0 || canary.calls === 0
      ? null
      : { ...mannWhitney(canary.hist, baseline.hist), alpha: spentAlpha(alpha, input.look) };
  const shadow =
    input.shadow === undefined || input.shadow === null || policy.max_shadow_diff_rate === null
      ? null
      : proportionInterval(input.shadow.different, input.shadow.calls, alpha);
  const tests = { error_rate: absolute, error_rate_increase: increase, latency, shadow_diff_rate: shadow };
  const result = (verdict: VerdictKind, reasons: string[]): Judgement => ({
    verdict,
    reasons,
    canary: cf,
    baseline: bf,
    tests,
  });

  if (canary.calls < policy.min_calls) {
    return result('inconclusive', [`${canary.calls} of the ${policy.min_calls} calls needed so far`]);
  }
  const failures: string[] = [];
  if (absolute.lower > policy.max_error_rate)
    failures.push(
      `error rate ${pct(cf.error_rate ?? 0)} is above max_error_rate ${pct(policy.max_error_rate)} (lower bound ${pct(absolute.lower)})`,
    );
  if (increase !== null && increase.lower > 0)
    failures.push(
      `error rate ${pct(cf.error_rate ?? 0)} is worse than the baseline's ${pct(bf!.error_rate ?? 0)} (increase at least ${pct(increase.lower)})`,
    );
  const p95Ratio =
    bf?.p95_ms === null || bf?.p95_ms === undefined || cf.p95_ms === null || bf.p95_ms === 0
      ? null
      : cf.p95_ms / bf.p95_ms;
  if (
    latency !== null &&
    latency.p_value < latency.alpha &&
    p95Ratio !== null &&
    p95Ratio > policy.max_p95_ratio &&
    cf.p95_ms! - bf!.p95_ms! >= MIN_P95_DELTA_MS
  )
    failures.push(
      `latency is worse than the baseline's (Mann-Whitney p=${latency.p_value.toExponential(2)} < ${latency.alpha.toExponential(2)}; p95 ${ms(cf.p95_ms)} vs ${ms(bf!.p95_ms)}, ratio ${p95Ratio.toFixed(2)} > ${policy.max_p95_ratio})`,
    );
  if (policy.max_p95_ms !== null && cf.p95_ms !== null && cf.p95_ms > policy.max_p95_ms)
    failures.push(`p95 ${ms(cf.p95_ms)} is above max_p95_ms ${policy.max_p95_ms} ms`);
  if (shadow !== null && shadow.lower > policy.max_shadow_diff_rate!)
    failures.push(
      `shadow answers differ in ${pct(shadow.estimate)} of calls, above max_shadow_diff_rate ${pct(policy.max_shadow_diff_rate!)}`,
    );
  if (failures.length > 0) return result('fail', failures);

  const pending: string[] = [];
  if (absolute.upper >= policy.max_error_rate)
    pending.push(
      `error rate ${pct(cf.error_rate ?? 0)} not yet shown below max_error_rate ${pct(policy.max_error_rate)} (upper bound ${pct(absolute.upper)})`,
    );
  if (increase !== null && increase.upper >= policy.max_error_rate_increase)
    pending.push(
      `increase over the baseline not yet shown below ${pct(policy.max_error_rate_increase)} (upper bound ${pct(increase.upper)})`,
    );
  if (shadow !== null && shadow.upper >= policy.max_shadow_diff_rate!)
    pending.push(`shadow difference rate not yet shown below ${pct(policy.max_shadow_diff_rate!)}`);
  if (pending.length > 0) return result('inconclusive', pending);
  return result('pass', [
    baseline === null
      ? `error rate ${pct(cf.error_rate ?? 0)} is below max_error_rate with confidence ${policy.confidence} (no baseline)`
      : `error rate ${pct(cf.error_rate ?? 0)} vs baseline ${pct(bf!.error_rate ?? 0)}: within +${pct(policy.max_error_rate_increase)} with confidence ${policy.confidence}; latency not worse`,
  ]);
}

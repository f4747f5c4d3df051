/**
 * Judge quality by simulation (docs/benchmarks.md, "Rollout judge"): 200 simulated rollouts per scenario
 * (a healthy canary; +2, +5 and +10 error-rate points; +50% latency), each judged window after window by
 * the sequential judge (src/domain/rollouts/judge.ts, with the default policy) and, on the same calls, by a
 * fixed-threshold judge of the kind Flagger runs. Reports false rollbacks, detection rate and the canary
 * calls each needed to decide (median, p90). Pure computation: the machine's load does not change it.
 */
import { emptyStats, recordCall, addStats, type CallStats } from '../src/domain/rollouts/call-stats.js';
import { judge } from '../src/domain/rollouts/judge.js';
import { DEFAULT_ANALYSIS, type AnalysisPolicy } from '../src/domain/rollouts/rollout-policy.js';
import { quantileMs } from '../src/domain/rollouts/call-stats.js';

const ROLLOUTS = Number(process.env.ROLLOUTS ?? 200);
const WINDOW_CALLS = 500; // calls per interval, all revisions
const CANARY_SHARE = 0.1; // FABRICA_CANARY_PERCENT's default
const MAX_WINDOWS = 200; // 100,000 calls: undecided beyond
const BASE_ERROR = 0.01;
const BASE_MEDIAN_MS = 20;

/** A seeded generator (mulberry32), so that a run is reproducible. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const lognormal = (r: () => number, median: number) => {
  const z = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  return median * Math.exp(0.5 * z);
};

interface Scenario {
  readonly name: string;
  readonly errorRate: number;
  readonly latencyFactor: number;
  readonly regressed: boolean;
}
const SCENARIOS: Scenario[] = [
  { name: 'healthy', errorRate: BASE_ERROR, latencyFactor: 1, regressed: false },
  { name: '+2 points', errorRate: BASE_ERROR + 0.02, latencyFactor: 1, regressed: true },
  { name: '+5 points', errorRate: BASE_ERROR + 0.05, latencyFactor: 1, regressed: true },
  { name: '+10 points', errorRate: BASE_ERROR + 0.1, latencyFactor: 1, regressed: true },
  { name: '+50% latency', errorRate: BASE_ERROR, latencyFactor: 1.5, regressed: true },
];

type Outcome = { decision: 'rollback' | 'promote' | 'undecided'; canaryCalls: number };

function window(r: () => number, s: Scenario) {
  const canary = emptyStats();
  const baseline = emptyStats();
  for (let i = 0; i < WINDOW_CALLS; i++) {
    if (r() < CANARY_SHARE)
      recordCall(canary, lognormal(r, BASE_MEDIAN_MS * s.latencyFactor), r() < s.errorRate);
    else recordCall(baseline, lognormal(r, BASE_MEDIAN_MS), r() < BASE_ERROR);
  }
  return { canary, baseline };
}

function sequential(seed: number, s: Scenario, policy: AnalysisPolicy): Outcome {
  const r = rng(seed);
  const canary = emptyStats();
  const baseline = emptyStats();
  let streak = 0;
  for (let look = 1; look <= MAX_WINDOWS; look++) {
    const w = window(r, s);
    addStats(canary, w.canary);
    addStats(baseline, w.baseline);
    const v = judge({ canary, baseline, look, policy }).verdict;
    if (v === 'fail') return { decision: 'rollback', canaryCalls: canary.calls };
    streak = v === 'pass' ? streak + 1 : 0;
    if (streak >= policy.passes_to_promote) return { decision: 'promote', canaryCalls: canary.calls };
  }
  return { decision: 'undecided', canaryCalls: canary.calls };
}

/**
 * The fixed-threshold judge, on the same calls (same seed): each window on its own, a check fails when the
 * canary's error rate exceeds the baseline's by more than `max_error_rate_increase`, or exceeds
 * `max_error_rate`, or its p95 exceeds `max_p95_ratio` × the baseline's; two failed checks roll back
 * (Flagger's `threshold`), `passes_to_promote` passing windows in a row promote. Windows below
 * `min_calls` canary calls are pooled with the next.
 */
function fixed(seed: number, s: Scenario, policy: AnalysisPolicy, failedChecksToRollback = 2): Outcome {
  const r = rng(seed);
  let total = 0;
  let failed = 0;
  let streak = 0;
  let pending: { canary: CallStats; baseline: CallStats } | null = null;
  for (let look = 1; look <= MAX_WINDOWS; look++) {
    const w = window(r, s);
    total += w.canary.calls;
    if (pending === null) pending = w;
    else {
      addStats(pending.canary, w.canary);
      addStats(pending.baseline, w.baseline);
    }
    if (pending.canary.calls < policy.min_calls) continue;
    const { canary, baseline } = pending;
    pending = null;
    const ce = canary.errors / canary.calls;
    const be = baseline.errors / Math.max(1, baseline.calls);
    const cp = quantileMs(canary.hist, 0.95) ?? 0;
    const bp = quantileMs(baseline.hist, 0.95) ?? 0;
    const bad =
      ce - be > policy.max_error_rate_increase ||
      ce > policy.max_error_rate ||
      cp > bp * policy.max_p95_ratio;
    if (bad) {
      failed += 1;
      streak = 0;
      if (failed >= failedChecksToRollback) return { decision: 'rollback', canaryCalls: total };
    } else {
      streak += 1;
      if (streak >= policy.passes_to_promote) return { decision: 'promote', canaryCalls: total };
    }
  }
  return { decision: 'undecided', canaryCalls: total };
}

const pct = (n: number, of: number) => `${((100 * n) / of).toFixed(1)}%`;
const quantile = (xs: number[], q: number) => {
  if (xs.length === 0) return '—';
  const s = [...xs].sort((a, b) => a - b);
  return String(s[Math.min(s.length - 1, Math.floor(q * s.length))]);
};

const rows: string[] = [];
rows.push(
  '| scenario | judge | rolled back | promoted | undecided | canary calls to decide, median | p90 |',
  '| --- | --- | --- | --- | --- | --- | --- |',
);
for (const s of SCENARIOS) {
  for (const [name, run] of [
    ['sequential', (seed: number) => sequential(seed, s, DEFAULT_ANALYSIS)],
    ['fixed threshold', (seed: number) => fixed(seed, s, DEFAULT_ANALYSIS)],
    // Wider windows bring the fixed judge's false rollbacks down: the price of its error rate in calls.
    ['fixed, 500-call windows', (seed: number) => fixed(seed, s, { ...DEFAULT_ANALYSIS, min_calls: 500 })],
  ] as const) {
    const outcomes = Array.from({ length: ROLLOUTS }, (_, i) => run(1000 + i));
    const n = (d: Outcome['decision']) => outcomes.filter((o) => o.decision === d).length;
    const decided = outcomes.filter((o) => o.decision !== 'undecided').map((o) => o.canaryCalls);
    rows.push(
      `| ${s.name} | ${name} | ${pct(n('rollback'), ROLLOUTS)} | ${pct(n('promote'), ROLLOUTS)} | ${pct(n('undecided'), ROLLOUTS)} | ${quantile(decided, 0.5)} | ${quantile(decided, 0.9)} |`,
    );
  }
}
process.stdout.write(
  `Rollout judge: ${ROLLOUTS} rollouts per scenario, baseline error rate ${BASE_ERROR * 100}%, latency lognormal (median ${BASE_MEDIAN_MS} ms, σ 0.5), ` +
    `${WINDOW_CALLS} calls per window, canary share ${CANARY_SHARE * 100}%, default policy (confidence ${DEFAULT_ANALYSIS.confidence}, min_calls ${DEFAULT_ANALYSIS.min_calls}, passes_to_promote ${DEFAULT_ANALYSIS.passes_to_promote}), at most ${MAX_WINDOWS} windows.\n\n` +
    rows.join('\n') +
    '\n',
);

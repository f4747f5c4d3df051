/**
 * Per-revision call statistics as the judge and `GET …/stats` read them: calls, errors and a latency
 * histogram with fixed bucket bounds (so rollups of any instance and any minute add up exactly).
 */

/** Upper bounds of the latency buckets in ms; the last bucket is everything above the last bound. */
export const LATENCY_BOUNDS_MS: readonly number[] = [
  0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000,
];
export const BUCKETS = LATENCY_BOUNDS_MS.length + 1;

export interface CallStats {
  calls: number;
  errors: number;
  /** Counts per latency bucket, `BUCKETS` long. */
  hist: number[];
}

export const emptyStats = (): CallStats => ({
  calls: 0,
  errors: 0,
  hist: new Array<number>(BUCKETS).fill(0),
});

export function bucketOf(ms: number): number {
  // Binary search: the first bound at or above `ms`.
  let lo = 0;
  let hi = LATENCY_BOUNDS_MS.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ms <= LATENCY_BOUNDS_MS[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function recordCall(s: CallStats, ms: number, failed: boolean): void {
  s.calls += 1;
  if (failed) s.errors += 1;
  s.hist[bucketOf(ms)]! += 1;
}

export function addStats(into: CallStats, from: CallStats): CallStats {
  into.calls += from.calls;
  into.errors += from.errors;
  for (let i = 0; i < BUCKETS; i++) into.hist[i]! += from.hist[i] ?? 0;
  return into;
}

/** A histogram read back from storage: any other length is padded or cut (bounds only ever grow at the end). */
export const normaliseHist = (raw: unknown): number[] => {
  const out = new Array<number>(BUCKETS).fill(0);
  if (Array.isArray(raw)) raw.slice(0, BUCKETS).forEach((v, i) => (out[i] = Number(v) || 0));
  return out;
};

/**
 * The q-quantile of a histogram in ms, interpolated linearly inside its bucket; null with no calls. The
 * open last bucket answers its lower bound.
 */
export function quantileMs(hist: readonly number[], q: number): number | null {
  const total = hist.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    const n = hist[i]!;
    if (n > 0 && seen + n >= rank) {
      const lower = i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1]!;
      const upper = LATENCY_BOUNDS_MS[i] ?? lower;
      const within = Math.min(1, Math.max(0, (rank - seen) / n));
      return lower + (upper - lower) * within;
    }
    seen += n;
  }
  return LATENCY_BOUNDS_MS.at(-1)!;
}

export const MINUTE_MS = 60_000;
export const minuteOf = (ms: number): number => Math.floor(ms / MINUTE_MS);

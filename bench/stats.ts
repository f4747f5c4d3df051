/**
 * Milliseconds on the process-wide monotonic clock (`process.hrtime`): the same on every thread of
 * the process, so a timestamp taken by the producer can be compared with one taken by a subscriber.
 */
export function nowMs(): number {
  const [s, ns] = process.hrtime();
  return s * 1e3 + ns / 1e6;
}

export interface Distribution {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** The nearest-rank `q` quantile of sorted samples (NaN if there are none). */
const nearestRank = (sorted: Float64Array, q: number): number =>
  sorted.length === 0
    ? NaN
    : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;

/** Nearest-rank percentiles of a set of samples (sorted in place). */
export function distribution(samples: Float64Array): Distribution {
  const n = samples.length;
  if (n === 0) return { count: 0, p50: NaN, p99: NaN, max: NaN, mean: NaN };
  samples.sort();
  const at = (q: number) => nearestRank(samples, q);
  let sum = 0;
  for (const v of samples) sum += v;
  return { count: n, p50: at(0.5), p99: at(0.99), max: samples[n - 1]!, mean: sum / n };
}

export interface PairedShare {
  /** Median over rounds of `a ÷ b`, each from the two cases' slices of one round. */
  readonly median: number;
  /** First and third quartiles of the same. */
  readonly q1: number;
  readonly q3: number;
  readonly rounds: number;
}

/**
 * `a`'s throughput as a share of `b`'s, round by round: the slices of one round run within seconds of each
 * other, so a burst of load elsewhere on the machine moves one round's ratio instead of one case's total.
 */
export function pairedShare(a: readonly number[], b: readonly number[]): PairedShare {
  const ratios = Float64Array.from(
    a.flatMap((v, i) => (b[i] === undefined || b[i] === 0 ? [] : [v / b[i]])),
  ).sort();
  const at = (q: number) => nearestRank(ratios, q);
  return { median: at(0.5), q1: at(0.25), q3: at(0.75), rounds: ratios.length };
}

/** Joins several sample arrays into one. */
export function concat(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export const round = (v: number, digits = 2): number =>
  Number.isFinite(v) ? Math.round(v * 10 ** digits) / 10 ** digits : v;

/** A growable list of samples, stored unboxed. */
export class Samples {
  #data: Float64Array;
  #length = 0;

  constructor(capacity = 1 << 16) {
    this.#data = new Float64Array(capacity);
  }

  push(v: number): void {
    if (this.#length === this.#data.length) {
      const bigger = new Float64Array(this.#data.length * 2);
      bigger.set(this.#data);
      this.#data = bigger;
    }
    this.#data[this.#length++] = v;
  }

  get length(): number {
    return this.#length;
  }

  /** A copy of the samples so far. */
  toArray(): Float64Array {
    return this.#data.slice(0, this.#length);
  }
}

/**
 * The search over a cell's settings (docs/training.md): which parameters may change and how, the
 * candidates each strategy proposes, and the order trials run in. Pure and seeded: the same job, seed
 * and iteration always give the same candidates and the same schedule, so a resumed job redoes exactly
 * the trial it had not finished.
 */

export const STRATEGIES = ['grid', 'random', 'halving'] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** A numeric range (linear or log, optionally integer) or a list of values to choose from. */
export type ParamSpec =
  | {
      readonly kind: 'range';
      readonly min: number;
      readonly max: number;
      readonly scale: 'linear' | 'log';
      readonly integer: boolean;
      /** Grid points over the range. */
      readonly steps: number;
    }
  | { readonly kind: 'choice'; readonly values: readonly unknown[] };

/** Parameter name (`confidence_threshold` or `metadata.<key>`) → how it may vary, in a stable order. */
export type Space = readonly (readonly [name: string, spec: ParamSpec])[];

/** One set of settings to try: parameter name → value. */
export type Candidate = Readonly<Record<string, unknown>>;

/** A 32-bit hash of a string (FNV-1a): seeds the generator from the job's seed and a position. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: a small, fast, seeded generator of numbers in [0, 1). */
export function seededRandom(seed: number | string): () => number {
  let a = typeof seed === 'number' ? seed >>> 0 : hash32(seed);
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Rounds away floating-point noise so candidates print and compare as people wrote them. */
const tidy = (x: number): number => Number(x.toPrecision(6));

function fromUnit(spec: Extract<ParamSpec, { kind: 'range' }>, u: number): number {
  const x =
    spec.scale === 'log'
      ? Math.exp(Math.log(spec.min) + u * (Math.log(spec.max) - Math.log(spec.min)))
      : spec.min + u * (spec.max - spec.min);
  return spec.integer ? Math.round(x) : tidy(x);
}

/** The grid points of one parameter, without repeats. */
export function gridValues(spec: ParamSpec): unknown[] {
  if (spec.kind === 'choice') return [...spec.values];
  const n = Math.max(1, spec.steps);
  const points = Array.from({ length: n }, (_, i) => fromUnit(spec, n === 1 ? 0 : i / (n - 1)));
  return [...new Set(points)];
}

/** Every combination of the parameters' grid points, the first parameter varying slowest. */
export function fullGrid(space: Space): Candidate[] {
  let out: Record<string, unknown>[] = [{}];
  for (const [name, spec] of space) {
    const values = gridValues(spec);
    out = out.flatMap((c) => values.map((v) => ({ ...c, [name]: v })));
  }
  return out;
}

/** One random candidate drawn with `random`. */
export function sampleCandidate(space: Space, random: () => number): Candidate {
  const c: Record<string, unknown> = {};
  for (const [name, spec] of space) {
    const u = random();
    c[name] =
      spec.kind === 'choice'
        ? spec.values[Math.min(spec.values.length - 1, Math.floor(u * spec.values.length))]
        : fromUnit(spec, u);
  }
  return c;
}

/**
 * The candidates of one iteration (0-based): for `grid` the next `perIteration` points of the full grid
 * (none once the grid is used up), for `random` and `halving` `perIteration` draws seeded by the job's
 * seed and the iteration.
 */
export function iterationCandidates(
  strategy: Strategy,
  space: Space,
  perIteration: number,
  seed: number,
  iteration: number,
): Candidate[] {
  if (strategy === 'grid')
    return fullGrid(space).slice(iteration * perIteration, (iteration + 1) * perIteration);
  const random = seededRandom(`${seed}:${iteration}`);
  return Array.from({ length: perIteration }, () => sampleCandidate(space, random));
}

/** A finished trial: one candidate scored on the first `size` training examples at one rung. */
export interface TrialResult {
  readonly candidate: number;
  readonly rung: number;
  readonly size: number;
  readonly score: number;
}

export interface NextTrial {
  readonly candidate: number;
  readonly rung: number;
  readonly size: number;
}

/** How many rungs successive halving climbs for `n` candidates: 8 → 4 (8, 4, 2, 1 survivors). */
export const rungsFor = (n: number): number => (n <= 1 ? 1 : Math.ceil(Math.log2(n)) + 1);

/** The subset size of a rung: halves from the full training set down, at least one example. */
export const rungSize = (rung: number, rungs: number, trainSize: number): number =>
  Math.max(1, Math.ceil(trainSize / 2 ** (rungs - 1 - rung)));

/** The best first, ties to the earlier candidate. */
const ranked = (trials: readonly TrialResult[]): TrialResult[] =>
  [...trials].sort((a, b) => b.score - a.score || a.candidate - b.candidate);

/**
 * The trial to run next, given those finished, or null when the iteration's search is done. `grid` and
 * `random` score every candidate on the whole training set, in order. `halving` scores all of them on a
 * small prefix of it, keeps the better half on a prefix twice as long, and so on up to the whole set.
 */
export function nextTrial(
  strategy: Strategy,
  candidates: number,
  trainSize: number,
  done: readonly TrialResult[],
): NextTrial | null {
  if (strategy !== 'halving') {
    for (let i = 0; i < candidates; i++) {
      if (!done.some((t) => t.candidate === i)) return { candidate: i, rung: 0, size: trainSize };
    }
    return null;
  }
  const rungs = rungsFor(candidates);
  let survivors = Array.from({ length: candidates }, (_, i) => i);
  for (let rung = 0; rung < rungs; rung++) {
    const size = rungSize(rung, rungs, trainSize);
    const here = done.filter((t) => t.rung === rung);
    const pending = survivors.find((c) => !here.some((t) => t.candidate === c));
    if (pending !== undefined) return { candidate: pending, rung, size };
    const keep = Math.max(1, Math.ceil(candidates / 2 ** (rung + 1)));
    survivors = ranked(here.filter((t) => survivors.includes(t.candidate)))
      .slice(0, keep)
      .map((t) => t.candidate);
  }
  return null;
}

/** The search's winner: the best candidate among those scored on the whole training set. */
export function bestTrial(trials: readonly TrialResult[], trainSize: number): TrialResult | null {
  return ranked(trials.filter((t) => t.size === trainSize))[0] ?? null;
}

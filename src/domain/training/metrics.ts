import { canonicalJson } from '../cells/cell-template.js';

/** The metrics a training job scores a cell with (docs/training.md). Every score is in [0, 1]. */
export const METRICS = ['exact', 'accuracy', 'macro_f1', 'contains', 'similarity'] as const;
export type Metric = (typeof METRICS)[number];

/** What a metric needs of a cell's output: a `{label}` object, a string, or anything. */
export type OutputKind = 'label' | 'text' | 'any';

export const METRIC_NEEDS: Readonly<Record<Metric, OutputKind>> = {
  exact: 'any',
  accuracy: 'label',
  macro_f1: 'label',
  contains: 'text',
  similarity: 'text',
};

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The label of a classifier's output (`{label, …}`), or null when the output carries none. */
export const labelOf = (output: unknown): string | null =>
  isRecord(output) && typeof output['label'] === 'string' ? output['label'] : null;

/** Whether an output has what the metric compares; the reason when it has not. */
export function fitsMetric(metric: Metric, output: unknown): string | null {
  const need = METRIC_NEEDS[metric];
  if (need === 'label' && labelOf(output) === null)
    return `${metric} compares labels, and the cell's output has no "label"`;
  if (need === 'text' && typeof output !== 'string')
    return `${metric} compares text, and the cell's output is not a string`;
  return null;
}

/**
 * The value an example's expectation is compared with: a classifier's label when the expectation is a
 * string (so `"weather"` matches `{label: "weather", confidence: …}`), else the output itself.
 */
const comparable = (output: unknown, expected: unknown): unknown =>
  typeof expected === 'string' && labelOf(output) !== null ? labelOf(output) : output;

/** Levenshtein distance over code points, in O(min(a, b)) memory. */
export function editDistance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  if (x.length < y.length) return editDistance(b, a);
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost));
    }
    prev = cur;
  }
  return prev[y.length]!;
}

/** 1 − distance / longer length: 1 for equal strings, 0 for nothing in common; two empty strings are 1. */
export function similarity(a: string, b: string): number {
  const longest = Math.max([...a].length, [...b].length);
  return longest === 0 ? 1 : 1 - editDistance(a, b) / longest;
}

/**
 * One example's score in [0, 1]. `accuracy` and `macro_f1` score an example 1 when its label is the
 * expected one (macro F1 is only defined over the whole set: see `score`). `contains` wants every
 * expected string (one, or a list) inside the output, case-insensitively.
 */
export function exampleScore(metric: Metric, output: unknown, expected: unknown): number {
  const value = comparable(output, expected);
  switch (metric) {
    case 'exact':
    case 'accuracy':
    case 'macro_f1':
      return canonicalJson(value) === canonicalJson(expected) ? 1 : 0;
    case 'contains': {
      if (typeof value !== 'string') return 0;
      const wanted = Array.isArray(expected) ? expected : [expected];
      const text = value.toLowerCase();
      return wanted.every((w) => typeof w === 'string' && text.includes(w.toLowerCase())) ? 1 : 0;
    }
    case 'similarity':
      return typeof value === 'string' && typeof expected === 'string' ? similarity(value, expected) : 0;
  }
}

/** An output that failed (a cell error) is `null`: it scores 0 and predicts no label. */
export interface Scored {
  readonly output: unknown;
  readonly expected: unknown;
}

/** Macro-averaged F1 over every label that is expected or predicted. */
export function macroF1(pairs: readonly Scored[]): number {
  const key = (v: unknown) => (typeof v === 'string' ? v : canonicalJson(v));
  const tp = new Map<string, number>();
  const fp = new Map<string, number>();
  const fn = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const p of pairs) {
    const truth = key(p.expected);
    const guess = key(comparable(p.output, p.expected));
    if (truth === guess) bump(tp, truth);
    else {
      bump(fn, truth);
      bump(fp, guess);
    }
  }
  const labels = new Set([...tp.keys(), ...fp.keys(), ...fn.keys()]);
  if (labels.size === 0) return 0;
  let sum = 0;
  for (const l of labels) {
    const t = tp.get(l) ?? 0;
    const denominator = 2 * t + (fp.get(l) ?? 0) + (fn.get(l) ?? 0);
    sum += denominator === 0 ? 0 : (2 * t) / denominator;
  }
  return sum / labels.size;
}

/** The set's score: the mean of the examples' scores, or macro F1 for `macro_f1`. Empty sets score 0. */
export function score(metric: Metric, pairs: readonly Scored[]): number {
  if (pairs.length === 0) return 0;
  if (metric === 'macro_f1') return macroF1(pairs);
  return pairs.reduce((s, p) => s + exampleScore(metric, p.output, p.expected), 0) / pairs.length;
}

/** One sample of the Prometheus text format: `name{label="v",…} value`. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses `GET /metrics` (comments and malformed lines are skipped). */
export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (m === null) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) {
      labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    const raw = m[3]!;
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    out.push({ name: m[1]!, labels, value });
  }
  return out;
}

/** The sum of every series of `name` (a counter over all its labels). */
export const sumOf = (samples: readonly Sample[], name: string): number =>
  samples.reduce((s, x) => (x.name === name ? s + x.value : s), 0);

export interface Histogram {
  /** Observations per bucket, not cumulative: `le` is the bucket's upper bound (Infinity for the last). */
  readonly buckets: readonly { readonly le: number; readonly count: number }[];
  readonly count: number;
  readonly sum: number;
}

/** A histogram summed over its labels, with per-bucket (not cumulative) counts. */
export function histogramOf(samples: readonly Sample[], name: string): Histogram {
  const cumulative = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${name}_bucket` || s.labels.le === undefined) continue;
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    cumulative.set(le, (cumulative.get(le) ?? 0) + s.value);
  }
  const sorted = [...cumulative.entries()].sort((a, b) => a[0] - b[0]);
  const buckets = sorted.map(([le, c], i) => ({ le, count: c - (i === 0 ? 0 : sorted[i - 1]![1]) }));
  return { buckets, count: sumOf(samples, `${name}_count`), sum: sumOf(samples, `${name}_sum`) };
}

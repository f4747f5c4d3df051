import type { Registry } from 'prom-client';

/**
 * Labelled counters and histograms for hot paths. prom-client's own hash their label set on every
 * observation (also through a child from `labels()`), which costs more than a whole cell call; here a
 * caller resolves a series once and then only does arithmetic on it. The registry reads the numbers when
 * it is scraped, so the exposition is the same as prom-client's.
 */

export interface CounterSeries {
  inc(by?: number): void;
}

export interface HistogramSeries {
  observe(value: number): void;
}

/** A sample as prom-client's registry renders it. */
interface Sample {
  readonly value: number;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly metricName?: string;
}

type Labels<L extends string> = Readonly<Record<L, string>>;

/** What prom-client's registry asks of a metric: a name, and its samples at scrape time. */
abstract class ScrapedMetric<L extends string, S> {
  readonly #series = new Map<string, { readonly labels: Labels<L>; readonly value: S }>();
  readonly #labelNames: readonly L[];

  constructor(
    registry: Registry,
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'histogram',
    labelNames: readonly L[],
  ) {
    this.#labelNames = labelNames;
    if (registry.getSingleMetric(name) !== undefined) throw new Error(`metric ${name} is already registered`);
    registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /** The series of these label values, made on first use; keep it rather than asking on every call. */
  series(labels: Labels<L>): S {
    const key = this.#labelNames.map((n) => labels[n]).join('\u0000');
    let s = this.#series.get(key);
    if (s === undefined) {
      s = { labels: { ...labels }, value: this.create() };
      this.#series.set(key, s);
    }
    return s.value;
  }

  protected abstract create(): S;
  protected abstract samples(series: S, labels: Labels<L>): Sample[];

  /** prom-client's registry calls this on every scrape. */
  get(): { name: string; help: string; type: string; aggregator: 'sum'; values: Sample[] } {
    const values = [...this.#series.values()].flatMap((s) => this.samples(s.value, s.labels));
    return { name: this.name, help: this.help, type: this.type, aggregator: 'sum', values };
  }
}

class CounterValue implements CounterSeries {
  value = 0;
  inc(by = 1): void {
    this.value += by;
  }
}

export class SeriesCounter<L extends string> extends ScrapedMetric<L, CounterValue> {
  constructor(registry: Registry, name: string, help: string, labelNames: readonly L[]) {
    super(registry, name, help, 'counter', labelNames);
  }
  protected create(): CounterValue {
    return new CounterValue();
  }
  protected samples(s: CounterValue, labels: Labels<L>): Sample[] {
    return [{ value: s.value, labels }];
  }
}

class HistogramValue implements HistogramSeries {
  count = 0;
  sum = 0;
  /** Per bucket here; cumulative on export. */
  readonly buckets: Float64Array;
  readonly #bounds: readonly number[];
  constructor(bounds: readonly number[]) {
    this.#bounds = bounds;
    this.buckets = new Float64Array(bounds.length);
  }
  observe(value: number): void {
    this.count += 1;
    this.sum += value;
    const bounds = this.#bounds;
    for (let i = 0; i < bounds.length; i += 1) {
      if (value <= bounds[i]!) {
        this.buckets[i]! += 1;
        return;
      }
    }
  }
}

export class SeriesHistogram<L extends string> extends ScrapedMetric<L, HistogramValue> {
  readonly #bounds: readonly number[];
  constructor(
    registry: Registry,
    name: string,
    help: string,
    labelNames: readonly L[],
    buckets: readonly number[],
  ) {
    super(registry, name, help, 'histogram', labelNames);
    this.#bounds = [...buckets].sort((a, b) => a - b);
  }
  protected create(): HistogramValue {
    return new HistogramValue(this.#bounds);
  }
  protected samples(s: HistogramValue, labels: Labels<L>): Sample[] {
    const out: Sample[] = [];
    const bucket = `${this.name}_bucket`;
    let cumulative = 0;
    this.#bounds.forEach((le, i) => {
      cumulative += s.buckets[i]!;
      out.push({ value: cumulative, labels: { le, ...labels }, metricName: bucket });
    });
    out.push({ value: s.count, labels: { le: '+Inf', ...labels }, metricName: bucket });
    out.push({ value: s.sum, labels, metricName: `${this.name}_sum` });
    out.push({ value: s.count, labels, metricName: `${this.name}_count` });
    return out;
  }
}

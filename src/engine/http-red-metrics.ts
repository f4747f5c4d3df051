import type { Registry } from 'prom-client';

/** HTTP latency from sub-millisecond answers to slow streams' first byte. */
const HTTP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** The counts of one method, route template and status. Buckets are per bucket here, cumulative on export. */
interface Series {
  readonly labels: Readonly<{ method: string; route: string; status: string }>;
  requests: number;
  sum: number;
  readonly buckets: Float64Array;
}

/** Where one route's answers are counted; resolved once per route, so a request only does arithmetic. */
export interface HttpRouteRecorder {
  observe(method: string, status: number, seconds: number): void;
}

/** A sample as prom-client's registry renders it. */
interface Sample {
  readonly value: number;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly metricName?: string;
}

/**
 * The RED series of the HTTP API (requests, errors, duration by method, route template and status), kept
 * in plain numbers and handed to the prom-client registry only when it is scraped. prom-client's own
 * counters and histograms hash their label set on every observation, which cost more than the rest of a
 * request's bookkeeping; here a request finds its series with one lookup by status.
 */
export class HttpRedMetrics {
  readonly #series: Series[] = [];
  readonly #routes = new Map<string, HttpRouteRecorder>();

  constructor(registry: Registry) {
    const series = this.#series;
    const metric = (name: string, help: string, type: string, values: () => Sample[]) => ({
      name,
      help,
      type,
      aggregator: 'sum',
      get: () => ({ name, help, type, aggregator: 'sum', values: values() }),
    });
    const register = (m: ReturnType<typeof metric>) =>
      registry.registerMetric(m as unknown as Parameters<Registry['registerMetric']>[0]);
    register(
      metric('http_requests_total', 'HTTP requests answered.', 'counter', () =>
        series.map((s) => ({ value: s.requests, labels: s.labels })),
      ),
    );
    register(
      metric(
        'http_request_errors_total',
        'HTTP requests answered with a status of 400 or more (client and server errors).',
        'counter',
        () =>
          series
            .filter((s) => Number(s.labels.status) >= 400)
            .map((s) => ({ value: s.requests, labels: s.labels })),
      ),
    );
    const name = 'http_request_duration_seconds';
    register(
      metric(name, 'Time from receiving a request to sending its response.', 'histogram', () =>
        series.flatMap((s) => histogramSamples(name, s)),
      ),
    );
  }

  /** The recorder of one route template (`/capabilities/:name`), or of requests that matched no route. */
  route(route: string): HttpRouteRecorder {
    let recorder = this.#routes.get(route);
    if (recorder === undefined) {
      recorder = this.#recorder(route);
      this.#routes.set(route, recorder);
    }
    return recorder;
  }

  #recorder(route: string): HttpRouteRecorder {
    const byKey = new Map<number, Series>();
    const all = this.#series;
    // Methods are few and statuses are below 1000: one number keys both.
    const methods: string[] = [];
    return {
      observe(method, status, seconds) {
        let m = methods.indexOf(method);
        if (m < 0) m = methods.push(method) - 1;
        const key = m * 1000 + status;
        let s = byKey.get(key);
        if (s === undefined) {
          s = {
            labels: { method, route, status: String(status) },
            requests: 0,
            sum: 0,
            buckets: new Float64Array(HTTP_BUCKETS.length),
          };
          byKey.set(key, s);
          all.push(s);
        }
        s.requests += 1;
        s.sum += seconds;
        for (let i = 0; i < HTTP_BUCKETS.length; i += 1) {
          if (seconds <= HTTP_BUCKETS[i]!) {
            s.buckets[i]! += 1;
            break;
          }
        }
      },
    };
  }
}

function histogramSamples(name: string, s: Series): Sample[] {
  const out: Sample[] = [];
  let cumulative = 0;
  HTTP_BUCKETS.forEach((le, i) => {
    cumulative += s.buckets[i]!;
    out.push({ value: cumulative, labels: { le, ...s.labels }, metricName: `${name}_bucket` });
  });
  out.push({ value: s.requests, labels: { le: '+Inf', ...s.labels }, metricName: `${name}_bucket` });
  out.push({ value: s.sum, labels: s.labels, metricName: `${name}_sum` });
  out.push({ value: s.requests, labels: s.labels, metricName: `${name}_count` });
  return out;
}

import type { Registry } from 'prom-client';
import {
  SeriesCounter,
  SeriesHistogram,
  type CounterSeries,
  type HistogramSeries,
} from './series-metrics.js';

/** HTTP latency from sub-millisecond answers to slow streams' first byte. */
const HTTP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type RedLabel = 'method' | 'route' | 'status';

/** Where one route's answers are counted; resolved once per route, so a request only does arithmetic. */
export interface HttpRouteRecorder {
  observe(method: string, status: number, seconds: number): void;
}

interface RedSeries {
  readonly requests: CounterSeries;
  readonly errors: CounterSeries | null;
  readonly duration: HistogramSeries;
}

/**
 * The RED series of the HTTP API: requests, errors (status 400 or more) and duration, by method, route
 * template and status. A route's recorder finds a request's series with one lookup by method and status.
 */
export class HttpRedMetrics {
  readonly #requests: SeriesCounter<RedLabel>;
  readonly #errors: SeriesCounter<RedLabel>;
  readonly #duration: SeriesHistogram<RedLabel>;
  readonly #routes = new Map<string, HttpRouteRecorder>();

  constructor(registry: Registry) {
    const labels = ['method', 'route', 'status'] as const;
    this.#requests = new SeriesCounter(registry, 'http_requests_total', 'HTTP requests answered.', labels);
    this.#errors = new SeriesCounter(
      registry,
      'http_request_errors_total',
      'HTTP requests answered with a status of 400 or more (client and server errors).',
      labels,
    );
    this.#duration = new SeriesHistogram(
      registry,
      'http_request_duration_seconds',
      'Time from receiving a request to sending its response.',
      labels,
      HTTP_BUCKETS,
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
    const byKey = new Map<number, RedSeries>();
    // Methods are few and statuses below 1000: one number keys both.
    const methods: string[] = [];
    return {
      observe: (method, status, seconds) => {
        let m = methods.indexOf(method);
        if (m < 0) m = methods.push(method) - 1;
        const key = m * 1000 + status;
        let s = byKey.get(key);
        if (s === undefined) {
          const labels = { method, route, status: String(status) };
          s = {
            requests: this.#requests.series(labels),
            errors: status >= 400 ? this.#errors.series(labels) : null,
            duration: this.#duration.series(labels),
          };
          byKey.set(key, s);
        }
        s.requests.inc();
        s.errors?.inc();
        s.duration.observe(seconds);
      },
    };
  }
}

import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
} from 'prom-client';
import type { EventRecord } from '../../domain/event.js';
import { HttpRedMetrics, type HttpRouteRecorder } from './http-red-metrics.js';
import { SeriesCounter, SeriesHistogram } from './series-metrics.js';

/** Store transactions: SQLite commits take well under a millisecond, PostgreSQL round trips a few. */
const STORE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** Timer lateness: on time is a few ms; a backlog after a restart can be minutes. */
const LATENESS_BUCKETS = [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300];

const LINT_FAILING_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** The route label of requests that matched no route: raw URLs never become labels (unbounded cardinality). */
export const UNMATCHED_ROUTE = 'unmatched';

export type WatchdogKind = 'event_loop' | 'timer';
export type AlarmLevel = 'soft' | 'hard';

/** What a metric is asked for by an area; the registry is always this instance's. */
type Config<C> = Omit<C, 'registers' | 'name' | 'help'>;

/**
 * One Prometheus registry per fabrica instance (never prom-client's global default registry: several
 * instances share a test process). Holds the RED, store, event log, timer and watchdog series, and lets
 * later areas register their own (`factory_*`, `organ_build_*`) through `counter`/`gauge`/`histogram`.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly #http: HttpRedMetrics;
  readonly #storeTx: Histogram<'outcome'>;
  readonly #events: Counter<'type'>;
  readonly #timersFired: Counter<'action'>;
  readonly #timerLateness: Histogram<'action'>;
  readonly #alarms: Counter<'kind' | 'level'>;
  #hub: { readonly head: number; readonly subscriberCount: number } | null = null;

  constructor(opts: { processMetrics?: boolean } = {}) {
    // USE signals (event-loop lag from perf_hooks.monitorEventLoopDelay, heap used/total, active
    // handles and resources, CPU, memory, GC) come from prom-client's collectors, on this registry.
    if (opts.processMetrics !== false) {
      collectDefaultMetrics({ register: this.registry });
      // Gauges named like counters fail `promtool check metrics`; `nodejs_active_handles{type}` and
      // friends carry the same numbers by type (sum them for the totals).
      for (const name of LINT_FAILING_DEFAULTS) this.registry.removeSingleMetric(name);
    }
    this.#http = new HttpRedMetrics(this.registry);
    this.#storeTx = this.histogram('fabrica_store_transaction_seconds', 'Store transaction duration.', {
      labelNames: ['outcome'],
      buckets: STORE_BUCKETS,
    });
    this.#events = this.counter('fabrica_events_total', 'Events read from the event log since start.', {
      labelNames: ['type'],
    });
    const hub = () => this.#hub;
    this.gauge('fabrica_event_log_head_seq', 'Seq of the newest event this instance has read.', {
      collect(this: Gauge) {
        this.set(hub()?.head ?? 0);
      },
    });
    this.gauge('fabrica_event_subscribers', 'Open event streams fed by this instance.', {
      collect(this: Gauge) {
        this.set(hub()?.subscriberCount ?? 0);
      },
    });
    this.#timersFired = this.counter('fabrica_timers_fired_total', 'Durable timers fired by this instance.', {
      labelNames: ['action'],
    });
    this.#timerLateness = this.histogram(
      'fabrica_timer_lateness_seconds',
      'How long after its due time a timer fired.',
      { labelNames: ['action'], buckets: LATENESS_BUCKETS },
    );
    this.#alarms = this.counter('fabrica_watchdog_alarms_total', 'Watchdog alarms raised.', {
      labelNames: ['kind', 'level'],
    });
  }

  /** A counter on this registry; asking again for the same name returns the same counter. */
  counter<L extends string = never>(name: string, help: string, cfg: Config<CounterConfiguration<L>> = {}) {
    return this.#getOrCreate(
      name,
      Counter,
      () => new Counter<L>({ ...cfg, name, help, registers: [this.registry] }),
    );
  }

  gauge<L extends string = never>(name: string, help: string, cfg: Config<GaugeConfiguration<L>> = {}) {
    return this.#getOrCreate(
      name,
      Gauge,
      () => new Gauge<L>({ ...cfg, name, help, registers: [this.registry] }),
    );
  }

  histogram<L extends string = never>(
    name: string,
    help: string,
    cfg: Config<HistogramConfiguration<L>> = {},
  ) {
    return this.#getOrCreate(
      name,
      Histogram,
      () => new Histogram<L>({ ...cfg, name, help, registers: [this.registry] }),
    );
  }

  /** A labelled counter for hot paths: resolve a series once (`series(labels)`), then `inc()` it. */
  seriesCounter<L extends string>(name: string, help: string, labelNames: readonly L[]): SeriesCounter<L> {
    return this.#getOrCreate(
      name,
      SeriesCounter,
      () => new SeriesCounter(this.registry, name, help, labelNames),
    );
  }

  /** A labelled histogram for hot paths: resolve a series once (`series(labels)`), then `observe()` it. */
  seriesHistogram<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    buckets: readonly number[],
  ): SeriesHistogram<L> {
    return this.#getOrCreate(
      name,
      SeriesHistogram,
      () => new SeriesHistogram(this.registry, name, help, labelNames, buckets),
    );
  }

  /** The metric registered under this name, or a new one (each kind registers itself as it is made). */
  #getOrCreate<M>(name: string, type: abstract new (...args: never[]) => unknown, create: () => M): M {
    const existing = this.registry.getSingleMetric(name) as unknown;
    if (existing === undefined) return create();
    if (!(existing instanceof type)) throw new Error(`metric ${name} is already registered as another type`);
    return existing as M;
  }

  /** The RED recorder of a route template (`/capabilities/:name`) or UNMATCHED_ROUTE, never a raw URL. */
  httpRoute(route: string): HttpRouteRecorder {
    return this.#http.route(route);
  }

  observeTransaction(durationMs: number, ok: boolean): void {
    this.#storeTx.observe({ outcome: ok ? 'commit' : 'rollback' }, durationMs / 1000);
  }

  observeTimerFired(action: string, lateMs: number): void {
    this.#timersFired.inc({ action });
    this.#timerLateness.observe({ action }, lateMs / 1000);
  }

  countAlarm(kind: WatchdogKind, level: AlarmLevel): void {
    this.#alarms.inc({ kind, level });
  }

  /** Reports how many runs the store remembers: a bounded cache, so the gauge levels off at its limit. */
  trackRunCache(store: { readonly cachedRuns: number }): void {
    this.gauge('fabrica_run_cache_runs', 'Runs whose records this instance remembers (at most 1000).', {
      collect(this: Gauge) {
        this.set(store.cachedRuns);
      },
    });
  }

  /**
   * What this instance's event sealer did (PostgreSQL; docs/event-log.md): counters kept by the sealer,
   * read at scrape time. Absent on SQLite, where each transaction seals its own events.
   */
  trackSealer(
    stats: {
      readonly rounds: number;
      readonly sealed: number;
      readonly waitTimeouts: number;
      readonly errors: number;
    },
    store: { onSealWait(listener: (ms: number) => void): () => void },
  ): void {
    const from = (read: () => number) => ({
      collect(this: Counter) {
        this.reset();
        this.inc(read());
      },
    });
    this.counter(
      'fabrica_event_seal_rounds_total',
      'Sealing transactions of this instance that numbered at least one event.',
      from(() => stats.rounds),
    );
    this.counter(
      'fabrica_events_sealed_total',
      'Events this instance numbered and chained.',
      from(() => stats.sealed),
    );
    this.counter(
      'fabrica_event_seal_wait_timeouts_total',
      'Writers answered before their events were sealed (they were durable; sealing was slow or failing).',
      from(() => stats.waitTimeouts),
    );
    this.counter(
      'fabrica_event_seal_errors_total',
      'Sealing transactions that failed (retried).',
      from(() => stats.errors),
    );
    const wait = this.histogram(
      'fabrica_event_seal_wait_seconds',
      'How long a writer waited, after its commit, for its events to be sealed.',
      { buckets: STORE_BUCKETS },
    );
    store.onSealWait((ms) => wait.observe(ms / 1000));
  }

  /** Counts every event the hub reads, reports its head and subscribers; returns the unsubscribe function. */
  trackEventLog(hub: {
    readonly head: number;
    readonly subscriberCount: number;
    onEvent(listener: (e: EventRecord) => void): () => void;
  }): () => void {
    this.#hub = hub;
    return hub.onEvent((e) => this.#events.inc({ type: e.type }));
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text of every series on this registry. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /**
   * Drops every series so nothing here keeps this instance reachable. prom-client's default collectors
   * keep their own loop-delay sampler and GC observer for the life of the process (it offers no stop).
   */
  close(): void {
    this.registry.clear();
  }
}

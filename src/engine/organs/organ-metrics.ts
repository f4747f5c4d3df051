import type { Metrics } from '../observability/metrics.js';

/** The organ builder's Prometheus series (docs/metrics.md). */
export const organMetrics = (m: Metrics) => ({
  attempts: m.counter('organ_build_attempts_total', 'Organ builds started (and rebuilt).'),
  dryruns: m.counter('organ_build_dryrun_total', 'Organ build dry runs.'),
  failures: m.counter('organ_build_failures_total', 'Organ builds that ended failed.'),
  duration: m.histogram('organ_build_duration_seconds', 'Time from build start to stable.', {
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300],
  }),
  // The seed's name, in milliseconds, kept for Neira's tools (deprecated; promtool flags the unit).
  durationMs: m.histogram('organ_build_duration_ms', 'Deprecated: organ_build_duration_seconds in ms.', {
    buckets: [10, 50, 100, 250, 500, 1000, 5000, 30_000, 300_000],
  }),
  statusQueries: m.counter('organ_build_status_queries_total', 'Organ status reads.'),
});

export type OrganMetrics = ReturnType<typeof organMetrics>;

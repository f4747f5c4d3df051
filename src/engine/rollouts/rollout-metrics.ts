import type { Metrics } from '../observability/metrics.js';

/** The judge's series (docs/metrics.md). */
export function rolloutMetrics(m: Metrics) {
  return {
    verdicts: m.counter<'verdict'>('factory_analysis_verdicts_total', 'Analysis verdicts, by verdict.', {
      labelNames: ['verdict'],
    }),
  };
}

export type RolloutMetrics = ReturnType<typeof rolloutMetrics>;

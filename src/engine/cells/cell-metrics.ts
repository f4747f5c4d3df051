import type { Metrics } from '../observability/metrics.js';

/** The seed's factory_* series (and the `nodes` name kept while the alias routes live). */
export function cellMetrics(m: Metrics, countServing: () => Promise<number>) {
  return {
    created: m.counter('factory_cells_created_total', 'Cell revisions fabricated.'),
    createdLegacy: m.counter(
      'factory_nodes_created_total',
      'Deprecated name of factory_cells_created_total.',
    ),
    active: m.gauge(
      'factory_cells_active',
      'Cells with a revision that serves traffic (read from the store at scrape).',
      {
        async collect() {
          this.set(await countServing());
        },
      },
    ),
    // Seed 002's minimal set names it so; the same count.
    activeLegacy: m.gauge('factory_nodes_active', 'Deprecated name of factory_cells_active.', {
      async collect() {
        this.set(await countServing());
      },
    }),
    execErrors: m.seriesCounter('factory_exec_errors_total', 'Cell calls that failed inside the cell.', [
      'cell',
    ]),
    dryruns: m.counter('factory_dryrun_requests_total', 'Fabrication dry runs.'),
    approvals: m.counter('factory_approvals_total', 'Approvals (one promotion step each).'),
    rollbacks: m.counter('factory_rollbacks_total', 'Rollbacks, by hand or automatic.'),
    transitions: m.counter<'from' | 'to'>('factory_state_transitions_total', 'Revision state transitions.', {
      labelNames: ['from', 'to'],
    }),
    autoHeals: m.counter('factory_auto_heals_total', 'Auto-heal runs started.'),
    autoRollbacks: m.counter('factory_auto_rollbacks_total', 'Automatic rollbacks.'),
    autoResponse: m.histogram(
      'factory_auto_response_duration_seconds',
      'Time an auto-heal or auto-rollback took.',
      { buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5] },
    ),
    calls: m.seriesCounter('factory_cell_calls_total', 'Cell invocations per revision and backend.', [
      'cell',
      'revision',
      'backend',
    ]),
    latency: m.seriesHistogram(
      'factory_cell_call_duration_seconds',
      'Cell invocation latency per revision.',
      ['cell', 'revision'],
      [0.00001, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
    ),
    integrityViolations: m.counter<'template'>(
      'immune_integrity_violations_total',
      'Catalog files that differ from what was registered.',
      { labelNames: ['template'] },
    ),
    quarantines: m.counter('immune_quarantines_total', 'Cells quarantined by the immune system.'),
    invalidCatalogFiles: m.counter(
      'factory_catalog_invalid_templates_total',
      'Catalog files that are not valid cell templates.',
    ),
  };
}

export type CellMetrics = ReturnType<typeof cellMetrics>;

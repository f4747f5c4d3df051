import type { Gauge } from 'prom-client';
import type { Metrics } from '../observability/metrics.js';

type SandboxBackend = 'script' | 'wasm';

/** Workers started and busy, per sandbox pool (read at scrape). */
export type PoolStats = Partial<Record<SandboxBackend, () => { size: number; busy: number }>>;

/** The sandboxes' series: limit hits, worker (re)starts, and each pool's size and busy workers. */
export function sandboxMetrics(m: Metrics, pools: () => PoolStats) {
  const read = (g: Gauge<'backend'>, field: 'size' | 'busy') => {
    for (const [backend, stats] of Object.entries(pools()))
      if (stats !== undefined) g.labels(backend).set(stats()[field]);
  };
  m.gauge<'backend'>('factory_sandbox_pool_workers', 'Worker threads started in each sandbox pool.', {
    labelNames: ['backend'],
    collect(this: Gauge<'backend'>) {
      read(this, 'size');
    },
  });
  m.gauge<'backend'>('factory_sandbox_pool_busy', 'Sandbox workers running a call right now.', {
    labelNames: ['backend'],
    collect(this: Gauge<'backend'>) {
      read(this, 'busy');
    },
  });
  return {
    limitHits: m.counter<'backend' | 'limit'>(
      'factory_sandbox_limit_hits_total',
      'Script and WASM calls stopped at a limit (timeout, memory_limit, stack_limit, output_too_large).',
      { labelNames: ['backend', 'limit'] },
    ),
    workerStarts: m.counter<'backend'>(
      'factory_sandbox_worker_starts_total',
      'Sandbox worker threads started: the first of each slot, and every replacement of a terminated one.',
      { labelNames: ['backend'] },
    ),
  };
}

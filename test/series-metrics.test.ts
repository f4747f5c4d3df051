import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { Metrics } from '../src/engine/observability/metrics.js';
import { SeriesCounter, SeriesHistogram } from '../src/engine/observability/series-metrics.js';

const BUCKETS = [0.001, 0.01, 0.1, 1];
const OBSERVATIONS: [string, string, number][] = [
  ['a', '1.0.0', 0.0005],
  ['a', '1.0.0', 0.02],
  ['a', '1.1.0', 0.5],
  ['b', '1.0.0', 3],
  ['a', '1.0.0', 0.001],
];

describe('series metrics', () => {
  it('expose exactly what prom-client exposes for the same observations', async () => {
    const ours = new Registry();
    const calls = new SeriesCounter(ours, 'calls_total', 'Calls.', ['cell', 'revision']);
    const latency = new SeriesHistogram(ours, 'latency_seconds', 'Latency.', ['cell', 'revision'], BUCKETS);
    const theirs = new Registry();
    const pCalls = new Counter({
      name: 'calls_total',
      help: 'Calls.',
      labelNames: ['cell', 'revision'],
      registers: [theirs],
    });
    const pLatency = new Histogram({
      name: 'latency_seconds',
      help: 'Latency.',
      labelNames: ['cell', 'revision'],
      buckets: BUCKETS,
      registers: [theirs],
    });
    for (const [cell, revision, seconds] of OBSERVATIONS) {
      calls.series({ cell, revision }).inc();
      latency.series({ cell, revision }).observe(seconds);
      pCalls.inc({ cell, revision });
      pLatency.observe({ cell, revision }, seconds);
    }
    assert.equal(await ours.metrics(), await theirs.metrics());
  });

  it('hands out one series per label set, and counts by any step', async () => {
    const registry = new Registry();
    const c = new SeriesCounter(registry, 'things_total', 'Things.', ['kind']);
    assert.equal(c.series({ kind: 'x' }), c.series({ kind: 'x' }));
    assert.notEqual(c.series({ kind: 'x' }), c.series({ kind: 'y' }));
    c.series({ kind: 'x' }).inc(2.5);
    c.series({ kind: 'x' }).inc();
    assert.match(await registry.metrics(), /^things_total\{kind="x"\} 3\.5$/m);
    assert.match(await registry.metrics(), /^things_total\{kind="y"\} 0$/m);
  });

  it('refuses a second metric of the same name, and Metrics hands back the one it made', () => {
    const registry = new Registry();
    new SeriesCounter(registry, 'dup_total', 'Once.', []);
    assert.throws(() => new SeriesCounter(registry, 'dup_total', 'Twice.', []), /already registered/);
    const m = new Metrics({ processMetrics: false });
    const first = m.seriesHistogram('h_seconds', 'H.', ['a'], BUCKETS);
    assert.equal(m.seriesHistogram('h_seconds', 'H.', ['a'], BUCKETS), first);
    assert.throws(() => m.seriesCounter('h_seconds', 'H.', ['a']), /another type/);
  });
});

// node:test's describe/test return promises that the runner itself awaits.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { startTestFabrica, type TestFabrica } from './support/app.js';
import { STORE_KINDS } from './support/stores.js';

/** The value of one series in exposition text, or undefined when it is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m?.[1] !== name) continue;
    const found = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(m[3]);
  }
  return undefined;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const scrape = async (f: TestFabrica, token: string | null = null) => {
  const res = await f.request('GET', '/metrics', { token });
  assert.equal(res.status, 200, res.text);
  return res.text;
};

for (const { kind, skip } of STORE_KINDS) {
  describe(`metrics (${kind})`, { skip }, () => {
    test('RED series are labelled by route template, never by the raw URL', async () => {
      const f = await startTestFabrica(kind);
      try {
        assert.equal((await f.request('GET', '/capabilities/factory_adapter')).status, 200);
        assert.equal((await f.request('GET', '/capabilities/no_such_capability_x1')).status, 404);
        assert.equal((await f.request('GET', '/no/such/route/raw_id_y2')).status, 404);
        assert.equal((await f.request('GET', '/capabilities', { token: 'wrong-token-z3' })).status, 401);

        const res = await f.request('GET', '/metrics', { token: null });
        assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
        const text = res.text;
        const get = { method: 'GET', route: '/capabilities/:name' };
        assert.equal(sample(text, 'http_requests_total', { ...get, status: '200' }), 1);
        assert.equal(sample(text, 'http_requests_total', { ...get, status: '404' }), 1);
        assert.equal(sample(text, 'http_request_errors_total', { ...get, status: '404' }), 1);
        assert.equal(sample(text, 'http_request_errors_total', { ...get, status: '200' }), undefined);
        assert.equal(sample(text, 'http_request_errors_total', { route: 'unmatched', status: '404' }), 1);
        assert.equal(sample(text, 'http_request_errors_total', { route: '/capabilities', status: '401' }), 1);
        assert.equal(sample(text, 'http_request_duration_seconds_count', { ...get, status: '200' }), 1);
        assert.equal(
          sample(text, 'http_request_duration_seconds_bucket', { ...get, status: '200', le: '+Inf' }),
          1,
        );
        for (const raw of ['no_such_capability_x1', 'raw_id_y2', '/no/such', 'wrong-token-z3']) {
          assert.ok(!text.includes(raw), `metrics mention ${raw}`);
        }
      } finally {
        await f.close();
      }
    });

    test('store, event log, timer and process series follow what the instance did', async () => {
      const f = await startTestFabrica(kind);
      try {
        const before = await scrape(f);
        const commits = sample(before, 'fabrica_store_transaction_seconds_count', { outcome: 'commit' }) ?? 0;
        const put = await f.request('PUT', '/capabilities/factory_script', {
          body: { level: 'experimental', reason: 'metrics test' },
        });
        assert.equal(put.status, 200, put.text);
        const token = await f.request('POST', '/tokens', {
          body: { tenant: 'acme', access: 'read', expires_in: '50ms' },
        });
        assert.equal(token.status, 201, token.text);

        const text = await waitFor('the token expiry timer to fire', async () => {
          const t = await scrape(f);
          return sample(t, 'fabrica_timers_fired_total', { action: 'token.expire' }) === 1 ? t : undefined;
        });
        await f.fabrica.hub.settle();
        const after = await scrape(f);
        assert.ok(sample(text, 'fabrica_timer_lateness_seconds_count', { action: 'token.expire' }) === 1);
        assert.ok(
          (sample(after, 'fabrica_store_transaction_seconds_count', { outcome: 'commit' }) ?? 0) >=
            commits + 3,
        );
        assert.equal(sample(after, 'fabrica_events_total', { type: 'capability.changed' }), 1);
        assert.equal(sample(after, 'fabrica_events_total', { type: 'token.created' }), 1);
        assert.equal(sample(after, 'fabrica_events_total', { type: 'token.expired' }), 1);
        assert.equal(sample(after, 'fabrica_event_log_head_seq'), await f.fabrica.store.headSeq());
        const sink = { deliver: () => true, ready: async () => undefined, end: () => undefined };
        const sub = f.fabrica.hub.subscribe(await f.fabrica.store.headSeq(), {}, sink);
        assert.equal(sample(await scrape(f), 'fabrica_event_subscribers'), 1);
        sub.close();
        assert.equal(sample(await scrape(f), 'fabrica_event_subscribers'), 0);
        // The run cache's size: a run read is remembered (and the gauge stops at the cache's bound).
        const cachedBefore = sample(await scrape(f), 'fabrica_run_cache_runs') ?? -1;
        const run = await f.request('POST', '/llm/factory/runs', {
          body: { source: { kind: 'prompt', content: 'count me' } },
        });
        assert.equal(run.status, 201, JSON.stringify(run.body));
        const status = await f.request('GET', `/llm/factory/runs/${run.body.data.id as string}/status`);
        assert.equal(status.status, 200);
        assert.equal(sample(await scrape(f), 'fabrica_run_cache_runs'), cachedBefore + 1);
        for (const use of [
          'nodejs_eventloop_lag_p99_seconds',
          'nodejs_heap_size_used_bytes',
          'nodejs_heap_size_total_bytes',
          'nodejs_active_resources',
          'process_cpu_user_seconds_total',
        ]) {
          assert.notEqual(sample(after, use), undefined, `${use} is missing`);
        }
      } finally {
        await f.close();
      }
    });

    test('each instance has its own registry; areas can add their own series', async () => {
      const a = await startTestFabrica(kind);
      const b = await startTestFabrica(kind);
      try {
        await a.request('GET', '/healthz');
        await a.request('GET', '/healthz');
        const route = { method: 'GET', route: '/healthz', status: '200' };
        assert.equal(sample(await scrape(a), 'http_requests_total', route), 2);
        assert.equal(sample(await scrape(b), 'http_requests_total', route), undefined);

        const builds = a.fabrica.metrics.counter('organ_build_total', 'Organ builds.', {
          labelNames: ['outcome'],
        });
        builds.inc({ outcome: 'stable' });
        assert.equal(a.fabrica.metrics.counter('organ_build_total', 'Organ builds.'), builds);
        assert.throws(() => a.fabrica.metrics.gauge('organ_build_total', 'Organ builds.'), /another type/);
        assert.equal(sample(await scrape(a), 'organ_build_total', { outcome: 'stable' }), 1);
        assert.equal(sample(await scrape(b), 'organ_build_total'), undefined);
      } finally {
        await a.close();
        await b.close();
      }
    });

    test('FABRICA_METRICS_TOKEN guards /metrics: its token or the admin token', async () => {
      const f = await startTestFabrica(kind, { FABRICA_METRICS_TOKEN: 'scrape-secret-1' });
      try {
        const none = await f.request('GET', '/metrics', { token: null });
        assert.equal(none.status, 401);
        assert.equal(none.body.code, 'unauthorized');
        assert.equal(typeof none.body.reason, 'string');
        assert.equal((await f.request('GET', '/metrics', { token: 'scrape-secret-2' })).status, 401);
        assert.equal((await f.request('GET', '/metrics', { token: 'scrape-secret-1' })).status, 200);
        assert.equal((await f.request('GET', '/metrics')).status, 200);
        const tenant = await f.request('POST', '/tokens', { body: { tenant: 'acme', access: 'full' } });
        const denied = await f.request('GET', '/metrics', { token: tenant.body.token });
        assert.equal(denied.status, 403);
        assert.equal(denied.body.code, 'forbidden');
      } finally {
        await f.close();
      }
    });

    test('without FABRICA_METRICS_TOKEN, /metrics is public', async () => {
      const f = await startTestFabrica(kind);
      try {
        assert.match(await scrape(f, null), /# TYPE http_requests_total counter/);
      } finally {
        await f.close();
      }
    });
  });
}

const promtool = spawnSync('which', ['promtool'], { encoding: 'utf8' });
const promtoolSkip = promtool.status === 0 ? false : 'promtool is not on PATH (apt-get install prometheus)';
if (promtoolSkip !== false) console.log(`skipped: promtool check metrics: ${promtoolSkip}`);

/** The promtool findings docs/metrics.md documents as tolerated (the list after its marker comment). */
function documentedExceptions(): string[] {
  const doc = readFileSync(new URL('../docs/metrics.md', import.meta.url), 'utf8');
  const after = doc.split('<!-- promtool-exceptions')[1] ?? '';
  const list = after.slice(after.indexOf('-->') + 3).trimStart();
  const items: string[] = [];
  for (const line of list.split('\n')) {
    const m = /^- `(.+)`$/.exec(line);
    if (m === null) break;
    items.push(m[1]!);
  }
  return items;
}

test(
  'promtool check metrics accepts the exposition but for the documented exceptions',
  { skip: promtoolSkip },
  async () => {
    const exceptions = documentedExceptions();
    assert.deepEqual(exceptions, [
      'organ_build_duration_ms metric names should not contain abbreviated units',
    ]);
    const f = await startTestFabrica('sqlite');
    try {
      await f.request('GET', '/capabilities/factory_adapter');
      await f.request('GET', '/nowhere');
      const text = await scrape(f);
      for (const name of [
        'factory_nodes_active',
        'factory_cells_active',
        'organ_build_duration_seconds',
        'organ_build_duration_ms',
        'factory_auto_response_duration_seconds',
      ]) {
        assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), `${name} is exposed`);
      }
      const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      // promtool exits 3 on lint findings; every finding must be one docs/metrics.md lists.
      const findings = `${r.stdout}${r.stderr}`
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '');
      assert.deepEqual(
        findings.filter((line) => !exceptions.includes(line)),
        [],
        `promtool: ${r.stdout}${r.stderr}`,
      );
      assert.deepEqual(findings, exceptions, 'each documented exception is still needed');
      assert.equal(r.status, 3, 'promtool reports the documented findings as lint problems only');
    } finally {
      await f.close();
    }
  },
);

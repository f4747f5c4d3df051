// node:test's describe/test return promises that the runner itself awaits.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startTestFabrica } from './support/app.js';
import { STORE_KINDS } from './support/stores.js';

const PATH = '/api/neira/introspection/status';
/** Thresholds no stall of the test process reaches, so alarm counts are the test's own. */
const QUIET = { FABRICA_WATCHDOG_SOFT_MS: '3000000', FABRICA_WATCHDOG_HARD_MS: '3600000' };

for (const { kind, skip } of STORE_KINDS) {
  describe(`introspection status (${kind})`, { skip }, () => {
    test('reports version, capabilities, store, watchdogs, counts and the event log head', async () => {
      const f = await startTestFabrica(kind, QUIET);
      try {
        const res = await f.request('GET', PATH);
        assert.equal(res.status, 200, res.text);
        const s = res.body;
        assert.equal(s.version, 'test');
        assert.ok(Number.isInteger(s.uptime_s) && s.uptime_s >= 0);
        assert.equal(s.safe_mode, false);
        assert.deepEqual(s.capabilities.factory_adapter, { enabled: true, level: 'experimental' });
        assert.deepEqual(s.capabilities.factory_script, { enabled: false, level: 'locked' });
        assert.deepEqual(s.store, { kind, healthy: true, migrations_pending: [] });
        assert.deepEqual(s.watchdogs, {
          soft_ms: 3_000_000,
          hard_ms: 3_600_000,
          grace_ms: 1_000,
          checks: s.watchdogs.checks,
          alarms: { soft: 0, hard: 0 },
        });
        assert.ok(Number.isInteger(s.watchdogs.checks) && s.watchdogs.checks >= 0);
        assert.deepEqual(s.counts, { cells: {}, organs: {}, runs: {} });
        assert.equal(s.pending_approvals, 0);
        assert.equal(s.event_log.head_seq, await f.fabrica.store.headSeq());

        const alias = await f.request('GET', '/introspection/status');
        assert.equal(alias.status, 200);
        assert.deepEqual(Object.keys(alias.body).sort(), Object.keys(s).sort());
        assert.equal(alias.body.store.kind, kind);
      } finally {
        await f.close();
      }
    });

    test('follows changes: capability levels, safe mode, watchdog alarms, the log head', async () => {
      const f = await startTestFabrica(kind, QUIET);
      try {
        const put = await f.request('PUT', '/capabilities/factory_script', {
          body: { level: 'stable', reason: 'introspection test' },
        });
        assert.equal(put.status, 200, put.text);
        assert.equal(
          (await f.request('POST', '/safe-mode', { body: { on: true, reason: 'drill' } })).status,
          200,
        );
        // Overdue by more than the hard threshold, with the scheduler stopped so it stays pending.
        await f.fabrica.scheduler.stop();
        await f.fabrica.store.transaction((tx) =>
          tx.scheduleTimer({
            at: Date.now() - 7_200_000,
            subjectKind: 'build',
            subjectId: 'b',
            action: 'never',
          }),
        );
        await f.fabrica.watchdog.check();

        const s = (await f.request('GET', '/introspection/status')).body;
        assert.deepEqual(s.capabilities.factory_script, { enabled: true, level: 'stable' });
        assert.equal(s.safe_mode, true);
        assert.deepEqual(s.watchdogs.alarms, { soft: 0, hard: 1 });
        assert.equal(s.event_log.head_seq, await f.fabrica.store.headSeq());
      } finally {
        await f.close();
      }
    });

    test('areas fill counts and pending approvals; a failing provider is left out', async () => {
      const f = await startTestFabrica(kind, QUIET);
      try {
        const { introspection } = f.fabrica;
        introspection.addCounts('cells', () => ({ draft: 2, stable: 1 }));
        introspection.addCounts('cells', async () => ({ draft: 1 }));
        introspection.addCounts('runs', async () => {
          throw new Error('runs table unreachable');
        });
        introspection.addPendingApprovals(() => 2);
        introspection.addPendingApprovals(async () => 3);
        const s = (await f.request('GET', PATH)).body;
        assert.deepEqual(s.counts, { cells: { draft: 3, stable: 1 }, organs: {}, runs: {} });
        assert.equal(s.pending_approvals, 5);
        assert.ok(
          f.logs.some((l) => l.includes('runs table unreachable')),
          'the failure is logged',
        );
      } finally {
        await f.close();
      }
    });

    test('needs a token with read access', async () => {
      const f = await startTestFabrica(kind, QUIET);
      try {
        const none = await f.request('GET', PATH, { token: null });
        assert.equal(none.status, 401);
        assert.equal(none.body.code, 'unauthorized');
        const reader = await f.request('POST', '/tokens', { body: { tenant: 'acme', access: 'read' } });
        assert.equal(reader.status, 201, reader.text);
        const res = await f.request('GET', '/introspection/status', { token: reader.body.token });
        assert.equal(res.status, 200);
        assert.equal(res.body.store.healthy, true);
      } finally {
        await f.close();
      }
    });
  });
}

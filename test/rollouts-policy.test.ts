import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestFabrica, type TestFabrica } from './support/app.js';
import { STORE_KINDS } from './support/stores.js';
import { auditEvents, enc, makeRevision, pause } from './support/rollouts.js';

for (const { kind, skip } of STORE_KINDS) {
  describe(`rollout policy, statistics, quarantine (${kind})`, { skip }, () => {
    let f: TestFabrica;
    before(async () => {
      f = await startTestFabrica(kind, {
        FABRICA_CAPABILITIES: 'fault_injection=experimental',
        FABRICA_STATS_FLUSH_MS: '50',
      });
    });
    after(() => f.close());
    const put = (id: string, body: unknown) => f.request('PUT', `/factory/cells/${enc(id)}/policy`, { body });

    it('answers the default policy, stores a new one with its version and audits it', async () => {
      const id = await makeRevision(f, 'analysis.policy.v1', '1.0.0', 0, { hitl: false });
      const first = await f.request('GET', `/factory/cells/${enc(id)}/policy`);
      assert.equal(first.status, 200);
      assert.equal(first.body.version, 0);
      assert.equal(first.body.policy.hitl, false, 'hitl as the creation said');
      assert.deepEqual(first.body.policy.analysis, {
        interval_ms: 60000,
        min_calls: 50,
        max_error_rate: 0.05,
        max_error_rate_increase: 0.02,
        max_p95_ms: null,
        max_p95_ratio: 1.2,
        max_shadow_diff_rate: null,
        passes_to_promote: 3,
        confidence: 0.99,
        on_fail: 'rollback',
      });
      assert.deepEqual(first.body.policy.shadow, { enabled: false, percent: 100 });
      assert.deepEqual(first.body.policy.quarantine, {
        consecutive_errors: null,
        burst_errors: 20,
        burst_window_ms: 10000,
        burst_error_rate: 0.5,
      });

      const set = await put(id, { hitl: true, analysis: { interval_ms: 500, on_fail: 'hold' } });
      assert.equal(set.status, 200, JSON.stringify(set.body));
      assert.equal(set.body.version, 1);
      assert.equal(set.body.policy.hitl, true);
      assert.equal(set.body.policy.analysis.interval_ms, 500);
      assert.equal(set.body.policy.analysis.on_fail, 'hold');
      assert.equal(set.body.policy.analysis.min_calls, 50, 'absent fields take their defaults');
      assert.equal(set.body.updated_by, 'admin');
      const read = await f.request('GET', `/factory/cells/${enc(id)}/policy`);
      assert.deepEqual(read.body, set.body);
      assert.equal((await f.request('GET', `/factory/cells/${enc(id)}`)).body.hitl, true);
      const [changed] = await auditEvents(f, 'cell.policy_changed', id);
      assert.equal(changed.data.version, 1);
      assert.equal(changed.data.before.hitl, false);
      assert.equal(changed.data.after.analysis.on_fail, 'hold');

      // Optimistic concurrency on request.
      assert.equal((await put(id, { if_version: 0 })).status, 409);
      assert.equal((await put(id, { if_version: 1, hitl: true })).body.version, 2);
    });

    it('refuses every bad policy with invalid_policy naming the field, and changes nothing', async () => {
      const id = await makeRevision(f, 'analysis.badpolicy.v1', '1.0.0', 0);
      const cases: [unknown, string][] = [
        [{ analysis: { confidence: 2 } }, 'analysis.confidence'],
        [{ analysis: { confidence: '0.9' } }, 'analysis.confidence'],
        [{ analysis: { interval_ms: 0 } }, 'analysis.interval_ms'],
        [{ analysis: { interval_ms: 1.5 } }, 'analysis.interval_ms'],
        [{ analysis: { min_calls: -1 } }, 'analysis.min_calls'],
        [{ analysis: { max_error_rate: 1.5 } }, 'analysis.max_error_rate'],
        [{ analysis: { max_p95_ratio: 0.5 } }, 'analysis.max_p95_ratio'],
        [{ analysis: { on_fail: 'explode' } }, 'analysis.on_fail'],
        [{ analysis: { passes_to_promote: 0 } }, 'analysis.passes_to_promote'],
        [{ analysis: { colour: 'red' } }, 'analysis.colour'],
        [{ analysis: [] }, 'analysis'],
        [{ shadow: 5 }, 'shadow'],
        [{ shadow: { percent: 101 } }, 'shadow.percent'],
        [{ shadow: { enabled: 'yes' } }, 'shadow.enabled'],
        [{ quarantine: 'x' }, 'quarantine'],
        [{ quarantine: { consecutive_errors: -1 } }, 'quarantine.consecutive_errors'],
        [{ quarantine: { burst_errors: 2.5 } }, 'quarantine.burst_errors'],
        [{ quarantine: { burst_window_ms: 10 } }, 'quarantine.burst_window_ms'],
        [{ quarantine: { burst_error_rate: 1.1 } }, 'quarantine.burst_error_rate'],
        [{ quarantine: { burst: 1 } }, 'quarantine.burst'],
        [{ hitl: 'yes' }, 'hitl'],
        [{ colour: 'red' }, 'colour'],
      ];
      for (const [body, field] of cases) {
        const r = await put(id, body);
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.equal(r.body.code, 'invalid_policy', JSON.stringify(body));
        assert.equal(r.body.field, field, JSON.stringify(body));
        assert.ok(r.body.reason.startsWith(field), r.body.reason);
      }
      assert.equal(
        (
          await f.request('PUT', `/factory/cells/${enc(id)}/policy`, {
            rawBody: '[1]',
            headers: { 'content-type': 'application/json' },
          })
        ).status,
        400,
      );
      assert.equal((await f.request('GET', `/factory/cells/${enc(id)}/policy`)).body.version, 0);
      assert.equal((await auditEvents(f, 'cell.policy_changed', id)).length, 0);
      assert.equal((await put('adapter:nothing.here', {})).status, 404);
      assert.equal(
        (await f.request('PUT', `/factory/cells/${enc(id)}/policy`, { body: {}, token: null })).status,
        401,
      );
    });

    it('keeps per-minute statistics per revision durably: GET …/stats', async () => {
      const id = await makeRevision(f, 'analysis.stats.v1', '1.0.0', 3);
      for (let i = 0; i < 30; i++) {
        const r = await f.request('POST', `/factory/cells/${enc(id)}/invoke`, { body: { input: 'x' } });
        assert.equal(r.status, 200, JSON.stringify(r.body));
      }
      let stats: any;
      const until = Date.now() + 30_000;
      do {
        stats = (await f.request('GET', `/factory/cells/${enc(id)}/stats?version=1.0.0`)).body;
        if (stats.revisions[0].totals.calls === 30) break;
        await pause(); // in-process requests never reach the timers' phase by themselves
      } while (Date.now() < until);
      assert.equal(stats.revisions[0].totals.calls, 30);
      assert.equal(stats.revisions[0].totals.errors, 0);
      assert.ok(stats.revisions[0].totals.p95_ms !== null);
      assert.equal(stats.step_ms, 60000);
      const sum = stats.revisions[0].points.reduce((n: number, p: any) => n + p.calls, 0);
      assert.equal(sum, 30);
      const bad = await f.request('GET', `/factory/cells/${enc(id)}/stats?step=1000`);
      assert.equal(bad.status, 400);
      const reversed = await f.request(
        'GET',
        `/factory/cells/${enc(id)}/stats?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z`,
      );
      assert.equal(reversed.status, 400);
      assert.equal((await f.request('GET', `/factory/cells/${enc(id)}/stats?version=9.9.9`)).status, 404);
    });

    it('quarantines by hand and releases; a stable revision failing 3 calls in a row is quarantined and healed', async () => {
      const id = await makeRevision(f, 'analysis.quarantine.v1', '1.0.0', 3);
      const q = await f.request('POST', `/factory/cells/${enc(id)}/quarantine`, {
        body: { reason: 'suspicious' },
      });
      assert.equal(q.status, 200);
      assert.equal(q.body.quarantine.reason, 'suspicious');
      const call = await f.request('POST', `/factory/cells/${enc(id)}/invoke`, { body: { input: 'x' } });
      assert.equal(call.body.code, 'quarantined');
      assert.equal(
        (await f.request('POST', `/factory/cells/${enc(id)}/quarantine`, { body: { reason: 'again' } }))
          .status,
        409,
      );
      assert.equal(
        (await f.request('POST', `/factory/cells/${enc(id)}/quarantine`, { body: {} })).status,
        400,
      );
      const released = await f.request('POST', `/factory/cells/${enc(id)}/release`, {
        body: { reason: 'checked' },
      });
      assert.equal(released.status, 200);
      assert.equal(released.body.quarantine, null);
      assert.equal((await f.request('POST', `/factory/cells/${enc(id)}/release`, { body: {} })).status, 409);
      assert.equal((await auditEvents(f, 'immune.release', id)).length, 1);

      // The immune system: a stable revision that always fails.
      const bad = await makeRevision(f, 'analysis.broken.v1', '1.0.0', 3, {
        metadata: { fault: { error_rate: 1 } },
      });
      for (let i = 0; i < 3; i++) {
        const r = await f.request('POST', `/factory/cells/${enc(bad)}/invoke`, { body: { input: 'x' } });
        assert.equal(r.body.code, 'cell_error');
      }
      const until = Date.now() + 30_000;
      let healed: any[] = [];
      while (healed.length === 0 && Date.now() < until) {
        await pause(); // in-process requests never reach the timers' phase by themselves
        healed = await auditEvents(f, 'factory.auto_heal.succeeded', bad);
      }
      const [quarantine] = await auditEvents(f, 'immune.quarantine', bad);
      assert.equal(quarantine.actor, 'immune');
      assert.match(quarantine.data.reason, /3 cell errors in a row/);
      assert.equal((await auditEvents(f, 'factory.auto_heal', bad)).length, 1);
      assert.equal(healed.length, 1, 'the heal ran and lifted the quarantine');
      const cell = await f.request('GET', `/factory/cells/${enc(bad)}`);
      assert.equal(cell.body.quarantine, null);
      assert.equal(cell.body.revisions[0].state, 'stable');
    });

    it('quarantines a stable revision on a burst of errors beyond the policy, even with none in a row', async () => {
      const id = await makeRevision(f, 'analysis.burst.v1', '1.0.0', 3, {
        metadata: { fault: { error_rate: 0.5 } },
      });
      // No rule on errors in a row: only the burst can quarantine. First a policy the load stays under.
      const calm = await put(id, {
        quarantine: { consecutive_errors: 0, burst_errors: 1000, burst_window_ms: 600_000 },
      });
      assert.equal(calm.status, 200, JSON.stringify(calm.body));
      let errors = 0;
      for (let i = 0; i < 60; i++) {
        const r = await f.request('POST', `/factory/cells/${enc(id)}/invoke`, { body: { input: 'x' } });
        assert.notEqual(r.body.code, 'quarantined', 'no burst yet');
        if (r.status !== 200) errors += 1;
      }
      assert.ok(errors >= 3, `${errors} errors in 60 calls at 50%`);
      assert.equal((await auditEvents(f, 'immune.quarantine', id)).length, 0);
      // Now 5 errors within a minute at 30% or more of the calls is a burst.
      await put(id, {
        quarantine: {
          consecutive_errors: 0,
          burst_errors: 5,
          burst_window_ms: 60_000,
          burst_error_rate: 0.3,
        },
      });
      const until = Date.now() + 60_000;
      let quarantined: any[] = [];
      while (quarantined.length === 0) {
        await f.request('POST', `/factory/cells/${enc(id)}/invoke`, { body: { input: 'x' } });
        await pause();
        quarantined = await auditEvents(f, 'immune.quarantine', id);
        if (Date.now() > until) throw new Error('gave up waiting for the burst quarantine');
      }
      const [q] = quarantined;
      assert.equal(q.actor, 'immune');
      assert.equal(q.data.burst, true);
      assert.ok(q.data.errors >= 5 && q.data.errors >= 0.3 * q.data.calls, JSON.stringify(q.data));
      assert.match(q.data.reason, /a burst of \d+ cell errors in \d+ calls within 60000 ms/);
      const [heal] = await auditEvents(f, 'factory.auto_heal', id);
      assert.ok(heal !== undefined, 'auto_heal scheduled with the quarantine');
      assert.equal(heal.actor, 'immune');
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestFabrica, type TestFabrica } from './support/app.js';
import { STORE_KINDS } from './support/stores.js';
import { auditEvents, enc, loadUntil, makeRevision, revisionOf } from './support/rollouts.js';

/** Small windows so that the judge decides within a test; the decisions themselves are not timed. */
const FAST = { interval_ms: 100, min_calls: 20, confidence: 0.95 };

for (const { kind, skip } of STORE_KINDS) {
  describe(`the judge acting on rollouts (${kind})`, { skip }, () => {
    let f: TestFabrica;
    before(async () => {
      f = await startTestFabrica(kind, {
        FABRICA_CAPABILITIES: 'fault_injection=experimental',
        FABRICA_STATS_FLUSH_MS: '50',
        // Half the calls to the canary: the judge sees enough of them sooner (the split has its own test).
        FABRICA_CANARY_PERCENT: '50',
      });
    });
    after(() => f.close());
    const put = (id: string, body: unknown) => f.request('PUT', `/factory/cells/${enc(id)}/policy`, { body });

    it('rolls a canary with fault error_rate 0.5 back under load, with a fail verdict and its reasons', async () => {
      const id = await makeRevision(f, 'analysis.faulty.v1', '1.0.0', 3);
      await makeRevision(f, 'analysis.faulty.v1', '1.1.0', 0, { metadata: { fault: { error_rate: 0.5 } } });
      assert.equal((await put(id, { analysis: FAST })).status, 200);
      await f.request('POST', `/factory/cells/${enc(id)}/approve?version=1.1.0`, { body: {} });
      await loadUntil(
        f,
        id,
        async () => (await revisionOf(f, id, '1.1.0')).state === 'rolled_back',
        'the rollback',
      );
      const rev = await revisionOf(f, id, '1.1.0');
      const last = rev.history.at(-1);
      assert.equal(last.command, 'auto_rollback');
      assert.equal(last.actor, 'analysis');
      assert.equal((await revisionOf(f, id, '1.0.0')).state, 'stable');
      const analysis = await f.request('GET', `/factory/cells/${enc(id)}/analysis?version=1.1.0`);
      assert.equal(analysis.status, 200);
      assert.equal(analysis.body.judge_failed, true);
      const [newest] = analysis.body.verdicts;
      assert.equal(newest.verdict, 'fail');
      assert.equal(newest.step, 'rollback');
      assert.equal(newest.baseline_version, '1.0.0');
      assert.ok(newest.canary.errors > 0 && newest.canary.error_rate > 0.2, JSON.stringify(newest.canary));
      assert.equal(newest.baseline.errors, 0);
      assert.ok(
        newest.reasons.some((r: string) => /worse than the baseline|above max_error_rate/.test(r)),
        newest.reasons.join(),
      );
      const [rollback] = await auditEvents(f, 'factory.auto_rollback', id);
      assert.equal(rollback.actor, 'analysis');
      assert.deepEqual(rollback.data.verdict.reasons, newest.reasons);
      const verdictEvents = await auditEvents(f, 'cell.analysis', id);
      assert.equal(verdictEvents.at(-1).data.verdict, 'fail');
      // The stable revision takes every call again.
      for (let i = 0; i < 20; i++) {
        const r = await f.request('POST', `/factory/cells/${enc(id)}/invoke`, { body: { input: 'x' } });
        assert.equal(r.body.revision, '1.0.0');
      }
    });

    it('on_fail hold keeps a failed canary; approving it needs force with a reason, audited', async () => {
      const id = await makeRevision(f, 'analysis.hold.v1', '1.0.0', 3);
      await makeRevision(f, 'analysis.hold.v1', '1.1.0', 0, { metadata: { fault: { error_rate: 0.6 } } });
      assert.equal((await put(id, { analysis: { ...FAST, on_fail: 'hold' } })).status, 200);
      await f.request('POST', `/factory/cells/${enc(id)}/approve?version=1.1.0`, { body: {} });
      await loadUntil(
        f,
        id,
        async () => (await f.request('GET', `/factory/cells/${enc(id)}/analysis`)).body.judge_failed,
        'a fail verdict',
      );
      assert.equal((await revisionOf(f, id, '1.1.0')).state, 'canary');
      const approve = (body: unknown) =>
        f.request('POST', `/factory/cells/${enc(id)}/approve?version=1.1.0`, { body });
      const refused = await approve({});
      assert.equal(refused.status, 409);
      assert.equal(refused.body.code, 'analysis_failed');
      const noReason = await approve({ force: true });
      assert.equal(noReason.status, 400);
      assert.equal(noReason.body.code, 'invalid_request');
      assert.equal((await approve({ force: true, reason: '  ' })).status, 400);
      assert.equal((await approve({ force: 'yes', reason: 'x' })).status, 400);
      assert.equal((await revisionOf(f, id, '1.1.0')).state, 'canary', 'refusals change nothing');
      const forced = await approve({ force: true, reason: 'drill: the errors are injected' });
      assert.equal(forced.status, 200, JSON.stringify(forced.body));
      assert.equal(forced.body.state, 'experimental');
      const moves = (await auditEvents(f, 'cell.transition', id)).filter((e) => e.data.forced === true);
      assert.equal(moves.length, 1);
      assert.equal(moves[0].data.reason, 'drill: the errors are injected');
      assert.equal(moves[0].actor, 'admin');
    });
  });
}

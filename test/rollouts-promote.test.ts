import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestFabrica, type TestFabrica } from './support/app.js';
import { STORE_KINDS } from './support/stores.js';
import { auditEvents, enc, loadUntil, makeRevision, revisionOf } from './support/rollouts.js';

/** Small windows so that the judge decides within a test; the decisions themselves are not timed. */
const FAST = { interval_ms: 100, min_calls: 20, confidence: 0.95 };
/** Tolerances wide enough that a healthy canary passes after a few hundred calls. */
const LENIENT = {
  ...FAST,
  max_error_rate: 0.3,
  max_error_rate_increase: 0.2,
  confidence: 0.9,
  passes_to_promote: 2,
};

for (const { kind, skip } of STORE_KINDS) {
  describe(`the judge promoting healthy revisions (${kind})`, { skip }, () => {
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

    it('promotes a healthy canary with hitl false to stable on its own, each move by the analysis', async () => {
      const id = await makeRevision(f, 'analysis.healthy.v1', '1.0.0', 3);
      await makeRevision(f, 'analysis.healthy.v1', '1.1.0', 0);
      assert.equal((await put(id, { hitl: false, analysis: LENIENT })).status, 200);
      await f.request('POST', `/factory/cells/${enc(id)}/approve?version=1.1.0`, { body: {} });
      await loadUntil(f, id, async () => (await revisionOf(f, id, '1.1.0')).state === 'stable', 'stable');
      const rev = await revisionOf(f, id, '1.1.0');
      const moves = rev.history.slice(-2).map((h: any) => [h.from, h.to, h.actor]);
      assert.deepEqual(moves, [
        ['canary', 'experimental', 'analysis'],
        ['experimental', 'stable', 'analysis'],
      ]);
      assert.equal((await revisionOf(f, id, '1.0.0')).state, 'deprecated');
      const verdicts = (await f.request('GET', `/factory/cells/${enc(id)}/analysis?version=1.1.0&limit=500`))
        .body.verdicts;
      assert.ok(verdicts.every((v: any) => v.verdict !== 'fail'));
      assert.equal(verdicts.filter((v: any) => v.step === 'promote').length, 2);
      // Paginated, newest first.
      const page = await f.request('GET', `/factory/cells/${enc(id)}/analysis?version=1.1.0&limit=1`);
      assert.equal(page.body.verdicts.length, 1);
      assert.equal(page.body.verdicts[0].seq, verdicts[0].seq);
      const next = await f.request(
        'GET',
        `/factory/cells/${enc(id)}/analysis?version=1.1.0&limit=1&before=${page.body.next_cursor}`,
      );
      assert.equal(next.body.verdicts[0].seq, verdicts[1].seq);
    });

    it('with hitl true a passing canary waits for a person, marked awaiting approval', async () => {
      const id = await makeRevision(f, 'analysis.waits.v1', '1.0.0', 3);
      await makeRevision(f, 'analysis.waits.v1', '1.1.0', 0);
      assert.equal((await put(id, { hitl: true, analysis: LENIENT })).status, 200);
      await f.request('POST', `/factory/cells/${enc(id)}/approve?version=1.1.0`, { body: {} });
      const [waiting] = await loadUntil(
        f,
        id,
        async () => {
          const e = await auditEvents(f, 'cell.awaiting_approval', id);
          return e.length > 0 ? e : null;
        },
        'awaiting approval',
      );
      assert.equal(waiting.data.version, '1.1.0');
      assert.equal(waiting.data.state, 'canary');
      const analysis = await f.request('GET', `/factory/cells/${enc(id)}/analysis`);
      assert.equal(analysis.body.awaiting_approval, true);
      assert.equal(analysis.body.state, 'canary');
      assert.equal((await revisionOf(f, id, '1.1.0')).state, 'canary');
      const approved = await f.request('POST', `/factory/cells/${enc(id)}/approve?version=1.1.0`, {
        body: {},
      });
      assert.equal(approved.body.state, 'experimental');
    });
  });
}

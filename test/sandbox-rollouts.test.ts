import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestFabrica, type TestFabrica } from './support/app.js';
import { auditEvents, enc, loadUntil, revisionOf } from './support/rollouts.js';
import { ROOMY, SANDBOX_ENV, scriptTemplate } from './support/sandbox-cells.js';
import { STORE_KINDS } from './support/stores.js';

const wordCount = JSON.parse(readFileSync('examples/cells/wasm/analysis.word_count_wasm.v1.json', 'utf8'));

/** Small windows and lenient tolerances, so the judge decides within a test (the decisions are not timed). */
const POLICY = {
  hitl: false,
  analysis: {
    interval_ms: 100,
    min_calls: 20,
    max_error_rate: 0.3,
    max_error_rate_increase: 0.2,
    confidence: 0.9,
    passes_to_promote: 2,
    // Judged on errors only: a canary's first calls start its sandbox workers (about a second under load),
    // which a p95 comparison with the warm stable revision may take for a regression on a busy machine.
    max_p95_ratio: 1000,
  },
};

/** Creates a revision of a sandboxed cell and approves it `approvals` times; answers the cell id. */
async function revision(
  f: TestFabrica,
  backend: 'script' | 'wasm',
  tpl: Record<string, unknown>,
  approvals: number,
) {
  const created = await f.request('POST', '/factory/cells', { body: { backend, tpl } });
  assert.equal(created.status, 201, created.text);
  const id = created.body.id as string;
  for (let i = 0; i < approvals; i++) {
    const r = await f.request('POST', `/factory/cells/${enc(id)}/approve?version=${tpl.version as string}`, {
      body: {},
    });
    assert.equal(r.status, 200, r.text);
  }
  return id;
}

for (const { kind, skip } of STORE_KINDS) {
  describe(`rollouts of script and WASM cells (${kind})`, { skip }, () => {
    let f: TestFabrica;
    before(async () => {
      f = await startTestFabrica(kind, {
        ...SANDBOX_ENV,
        FABRICA_STATS_FLUSH_MS: '50',
        FABRICA_CANARY_PERCENT: '50',
      });
    });
    after(() => f.close());

    it('a failing script canary takes its share of the calls, fails its analysis and is rolled back', async () => {
      const stable = {
        ...scriptTemplate('script.rollout', 'function run(x) { return x + "!"; }'),
        version: '1.0.0',
      };
      const id = await revision(f, 'script', { ...stable, metadata: { schema: 'v1', limits: ROOMY } }, 3);
      await revision(
        f,
        'script',
        {
          ...stable,
          version: '1.1.0',
          draft_content: 'function run() { throw new Error("broken canary"); }',
          metadata: { schema: 'v1', limits: ROOMY },
        },
        0,
      );
      assert.equal(
        (await f.request('PUT', `/factory/cells/${enc(id)}/policy`, { body: POLICY })).status,
        200,
      );
      assert.equal(
        (await f.request('POST', `/factory/cells/${enc(id)}/approve?version=1.1.0`, { body: {} })).status,
        200,
      );
      const shares = (await f.request('GET', `/factory/cells/${enc(id)}`)).body.revisions.map(
        (r: any) => r.traffic_percent,
      );
      assert.deepEqual(shares, [50, 50]);
      await loadUntil(
        f,
        id,
        async () => (await revisionOf(f, id, '1.1.0')).state === 'rolled_back',
        'rollback',
      );
      const [rollback] = await auditEvents(f, 'factory.auto_rollback', id);
      assert.equal(rollback.actor, 'analysis');
      assert.equal(rollback.data.verdict.verdict, 'fail');
      // The stable script answers every call again.
      for (let i = 0; i < 10; i++) {
        const r = await f.request('POST', `/factory/cells/${enc(id)}/invoke`, { body: { input: `n${i}` } });
        assert.equal(r.status, 200, r.text);
        assert.deepEqual([r.body.revision, r.body.output], ['1.0.0', `n${i}!`]);
      }
    });

    it('a healthy WASM canary is promoted to stable by the analysis, each move by the judge', async () => {
      mkdirSync(f.config.templatesDir, { recursive: true });
      copyFileSync('examples/cells/wasm/word_count.wasm', join(f.config.templatesDir, 'word_count.wasm'));
      const tpl = { ...wordCount, id: 'wasm.rollout', metadata: { ...wordCount.metadata, limits: ROOMY } };
      const id = await revision(f, 'wasm', { ...tpl, version: '1.0.0' }, 3);
      await revision(f, 'wasm', { ...tpl, version: '1.1.0' }, 0);
      assert.equal(
        (await f.request('PUT', `/factory/cells/${enc(id)}/policy`, { body: POLICY })).status,
        200,
      );
      assert.equal(
        (await f.request('POST', `/factory/cells/${enc(id)}/approve?version=1.1.0`, { body: {} })).status,
        200,
      );
      await loadUntil(f, id, async () => (await revisionOf(f, id, '1.1.0')).state === 'stable', 'stable');
      const moves = (await revisionOf(f, id, '1.1.0')).history.slice(-2).map((h: any) => [h.to, h.actor]);
      assert.deepEqual(moves, [
        ['experimental', 'analysis'],
        ['stable', 'analysis'],
      ]);
      assert.equal((await revisionOf(f, id, '1.0.0')).state, 'deprecated');
      const r = await f.request('POST', `/factory/cells/${enc(id)}/invoke`, {
        body: { input: 'one two three' },
      });
      assert.deepEqual([r.body.revision, r.body.output], ['1.1.0', { words: 3 }]);
    });
  });
}

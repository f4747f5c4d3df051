import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestFabrica } from './support/app.js';
import { freshTarget, pgSkip, STORE_KINDS } from './support/stores.js';
import { auditEvents, enc, fromProcess, loadUntil, makeRevision, revisionOf } from './support/rollouts.js';
import { startServerProcess, type ServerProcess } from './support/server-process.js';

const ENV = {
  FABRICA_CAPABILITIES: 'fault_injection=experimental',
  FABRICA_STATS_FLUSH_MS: '50',
  FABRICA_CANARY_PERCENT: '50',
};
const POLICY = { analysis: { interval_ms: 100, min_calls: 20, confidence: 0.95 } };

/** Verdict numbers of a revision as the events tell them, oldest first. */
const seqs = async (f: Parameters<typeof auditEvents>[0], id: string, version: string) =>
  (await auditEvents(f, 'cell.analysis', id))
    .filter((e) => e.data.version === version)
    .map((e) => e.data.seq);

for (const { kind, skip } of STORE_KINDS) {
  describe(`rollout analysis across a crash (${kind})`, { skip }, () => {
    it('resumes the analysis after SIGKILL: verdicts go on, one per window, and the shadow report survives', async () => {
      const target = await freshTarget(kind);
      let first: ServerProcess | null = null;
      try {
        first = await startServerProcess({ ...target.env, ...ENV });
        const a = fromProcess(first);
        const id = await makeRevision(a, 'analysis.restart.v1', '1.0.0', 3);
        await makeRevision(a, 'analysis.restart.v1', '1.1.0', 0, {
          metadata: { fault: { error_rate: 0.5 } },
        });
        // min_calls high at first: verdicts are inconclusive until the crash, then the judge can decide.
        // The shadow mirrors the stable revision's calls to the canary (not judged: no max_shadow_diff_rate).
        await a.request('PUT', `/factory/cells/${enc(id)}/policy`, {
          body: { analysis: { ...POLICY.analysis, min_calls: 1_000_000 }, shadow: { enabled: true } },
        });
        await a.request('POST', `/factory/cells/${enc(id)}/approve?version=1.1.0`, { body: {} });
        await loadUntil(a, id, async () => (await seqs(a, id, '1.1.0')).length >= 2, 'two verdicts');
        const shadowBefore = await loadUntil(
          a,
          id,
          async () => {
            const r = (await a.request('GET', `/factory/cells/${enc(id)}/shadow?version=1.1.0`)).body;
            return r.calls > 0 ? r : null;
          },
          'shadow comparisons written',
        );
        const before = await seqs(a, id, '1.1.0');
        // Killed in the middle of the analysis: its timer is pending and calls are in flight.
        const load = Promise.all(
          Array.from({ length: 20 }, () =>
            a
              .request('POST', `/factory/cells/${enc(id)}/invoke`, { body: { input: 'hi' } })
              .catch(() => null),
          ),
        );
        await first.kill('SIGKILL');
        await load;
        first = null;

        const second = await startServerProcess({ ...target.env, ...ENV });
        const b = fromProcess(second);
        try {
          const shadowAfter = (await b.request('GET', `/factory/cells/${enc(id)}/shadow?version=1.1.0`)).body;
          assert.ok(
            shadowAfter.calls >= shadowBefore.calls,
            `shadow comparisons kept: ${shadowAfter.calls} ≥ ${shadowBefore.calls}`,
          );
          await b.request('PUT', `/factory/cells/${enc(id)}/policy`, { body: POLICY });
          await loadUntil(
            b,
            id,
            async () => (await revisionOf(b, id, '1.1.0')).state === 'rolled_back',
            'the rollback after the crash',
          );
          const after = await seqs(b, id, '1.1.0');
          assert.deepEqual(after.slice(0, before.length), before);
          assert.ok(after.length > before.length, 'verdicts continued after the crash');
          assert.deepEqual(
            after,
            after.map((_: number, i: number) => i + 1),
            'verdicts numbered on from before the crash, none twice',
          );
          const analysis = await b.request(
            'GET',
            `/factory/cells/${enc(id)}/analysis?version=1.1.0&limit=500`,
          );
          assert.equal(analysis.body.verdicts[0].verdict, 'fail');
          assert.equal(analysis.body.verdicts.length, after.length);
          // One verdict per window: the windows of the canary state are 1, 2, 3 … with none judged twice.
          const windows = analysis.body.verdicts.map((v: any) => v.window).reverse();
          assert.deepEqual(
            windows,
            windows.map((_: number, i: number) => i + 1),
          );
          assert.equal((await auditEvents(b, 'factory.auto_rollback', id)).length, 1);
        } finally {
          await second.kill('SIGTERM');
        }
      } finally {
        if (first !== null) await first.kill('SIGKILL');
        await target.cleanup();
      }
    });
  });
}

describe('two instances on one PostgreSQL judge each window once', { skip: pgSkip }, () => {
  it('gives one verdict per window while both serve the load', async () => {
    const target = await freshTarget('postgres');
    try {
      const a = await startTestFabrica('postgres', ENV, target);
      const b = await startTestFabrica('postgres', ENV, target);
      try {
        const id = await makeRevision(a, 'analysis.twice.v1', '1.0.0', 3);
        await makeRevision(a, 'analysis.twice.v1', '1.1.0', 0, { metadata: { fault: { error_rate: 0.5 } } });
        await a.request('PUT', `/factory/cells/${enc(id)}/policy`, { body: POLICY });
        await a.request('POST', `/factory/cells/${enc(id)}/approve?version=1.1.0`, { body: {} });
        await Promise.all([
          loadUntil(
            a,
            id,
            async () => (await revisionOf(a, id, '1.1.0')).state === 'rolled_back',
            'rollback (a)',
          ),
          loadUntil(
            b,
            id,
            async () => (await revisionOf(b, id, '1.1.0')).state === 'rolled_back',
            'rollback (b)',
          ),
        ]);
        const numbers = await seqs(a, id, '1.1.0');
        assert.ok(numbers.length >= 1);
        assert.deepEqual(
          numbers,
          numbers.map((_: number, i: number) => i + 1),
          'one verdict per window: numbered 1, 2, 3 … with no number twice',
        );
        assert.equal((await auditEvents(a, 'factory.auto_rollback', id)).length, 1);
        // Both instances saw every call: the stats sum over the instances' rows.
        const stats = (await b.request('GET', `/factory/cells/${enc(id)}/stats?version=1.1.0`)).body;
        assert.ok(stats.revisions[0].totals.calls >= 20);
      } finally {
        await b.close();
        await a.close();
      }
    } finally {
      await target.cleanup();
    }
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestFabrica, type TestFabrica } from './support/app.js';
import { STORE_KINDS } from './support/stores.js';

/** Six audited changes on a fresh store; returns their seqs, oldest first. */
async function sixChanges(f: TestFabrica): Promise<number[]> {
  for (let i = 0; i < 6; i += 1) {
    const level = i % 2 === 0 ? 'experimental' : 'locked';
    const r = await f.request('PUT', '/capabilities/self_edit', { body: { level, reason: `c${i}` } });
    assert.equal(r.status, 200, r.text);
  }
  const verify = await f.request('GET', '/audit/verify');
  assert.equal(verify.body.ok, true, verify.text);
  const seqs = (
    (await f.request('GET', '/audit?type=capability.changed&limit=100')).body.events as {
      seq: number;
    }[]
  ).map((e) => e.seq);
  assert.equal(seqs.length, 6);
  return seqs;
}

/** Each case tampers with a store of its own. */
for (const { kind, skip } of STORE_KINDS) {
  describe(`audit verify on a tampered log (${kind})`, { skip }, () => {
    it('names the row after a deleted middle row as a gap in seq', async () => {
      const f = await startTestFabrica(kind);
      try {
        const seqs = await sixChanges(f);
        const gone = seqs[2]!;
        await f.fabrica.store.db.deleteFrom('events').where('seq', '=', gone).execute();
        const v = await f.request('GET', '/audit/verify');
        assert.equal(v.status, 200);
        assert.equal(v.body.ok, false);
        assert.deepEqual(
          {
            seq: v.body.first_break.seq,
            problem: v.body.first_break.problem,
            expected: v.body.first_break.expected,
          },
          { seq: gone + 1, problem: 'seq_gap', expected: String(gone) },
        );
        assert.equal(v.body.checked, gone - 1, 'every row before the gap was checked');
      } finally {
        await f.close();
      }
    });

    it('notices the newest events deleted, though the rows left still link', async () => {
      const f = await startTestFabrica(kind);
      try {
        const seqs = await sixChanges(f);
        const head = (await f.request('GET', '/audit/verify')).body.head_seq as number;
        const firstGone = seqs[4]!;
        await f.fabrica.store.db.deleteFrom('events').where('seq', '>=', firstGone).execute();
        const v = await f.request('GET', '/audit/verify');
        assert.equal(v.body.ok, false);
        assert.equal(v.body.head_seq, head);
        assert.equal(v.body.first_break.seq, firstGone);
        assert.equal(v.body.first_break.problem, 'seq_gap');
        assert.equal(v.body.checked, firstGone - 1);
      } finally {
        await f.close();
      }
    });
  });
}

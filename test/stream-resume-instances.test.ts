import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ADMIN, startTestFabrica, type TestFabrica } from './support/app.js';
import { openSse } from './support/sse.js';
import { freshTarget, pgSkip } from './support/stores.js';
import { connectWs } from './support/ws-client.js';

describe('a stream resumed on another instance of one PostgreSQL', { skip: pgSkip }, () => {
  it('gets exactly the events it missed, whichever instance wrote them (SSE and WebSocket)', async () => {
    const target = await freshTarget('postgres');
    const a = await startTestFabrica('postgres', {}, target);
    const b = await startTestFabrica('postgres', {}, target);
    try {
      const baseA = await a.fabrica.app.listen({ port: 0, host: '127.0.0.1' });
      const baseB = await b.fabrica.app.listen({ port: 0, host: '127.0.0.1' });
      const auth = { authorization: `Bearer ${ADMIN}` };
      const change = async (f: TestFabrica, reason: string) => {
        const level = reason.length % 2 === 0 ? 'experimental' : 'locked';
        const r = await f.request('PUT', '/capabilities/factory_wasm', { body: { level, reason } });
        assert.equal(r.status, 200, r.text);
      };
      const q = 'subject_kind=capability';

      const first = openSse(`${baseA}/events?${q}`, auth);
      assert.equal(await first.status, 200);
      await first.waitFor((c) => c.comments.some((m) => m.startsWith('stream open')));
      await change(a, 'one');
      await change(b, 'two');
      await first.waitFor((c) => c.events().length === 2);
      const last = first.events().at(-1)!.seq;
      first.close();

      // Written through both instances while the client is away.
      await change(b, 'three');
      await change(a, 'four');
      await change(b, 'five');

      const resumed = openSse(`${baseB}/events?${q}`, { ...auth, 'last-event-id': String(last) });
      await resumed.waitFor((c) => c.events().length === 3);
      assert.deepEqual(
        resumed.events().map((e) => e.data.reason),
        ['three', 'four', 'five'],
      );
      const seqs = resumed.events().map((e) => e.seq);
      assert.ok(seqs[0]! > last);
      assert.deepEqual(
        [...seqs].sort((x, y) => x - y),
        seqs,
        'in seq order',
      );
      // Live from there on, from either instance.
      await change(a, 'six');
      await resumed.waitFor((c) => c.events().length === 4);
      assert.equal(resumed.events()[3]!.data.reason, 'six');
      resumed.close();

      // The WebSocket stream resumes the same way, with ?after.
      const ws = connectWs(baseA, '/events', `${q}&after=${last}`);
      await ws.waitFor('the missed events', (c) => c.events().length === 4);
      assert.deepEqual(
        ws.events().map((f) => f.event.data.reason),
        ['three', 'four', 'five', 'six'],
      );
      ws.ws.close();
    } finally {
      await b.close();
      await a.close();
    }
  });
});

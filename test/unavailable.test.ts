import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestFabrica } from './support/app.js';
import { STORE_KINDS } from './support/stores.js';
import { connectWs } from './support/ws-client.js';

for (const { kind, skip } of STORE_KINDS) {
  describe(`unavailable and internal errors (${kind})`, { skip }, () => {
    it('answers /readyz and new streams with 503 unavailable while shutting down', async () => {
      const f = await startTestFabrica(kind);
      try {
        const ready = await f.request('GET', '/readyz', { token: null });
        assert.equal(ready.status, 200);
        assert.equal(ready.body.status, 'ready');
        f.fabrica.lifecycle.shuttingDown = true;
        const down = await f.request('GET', '/readyz', { token: null });
        assert.equal(down.status, 503);
        assert.equal(down.body.code, 'unavailable');
        assert.equal(down.body.reason, 'shutting down');
        const stream = await f.request('GET', '/events', { headers: { accept: 'text/event-stream' } });
        assert.equal(stream.status, 503);
        assert.equal(stream.body.code, 'unavailable');
        // Liveness is not readiness: the process still answers.
        assert.equal((await f.request('GET', '/healthz', { token: null })).status, 200);
      } finally {
        f.fabrica.lifecycle.shuttingDown = false;
        await f.close();
      }
    });

    it('answers 503 on /readyz and 500 internal elsewhere when the store is gone, without its details', async () => {
      const f = await startTestFabrica(kind);
      try {
        await f.fabrica.store.close();
        const ready = await f.request('GET', '/readyz', { token: null });
        assert.equal(ready.status, 503);
        assert.equal(ready.body.code, 'unavailable');
        assert.equal(ready.body.reason, 'store unreachable');

        const r = await f.request('PUT', '/capabilities/self_edit', {
          body: { level: 'experimental', reason: 'store is gone' },
        });
        assert.equal(r.status, 500, r.text);
        assert.equal(r.body.code, 'internal');
        assert.equal(r.body.reason, 'internal error; see the server log for this request id');
        const requestId = String(r.headers['x-request-id']);
        assert.ok(requestId.length > 0);
        // The details are in the log, under the same request id; the client sees none of them.
        const logged = f.logs.map((l) => JSON.parse(l) as { msg?: string; reqId?: string; err?: unknown });
        assert.ok(
          logged.some((l) => l.msg === 'unexpected error' && l.reqId === requestId && l.err !== undefined),
        );
        assert.ok(!/sqlite|postgres|pool|database/i.test(r.text), r.text);
      } finally {
        await f.close().catch(() => undefined);
      }
    });
    it('ends a WebSocket stream whose catch-up cannot read the log with 1011 read_failed', async () => {
      const f = await startTestFabrica(kind);
      try {
        const base = await f.fabrica.app.listen({ port: 0, host: '127.0.0.1' });
        const r = await f.request('PUT', '/capabilities/self_edit', {
          body: { level: 'experimental', reason: 'x' },
        });
        assert.equal(r.status, 200);
        await f.fabrica.store.close();
        // From the start of the log: the stream must read the store, which is gone.
        const ws = connectWs(base, '/events', 'after=0');
        const closed = await ws.closed;
        assert.equal(closed.code, 1011);
        assert.equal(closed.reason, 'read_failed');
        assert.deepEqual(
          {
            type: ws.frames.at(-1).type,
            reason: ws.frames.at(-1).reason,
            resume_after: ws.frames.at(-1).resume_after,
          },
          { type: 'close', reason: 'read_failed', resume_after: 0 },
        );
      } finally {
        await f.close().catch(() => undefined);
      }
    });
  });
}

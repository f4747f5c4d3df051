import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { loadExampleCells } from './support/example-cells.js';
import { startTestFabrica, type TestFabrica } from './support/app.js';
import { openSse, type SseClient } from './support/sse.js';
import { STORE_KINDS } from './support/stores.js';
import { connectWs, type WsClient } from './support/ws-client.js';

for (const { kind, skip } of STORE_KINDS) {
  describe(`streams end with their token (${kind})`, { skip }, () => {
    let f: TestFabrica;
    let base: string;
    // The server's clock, moved forward to make a token expire without waiting for it.
    let skewMs = 0;
    const clock = { now: () => Date.now() + skewMs };
    const emit = (tenant: string, subjectId: string) =>
      f.fabrica.store.transaction(async (tx) => {
        await tx.appendEvent({
          type: 'test.tick',
          subjectKind: 'test',
          subjectId,
          tenant,
          actor: 'test',
          data: {},
        });
      });
    const newToken = async (body: Record<string, unknown>) => {
      const r = await f.request('POST', '/tokens', { body: { tenant: 'ta', access: 'read', ...body } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body as { id: string; token: string };
    };
    before(async () => {
      f = await startTestFabrica(
        kind,
        { FABRICA_WATCHDOG_SOFT_MS: '60000', FABRICA_WATCHDOG_HARD_MS: '60000' },
        undefined,
        { clock },
      );
      base = await f.fabrica.app.listen({ port: 0, host: '127.0.0.1' });
    });
    after(() => f.close());

    /** Both kinds of stream on `token`, each seen to deliver a live event of its tenant first. */
    async function openBoth(token: string, subject: string): Promise<{ sse: SseClient; ws: WsClient }> {
      const sse = openSse(`${base}/events?subject_kind=test&token=${token}`);
      const ws = connectWs(base, '/events', 'subject_kind=test', token);
      assert.equal(await sse.status, 200);
      await ws.waitFor('hello', (c) => c.data().some((x) => x.type === 'hello'));
      await emit('ta', subject);
      await sse.waitFor((c) => c.events().some((e) => e.subject_id === subject));
      await ws.waitFor('the live event', (c) => c.events().some((e) => e.event.subject_id === subject));
      return { sse, ws };
    }

    async function assertEnded(
      sse: SseClient,
      ws: WsClient,
      reason: string,
      token: string,
      after: string,
    ): Promise<void> {
      await sse.ended;
      const close = sse.frames.find((fr) => fr.event === 'fabrica.close');
      assert.ok(close, `no close event in ${JSON.stringify(sse.frames)}`);
      assert.equal(JSON.parse(close.data!).reason, reason);
      const closed = await ws.closed;
      assert.deepEqual(closed, { code: 4401, reason });
      assert.equal(ws.data().at(-1).type, 'close');
      assert.equal(ws.data().at(-1).reason, reason);
      // Nothing of the tenant reaches them afterwards, and the token opens nothing new.
      await emit('ta', after);
      assert.ok(!sse.events().some((e) => e.subject_id === after));
      assert.ok(!ws.events().some((e) => e.event.subject_id === after));
      const again = openSse(`${base}/events?token=${token}`);
      assert.equal(await again.status, 401);
      again.close();
    }

    it('closes SSE and WebSocket streams when their token is revoked', async () => {
      const t = await newToken({});
      const { sse, ws } = await openBoth(t.token, 'before-revoke');
      assert.equal((await f.request('DELETE', `/tokens/${t.id}`)).status, 200);
      await assertEnded(sse, ws, 'token_revoked', t.token, 'after-revoke');
    });

    it('closes SSE and WebSocket streams when their token expires', async () => {
      const t = await newToken({ expires_in: '1h' });
      const { sse, ws } = await openBoth(t.token, 'before-expiry');
      skewMs += 2 * 3_600_000;
      await assertEnded(sse, ws, 'token_expired', t.token, 'after-expiry');
    });

    it('leaves the streams of other tokens open', async () => {
      const kept = await newToken({});
      const gone = await newToken({});
      const keptStreams = await openBoth(kept.token, 'kept-1');
      const goneStreams = await openBoth(gone.token, 'gone-1');
      await f.request('DELETE', `/tokens/${gone.id}`);
      await assertEnded(goneStreams.sse, goneStreams.ws, 'token_revoked', gone.token, 'kept-2');
      await keptStreams.sse.waitFor((c) => c.events().some((e) => e.subject_id === 'kept-2'));
      await keptStreams.ws.waitFor('kept-2', (c) => c.events().some((e) => e.event.subject_id === 'kept-2'));
      keptStreams.sse.close();
      keptStreams.ws.ws.close();
    });

    it('closes a stream when its token no longer allows it: the capability it needs is locked', async () => {
      await loadExampleCells((method, url, body) =>
        f.request(method, url, body === undefined ? {} : { body }),
      );
      const template = JSON.parse(readFileSync('examples/organs/organ.echo.v1.json', 'utf8'));
      const built = await f.request('POST', '/organs/build', { body: { organ_template: template } });
      assert.equal(built.status, 201, JSON.stringify(built.body));
      const ws = connectWs(base, `/organs/${encodeURIComponent(built.body.organ_id)}/stream`);
      await ws.waitFor('the snapshot', (c) => c.data().some((x) => x.type === 'snapshot'));
      const lock = await f.request('PUT', '/capabilities/organs_builder', {
        body: { level: 'locked', reason: 'test' },
      });
      assert.equal(lock.status, 200, JSON.stringify(lock.body));
      try {
        assert.deepEqual(await ws.closed, { code: 4401, reason: 'access_revoked' });
        assert.equal(ws.data().at(-1).reason, 'access_revoked');
      } finally {
        await f.request('PUT', '/capabilities/organs_builder', {
          body: { level: 'experimental', reason: 'test' },
        });
      }
    });
  });
}

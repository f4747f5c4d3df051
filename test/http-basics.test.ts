import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startTestFabrica, type TestFabrica } from './support/app.js';
import { STORE_KINDS } from './support/stores.js';

for (const { kind, skip } of STORE_KINDS) {
  describe(`HTTP basics (${kind})`, { skip }, () => {
    let f: TestFabrica;
    before(async () => {
      f = await startTestFabrica(kind, { FABRICA_BODY_LIMIT: '2048' });
    });
    after(() => f.close());

    const headSeq = async () => (await f.request('GET', '/audit/verify')).body.head_seq as number;

    it('answers liveness and readiness', async () => {
      const h = await f.request('GET', '/healthz', { token: null });
      assert.equal(h.status, 200);
      assert.equal(h.body.status, 'ok');
      const r = await f.request('GET', '/readyz', { token: null });
      assert.equal(r.status, 200);
      assert.equal(r.body.store, kind);
      assert.ok(r.body.migrations.includes('001-foundation'));
    });

    it('serves OpenAPI 3 and the interactive docs', async () => {
      const o = await f.request('GET', '/openapi.json', { token: null });
      assert.equal(o.status, 200);
      assert.match(o.body.openapi, /^3\./);
      assert.ok(o.body.paths['/capabilities/{name}']);
      const d = await f.request('GET', '/docs/', { token: null });
      assert.equal(d.status, 200);
      assert.match(d.text, /swagger/i);
    });

    it('echoes a request id, or makes one', async () => {
      const a = await f.request('GET', '/healthz', { headers: { 'x-request-id': 'abc-123' } });
      assert.equal(a.headers['x-request-id'], 'abc-123');
      const b = await f.request('GET', '/healthz');
      const c = await f.request('GET', '/no/such/route', { headers: { 'x-request-id': 'bad id!' } });
      assert.match(String(b.headers['x-request-id']), /^[\w-]{8}-[0-9a-z]+$/);
      assert.match(String(c.headers['x-request-id']), /^[\w-]{8}-[0-9a-z]+$/);
      assert.notEqual(b.headers['x-request-id'], c.headers['x-request-id']);
      assert.equal(c.body.request_id, c.headers['x-request-id']);
    });

    it('answers a WebSocket upgrade of a plain or unknown route in HTTP, then closes the socket', async () => {
      const base = await f.fabrica.app.listen({ port: 0, host: '127.0.0.1' });
      for (const [path, status] of [
        ['/healthz', 200],
        ['/capabilities', 401],
        ['/no/such/route', 404],
      ] as const) {
        assert.deepEqual(await upgradeRequest(base, path), { status, socketClosed: true }, path);
      }
    });

    it('answers an unknown route with 404 JSON', async () => {
      const r = await f.request('GET', '/no/such/route');
      assert.equal(r.status, 404);
      assert.equal(r.body.code, 'not_found');
      assert.match(r.body.reason, /GET \/no\/such\/route/);
      const llm = await f.request('GET', '/llm/factory/nothing');
      assert.equal(llm.status, 404);
      assert.deepEqual([llm.body.success, llm.body.code], [false, 'not_found']);
      assert.equal(typeof llm.body.message, 'string');
    });

    it('refuses malformed JSON with 400 invalid_json and changes nothing', async () => {
      const before = await headSeq();
      const r = await f.request('PUT', '/capabilities/self_edit', {
        rawBody: '{"level": "stable",',
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(r.status, 400);
      assert.equal(r.body.code, 'invalid_json');
      assert.equal(await headSeq(), before);
    });

    it('refuses wrong types with 400 naming the field', async () => {
      const before = await headSeq();
      const r = await f.request('PUT', '/capabilities/self_edit', { body: { level: 7, reason: 'x' } });
      assert.equal(r.status, 400);
      assert.equal(r.body.code, 'invalid_request');
      assert.equal(r.body.field, 'body.level');
      assert.match(r.body.reason, /body\.level/);
      const e = await f.request('PUT', '/capabilities/self_edit', { body: { level: 'warp', reason: 'x' } });
      assert.match(e.body.reason, /allowed: locked, experimental, stable/);
      const extra = await f.request('PUT', '/capabilities/self_edit', {
        body: { level: 'stable', reason: 'x', colour: 1 },
      });
      assert.equal(extra.status, 400);
      assert.match(extra.body.reason, /unknown field "colour"/);
      const q = await f.request('GET', '/audit?limit=lots');
      assert.equal(q.status, 400);
      assert.equal(q.body.field, 'querystring.limit');
      assert.equal(await headSeq(), before);
    });

    it('refuses a body over the limit with 413', async () => {
      const r = await f.request('PUT', '/capabilities/self_edit', {
        body: { level: 'stable', reason: 'x'.repeat(5000) },
      });
      assert.equal(r.status, 413);
      assert.equal(r.body.code, 'payload_too_large');
    });

    it('refuses an unsupported content type with 415', async () => {
      const r = await f.request('PUT', '/capabilities/self_edit', {
        rawBody: 'level=stable',
        headers: { 'content-type': 'text/plain' },
      });
      assert.equal(r.status, 415);
      assert.equal(r.body.code, 'unsupported_media_type');
    });

    it('takes an empty JSON body as {} (and then validates it)', async () => {
      const r = await f.request('POST', '/safe-mode', {
        rawBody: '',
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(r.status, 400);
      assert.equal(r.body.code, 'invalid_request');
      assert.match(r.body.reason, /must have required property 'on'/);
    });

    it('applies every one of concurrent plain updates (no expected version): last writer wins, none refused', async () => {
      const before = (await f.request('GET', '/capabilities/self_edit')).body.version as number;
      const puts = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          f.request('PUT', '/capabilities/self_edit', {
            body: { level: i % 2 ? 'locked' : 'experimental', reason: `w${i}` },
          }),
        ),
      );
      assert.deepEqual(
        puts.map((r) => r.status),
        Array(10).fill(200),
      );
      assert.equal((await f.request('GET', '/capabilities/self_edit')).body.version, before + 10);
      const toggles = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          f.request('POST', '/safe-mode', { body: { on: i % 2 === 0, reason: `t${i}` } }),
        ),
      );
      assert.deepEqual(
        toggles.map((r) => r.status),
        Array(6).fill(200),
      );
      await f.request('POST', '/safe-mode', { body: { on: false, reason: 'done' } });
    });

    it('gives one of two concurrent conflicting updates 409 conflict', async () => {
      const current = (await f.request('GET', '/capabilities/factory_wasm')).body.version as number;
      const [a, b] = await Promise.all([
        f.request('PUT', '/capabilities/factory_wasm', {
          body: { level: 'experimental', reason: 'one', expected_version: current },
        }),
        f.request('PUT', '/capabilities/factory_wasm', {
          body: { level: 'stable', reason: 'two', expected_version: current },
        }),
      ]);
      assert.deepEqual([a.status, b.status].sort(), [200, 409]);
      const loser = a.status === 409 ? a : b;
      assert.equal(loser.body.code, 'conflict');
      const after = await f.request('GET', '/capabilities/factory_wasm');
      assert.equal(after.body.version, current + 1);
      // If-Match works the same way.
      const stale = await f.request('PUT', '/capabilities/factory_wasm', {
        body: { level: 'locked', reason: 'stale' },
        headers: { 'if-match': `"${current}"` },
      });
      assert.equal(stale.status, 409);
    });
  });
}

/** A WebSocket upgrade request; resolves with the plain HTTP answer once the server has closed the socket. */
function upgradeRequest(base: string, path: string): Promise<{ status: number; socketClosed: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.request(base + path, {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      },
    });
    req.on('upgrade', () => reject(new Error(`${path} was upgraded`)));
    req.on('response', (res) => {
      res.resume();
      res.socket.on('close', () => resolve({ status: res.statusCode ?? 0, socketClosed: true }));
    });
    req.on('error', reject);
    req.end();
  });
}

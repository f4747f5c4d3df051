import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestFabrica, type TestFabrica } from './support/app.js';
import { STORE_KINDS } from './support/stores.js';

for (const { kind, skip } of STORE_KINDS) {
  describe(`GET /auth/whoami (${kind})`, { skip }, () => {
    let f: TestFabrica;
    before(async () => {
      f = await startTestFabrica(kind);
    });
    after(() => f.close());

    it('names the admin token', async () => {
      const r = await f.request('GET', '/auth/whoami');
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { kind: 'admin', token_id: 'admin', tenant: null, access: 'root' });
    });

    it('names a tenant token of any level, by id and never by secret', async () => {
      const created = await f.request('POST', '/tokens', { body: { tenant: 'acme', access: 'read' } });
      assert.equal(created.status, 201);
      const r = await f.request('GET', '/auth/whoami', { token: created.body.token });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { kind: 'tenant', token_id: created.body.id, tenant: 'acme', access: 'read' });
      assert.ok(!r.text.includes(created.body.token));
    });

    it('answers 401 with the reason without a valid token', async () => {
      const none = await f.request('GET', '/auth/whoami', { token: null });
      assert.equal(none.status, 401);
      assert.deepEqual([none.body.code, none.body.reason], ['unauthorized', 'a bearer token is required']);
      const wrong = await f.request('GET', '/auth/whoami', { token: 'fab_nobody' });
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.reason, 'unknown token');
      const created = await f.request('POST', '/tokens', { body: { tenant: 'acme', access: 'edit' } });
      await f.request('DELETE', `/tokens/${created.body.id}`);
      const revoked = await f.request('GET', '/auth/whoami', { token: created.body.token });
      assert.equal(revoked.status, 401);
      assert.equal(revoked.body.reason, 'token revoked');
    });

    it('is in the OpenAPI document', async () => {
      const o = await f.request('GET', '/openapi.json', { token: null });
      assert.deepEqual(o.body.paths['/auth/whoami'].get.tags, ['operator']);
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN, startTestFabrica, type TestFabrica } from './support/app.js';
import { runCli } from './support/server-process.js';
import { STORE_KINDS } from './support/stores.js';

for (const { kind, skip } of STORE_KINDS) {
  describe(`access, policy and audit (${kind})`, { skip }, () => {
    let f: TestFabrica;
    const secrets: string[] = [ADMIN];
    const newToken = async (body: Record<string, unknown>) => {
      const r = await f.request('POST', '/tokens', { body });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      secrets.push(r.body.token);
      return r.body as { id: string; token: string; expires_at: string | null };
    };
    before(async () => {
      f = await startTestFabrica(kind);
    });
    after(() => f.close());

    it('refuses a request without a token with 401 unauthorized', async () => {
      const r = await f.request('GET', '/capabilities', { token: null });
      assert.equal(r.status, 401);
      assert.equal(r.body.code, 'unauthorized');
    });

    it('refuses an unknown token and a malformed header with 401', async () => {
      assert.equal((await f.request('GET', '/capabilities', { token: 'fab_not_a_real_token' })).status, 401);
      const r = await f.request('GET', '/capabilities', {
        token: null,
        headers: { authorization: 'Basic abc' },
      });
      assert.equal(r.status, 401);
    });

    it('creates a tenant token whose secret is shown once and stored only as a hash', async () => {
      const t = await newToken({ tenant: 'acme', access: 'read', label: 'ci' });
      assert.match(t.token, /^fab_/);
      const list = await f.request('GET', '/tokens');
      const row = list.body.tokens.find((x: { id: string }) => x.id === t.id);
      assert.equal(row.tenant, 'acme');
      assert.equal(row.state, 'active');
      assert.ok(!JSON.stringify(list.body).includes(t.token));
      assert.equal((await f.request('GET', '/capabilities', { token: t.token })).status, 200);
    });

    it('refuses bad token requests with their codes', async () => {
      for (const body of [
        { tenant: '', access: 'read' },
        { tenant: 'acme', access: 'god' },
        { tenant: 'acme', access: 'read', expires_in: 'soon' },
        { tenant: 'acme' },
      ]) {
        const r = await f.request('POST', '/tokens', { body });
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.equal(r.body.code, 'invalid_request');
      }
      assert.equal((await f.request('DELETE', '/tokens/tok_missing')).status, 404);
    });

    it('refuses admin routes to tenant tokens with 403 forbidden, whatever their level', async () => {
      const root = await newToken({ tenant: 'acme', access: 'root' });
      const r = await f.request('PUT', '/capabilities/self_edit', {
        token: root.token,
        body: { level: 'stable', reason: 'x' },
      });
      assert.equal(r.status, 403);
      assert.equal(r.body.code, 'forbidden');
      assert.equal((await f.request('GET', '/audit', { token: root.token })).status, 403);
      assert.equal(
        (await f.request('POST', '/tokens', { token: root.token, body: { tenant: 'acme', access: 'read' } }))
          .status,
        403,
      );
    });

    it('refuses an expired token with 401 and records the expiry through a durable timer', async () => {
      const t = await newToken({ tenant: 'acme', access: 'edit', expires_in: 1 });
      assert.equal((await f.request('GET', '/capabilities', { token: t.token })).status, 200);
      await new Promise((r) => setTimeout(r, 1300));
      const r = await f.request('GET', '/capabilities', { token: t.token });
      assert.equal(r.status, 401);
      assert.match(r.body.reason, /expired/);
      for (let i = 0; i < 50; i += 1) {
        const ev = await f.request('GET', `/audit?type=token.expired&subject_id=${t.id}`);
        if (ev.body.events.length === 1) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.fail('token.expired was not recorded');
    });

    it('refuses a revoked token with 401', async () => {
      const t = await newToken({ tenant: 'acme', access: 'edit' });
      assert.equal((await f.request('GET', '/capabilities', { token: t.token })).status, 200);
      const del = await f.request('DELETE', `/tokens/${t.id}?reason=leaked`);
      assert.equal(del.status, 200);
      assert.equal(del.body.state, 'revoked');
      const r = await f.request('GET', '/capabilities', { token: t.token });
      assert.equal(r.status, 401);
      assert.match(r.body.reason, /revoked/);
    });

    it('locks and unlocks a capability at run time, audited with actor, before, after and reason', async () => {
      const put = await f.request('PUT', '/capabilities/factory_adapter', {
        body: { level: 'locked', reason: 'incident 42' },
      });
      assert.equal(put.status, 200);
      assert.equal(put.body.enabled, false);
      const list = await f.request('GET', '/capabilities');
      assert.equal(
        list.body.capabilities.find((c: { name: string }) => c.name === 'factory_adapter').level,
        'locked',
      );
      const audit = await f.request('GET', '/audit?type=capability.changed&subject_id=factory_adapter');
      const last = audit.body.events.at(-1);
      assert.equal(last.actor, 'admin');
      assert.deepEqual(last.data.before, { level: 'experimental' });
      assert.deepEqual(last.data.after, { level: 'locked' });
      assert.equal(last.data.reason, 'incident 42');
      assert.equal(
        (
          await f.request('PUT', '/capabilities/factory_adapter', {
            body: { level: 'experimental', reason: 'fixed' },
          })
        ).status,
        200,
      );
      const unknown = await f.request('PUT', '/capabilities/warp_drive', {
        body: { level: 'stable', reason: 'x' },
      });
      assert.equal(unknown.status, 404);
      assert.match(unknown.body.reason, /known: factory_adapter/);
    });

    it('turns safe mode on and off; the state and its audit entry show', async () => {
      const on = await f.request('POST', '/safe-mode', { body: { on: true, reason: 'maintenance' } });
      assert.equal(on.status, 200);
      assert.equal(on.body.on, true);
      const t = await newToken({ tenant: 'acme', access: 'read' });
      assert.equal((await f.request('GET', '/safe-mode', { token: t.token })).body.on, true);
      const off = await f.request('POST', '/safe-mode', { body: { on: false, reason: 'done' } });
      assert.equal(off.body.on, false);
      const audit = await f.request('GET', '/audit?type=safe_mode.changed');
      assert.deepEqual(
        audit.body.events.map((e: { data: { after: { on: boolean } } }) => e.data.after.on),
        [true, false],
      );
    });

    it('records every denial in the decision log', async () => {
      await f.request('GET', '/capabilities', { token: null });
      const r = await f.request('GET', '/audit?type=access.denied');
      assert.ok(r.body.events.length >= 3);
      const codes = new Set(r.body.events.map((e: { data: { code: string } }) => e.data.code));
      assert.ok(codes.has('unauthorized') && codes.has('forbidden'));
      for (const e of r.body.events) assert.equal(typeof e.data.reason, 'string');
    });

    it('paginates the audit trail with a cursor and filters by actor and time', async () => {
      const page1 = await f.request('GET', '/audit?limit=3');
      assert.equal(page1.body.events.length, 3);
      const page2 = await f.request('GET', `/audit?limit=3&after=${page1.body.next_cursor}`);
      assert.equal(page2.body.events[0].seq, page1.body.events[2].seq + 1);
      const byActor = await f.request('GET', '/audit?actor=system&limit=1000');
      assert.ok(byActor.body.events.length > 0);
      assert.ok(byActor.body.events.every((e: { actor: string }) => e.actor === 'system'));
      const future = await f.request('GET', '/audit?from=2999-01-01T00:00:00Z');
      assert.deepEqual(future.body.events, []);
      assert.equal((await f.request('GET', '/audit?from=yesterday')).status, 400);
    });

    it('names a tampered row in /audit/verify and in `fabrica audit verify`', async () => {
      // A store of its own: the other tests here go on appending to a chain that must stay whole.
      const g = await startTestFabrica(kind);
      try {
        for (const level of ['experimental', 'locked', 'experimental', 'locked', 'experimental']) {
          const r = await g.request('PUT', '/capabilities/self_edit', { body: { level, reason: 'r' } });
          assert.equal(r.status, 200);
        }
        assert.equal((await g.request('GET', '/audit/verify')).body.ok, true);
        const victim = (await g.request('GET', '/audit?limit=5')).body.events[3].seq as number;
        await g.fabrica.store.db
          .updateTable('events')
          .set({ data: '{"action":"capability.set","after":{"level":"stable"}}' })
          .where('seq', '=', victim)
          .execute();
        const v = await g.request('GET', '/audit/verify');
        assert.equal(v.body.ok, false);
        assert.equal(v.body.first_break.seq, victim);
        assert.equal(v.body.first_break.problem, 'hash_mismatch');
        const cli = await runCli(['audit', 'verify'], { ...g.target.env, FABRICA_LOG_LEVEL: 'silent' });
        assert.equal(cli.code, 1);
        assert.match(cli.stdout, new RegExp(`broken: event seq ${victim}: hash mismatch`));
      } finally {
        await g.close();
      }
    });

    it('never writes a token secret to logs, events or error bodies', async () => {
      // Provoke errors carrying tokens in every place a client can put one.
      await f.request('GET', `/capabilities?token=${ADMIN}`, { token: null });
      await f.request('GET', `/no/route?token=${ADMIN}`);
      await f.request('GET', '/capabilities', { token: 'fab_wrong_secret_value_123' });
      secrets.push('fab_wrong_secret_value_123');
      const events = await f.fabrica.store.eventsAfter(0, 100_000);
      const haystacks = [f.logs.join(''), JSON.stringify(events)];
      assert.ok(f.logs.length > 10, 'the app logged requests');
      for (const s of secrets) for (const h of haystacks) assert.ok(!h.includes(s), 'a secret leaked');
      const bad = await f.request('GET', `/nothing?token=${ADMIN}`);
      assert.ok(!bad.text.includes(ADMIN));
    });
  });
}

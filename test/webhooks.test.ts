import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startTestFabrica, type TestFabrica } from './support/app.js';
import { STORE_KINDS } from './support/stores.js';
import { startReceiver, validSignature } from './support/webhook-receiver.js';

/** Quick retries, so that a receiver that recovers is retried within the test. */
const FAST = {
  FABRICA_WEBHOOK_RETRY_BASE_MS: '50',
  FABRICA_WEBHOOK_RETRY_MAX_MS: '200',
};

/** Changes a capability `n` times: each change is one `capability.changed` event, its reason `<tag>-i`. */
async function capabilityChanges(f: TestFabrica, tag: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) {
    const r = await f.request('PUT', '/capabilities/factory_wasm', {
      body: { level: i % 2 === 0 ? 'experimental' : 'locked', reason: `${tag}-${i}` },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
}

/** Waits until a webhook's delivery counts are `want` (a deadline, never a fixed sleep). */
async function waitForCounts(f: TestFabrica, id: string, want: object): Promise<void> {
  const deadline = Date.now() + 60_000;
  let got: unknown;
  while (Date.now() < deadline) {
    got = (await f.request('GET', `/webhooks/${id}`)).body.deliveries;
    if (JSON.stringify(got) === JSON.stringify(want)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`webhook ${id}: deliveries ${JSON.stringify(got)}, wanted ${JSON.stringify(want)}`);
}

const reasons = (rs: readonly { json: any }[]) => rs.map((r) => r.json.event.data.reason as string);

/** A TCP port nothing listens on (connection refused). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

for (const { kind, skip } of STORE_KINDS) {
  describe(`webhooks over HTTP (${kind})`, { skip }, () => {
    let f: TestFabrica;
    before(async () => {
      f = await startTestFabrica(kind, FAST);
    });
    after(async () => {
      await f.close();
    });

    it('a receiver failing its first 3 deliveries gets every event once it recovers, in order, signed', async () => {
      const receiver = await startReceiver((n) => (n < 3 ? 500 : 204));
      try {
        const secret = 'a-receiver-secret-0123456789';
        const created = await f.request('POST', '/webhooks', {
          body: { url: receiver.url, events: ['capability.*'], secret },
        });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        assert.equal(created.body.generated_secret, null);
        assert.equal(created.body.secret_set, true);
        assert.ok(!created.text.includes(secret), 'the secret is never answered');
        const id = created.body.id as string;

        await capabilityChanges(f, 'recover', 5);
        await receiver.waitFor('5 delivered', () => receiver.ok().length >= 5);

        const ok = receiver.ok();
        assert.deepEqual(reasons(ok), ['recover-0', 'recover-1', 'recover-2', 'recover-3', 'recover-4']);
        assert.equal(new Set(ok.map((r) => r.deliveryId)).size, 5, 'one delivery per event');
        // In order: no later event was even tried before the earlier one got through.
        const seqs = receiver.received.map((r) => r.json.event.seq as number);
        assert.deepEqual(
          seqs,
          [...seqs].sort((a, b) => a - b),
          'attempts in seq order',
        );
        assert.deepEqual(
          receiver.received.slice(0, 4).map((r) => r.attempt),
          [1, 2, 3, 4],
          `the first delivery was retried until it got through: ${JSON.stringify(receiver.received.map((r) => [r.deliveryId, r.attempt, r.status]))}`,
        );
        assert.equal(new Set(receiver.received.slice(0, 4).map((r) => r.deliveryId)).size, 1);
        for (const r of receiver.received) {
          assert.ok(validSignature(secret, r), 'every request is signed with the secret');
          assert.equal(r.json.delivery_id, r.deliveryId);
          assert.equal(r.json.webhook_id, id);
          assert.equal(r.eventType, 'capability.changed');
          assert.equal(r.json.event.type, 'capability.changed');
          assert.deepEqual(r.json.event.subject, { kind: 'capability', id: 'factory_wasm' });
          assert.match(r.json.event.at, /^\d{4}-\d\d-\d\dT/);
        }
        assert.ok(!validSignature('another-secret-0123456789', ok[0]!), 'a wrong secret does not verify');

        // The records say the same, once the last answer is recorded (the receiver sees it first).
        await waitForCounts(f, id, { pending: 0, delivered: 5, failed: 0 });
        const page = await f.request('GET', `/webhooks/${id}/deliveries`);
        assert.equal(page.status, 200);
        const deliveries = page.body.deliveries as any[];
        assert.equal(deliveries.length, 5);
        assert.ok(deliveries.every((d) => d.state === 'delivered' && d.last_status === 204));
        assert.deepEqual(
          deliveries.map((d) => d.attempts),
          [1, 1, 1, 1, 4],
          'newest first; the oldest took 4 attempts',
        );
        assert.equal(deliveries[4].id, ok[0]!.deliveryId);
        const one = await f.request('GET', `/webhooks/${id}`);
        assert.deepEqual(one.body.deliveries, { pending: 0, delivered: 5, failed: 0 });

        // Pages of deliveries, newest first.
        const first = await f.request('GET', `/webhooks/${id}/deliveries?limit=3`);
        assert.equal(first.body.deliveries.length, 3);
        const rest = await f.request(
          'GET',
          `/webhooks/${id}/deliveries?limit=3&before=${first.body.next_cursor as string}`,
        );
        assert.deepEqual(
          [...first.body.deliveries, ...rest.body.deliveries].map((d: any) => d.id),
          deliveries.map((d) => d.id),
        );
        assert.equal(rest.body.next_cursor, null);

        const metrics = await f.request('GET', '/metrics');
        assert.match(metrics.text, /fabrica_webhook_deliveries_total\{outcome="retried"\} 3\b/);
        assert.match(metrics.text, /fabrica_webhook_deliveries_total\{outcome="delivered"\} 5\b/);
        assert.match(metrics.text, /fabrica_webhook_deliveries_pending 0\b/);

        assert.equal((await f.request('DELETE', `/webhooks/${id}`)).status, 200);
        assert.equal((await f.request('GET', `/webhooks/${id}`)).status, 404);
        assert.equal((await f.request('GET', `/webhooks/${id}/deliveries`)).status, 404);
        assert.equal((await f.request('DELETE', `/webhooks/${id}`)).status, 404);
      } finally {
        await receiver.close();
      }
    });

    it('a hanging and a refusing endpoint do not delay another webhook', async () => {
      const hang = await startReceiver(() => 'hang');
      const healthy = await startReceiver();
      const ids: string[] = [];
      try {
        const refused = `http://127.0.0.1:${await closedPort()}/hook`;
        for (const url of [hang.url, refused, healthy.url]) {
          const r = await f.request('POST', '/webhooks', { body: { url, events: ['capability.changed'] } });
          assert.equal(r.status, 201, JSON.stringify(r.body));
          ids.push(r.body.id);
        }
        await capabilityChanges(f, 'isolate', 6);
        await healthy.waitFor('6 delivered', () => healthy.ok().length >= 6);
        assert.deepEqual(
          reasons(healthy.ok()),
          [0, 1, 2, 3, 4, 5].map((i) => `isolate-${i}`),
        );
        // Meanwhile the hanging endpoint still holds its first delivery, and got nothing else (order).
        assert.equal(hang.received.length, 1);
        assert.equal(hang.hanging(), 1);
        assert.equal(reasons(hang.received)[0], 'isolate-0');
        // The refusing one is retried, its error recorded.
        const deadline = Date.now() + 60_000;
        let head: any;
        do {
          head = (await f.request('GET', `/webhooks/${ids[1]!}/deliveries?state=pending`)).body.deliveries.at(
            -1,
          );
          if (head?.attempts >= 2) break;
          await new Promise((r) => setTimeout(r, 20));
        } while (Date.now() < deadline);
        assert.ok(head.attempts >= 2, JSON.stringify(head));
        assert.match(head.last_error, /ECONNREFUSED/);
        assert.equal(head.last_status, null);
        assert.ok(head.next_attempt_at !== null);
      } finally {
        for (const id of ids) await f.request('DELETE', `/webhooks/${id}`);
        await hang.close();
        await healthy.close();
      }
    });

    it('refuses bad URLs and patterns with the stated 400, never echoing credentials', async () => {
      const bad: [string, string][] = [
        ['ftp://127.0.0.1/hook', 'scheme'],
        ['javascript:alert(1)', 'scheme'],
        ['not a url', 'malformed'],
        ['http://user:hunter2pass@127.0.0.1/hook', 'credentials'],
        ['http://127.0.0.1/hook?token=s3cr3tv4lue', 'query_secret'],
        ['https://127.0.0.1/hook?x=1&api_key=s3cr3tv4lue', 'query_secret'],
        ['http://no-such-host.invalid/hook?id=s3cr3tv4lue', 'unresolvable'],
      ];
      for (const [url, problem] of bad) {
        const r = await f.request('POST', '/webhooks', { body: { url } });
        assert.equal(r.status, 400, url);
        assert.equal(r.body.code, 'invalid_webhook_url', url);
        assert.equal(r.body.problem, problem, url);
        assert.equal(r.body.field, 'body.url');
        assert.ok(!r.text.includes('s3cr3tv4lue') && !r.text.includes('hunter2pass'), r.text);
      }
      for (const events of [['Cell.*'], ['cell.analysis[verdict=fail'], ['**'], ['cell.*', 'a b']]) {
        const r = await f.request('POST', '/webhooks', { body: { url: 'http://127.0.0.1:9/h', events } });
        assert.equal(r.status, 400, JSON.stringify(events));
        assert.equal(r.body.code, 'invalid_event_pattern');
        assert.equal(r.body.field, `body.events.${events.length - 1}`);
      }
      const short = await f.request('POST', '/webhooks', {
        body: { url: 'http://127.0.0.1:9/h', secret: 'tooshort' },
      });
      assert.equal(short.status, 400);
      assert.equal(short.body.code, 'invalid_request');
      assert.ok(!short.text.includes('tooshort'));
      const empty = await f.request('POST', '/webhooks', {
        body: { url: 'http://127.0.0.1:9/h', events: [] },
      });
      assert.equal(empty.status, 400);
      // Nothing was registered by any of these.
      assert.deepEqual((await f.request('GET', '/webhooks')).body.webhooks, []);
    });

    it('defaults its events, generates a secret shown once, and is for the admin only', async () => {
      const r = await f.request('POST', '/webhooks', { body: { url: 'http://localhost:9/hook' } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const secret = r.body.generated_secret as string;
      assert.match(secret, /^whsec_[A-Za-z0-9_-]{32}$/);
      assert.deepEqual(r.body.events, [
        '*.awaiting_approval',
        'cell.analysis[verdict=fail]',
        'factory.auto_rollback',
        'immune.quarantine',
        'organ.stage_changed[to=stable]',
      ]);
      const list = await f.request('GET', '/webhooks');
      const one = await f.request('GET', `/webhooks/${r.body.id as string}`);
      const audit = await f.request('GET', `/audit?subject_id=${r.body.id as string}`);
      for (const answer of [list, one, audit]) {
        assert.equal(answer.status, 200);
        assert.ok(!answer.text.includes(secret), 'the generated secret is shown once only');
      }
      assert.equal(list.body.webhooks.length, 1);
      assert.equal(one.body.secret_set, true);
      assert.equal(audit.body.events[0].type, 'webhook.created');

      const token = await f.request('POST', '/tokens', { body: { tenant: 'acme', access: 'root' } });
      const tenant = token.body.token as string;
      assert.equal((await f.request('GET', '/webhooks', { token: tenant })).status, 403);
      const post = await f.request('POST', '/webhooks', {
        token: tenant,
        body: { url: 'http://127.0.0.1:9/h' },
      });
      assert.equal(post.status, 403);
      assert.equal(
        (await f.request('DELETE', `/webhooks/${r.body.id as string}`, { token: tenant })).status,
        403,
      );
      assert.equal((await f.request('DELETE', `/webhooks/${r.body.id as string}`)).status, 200);
    });

    it('sends only the events its patterns match, from its creation on', async (t) => {
      const receiver = await startReceiver();
      t.after(() => receiver.close());
      await capabilityChanges(f, 'before', 2);
      const r = await f.request('POST', '/webhooks', {
        body: { url: receiver.url, events: ['capability.changed[after.level=stable]', 'safe_mode.*'] },
      });
      const id = r.body.id as string;
      t.after(() => f.request('DELETE', `/webhooks/${id}`));
      await capabilityChanges(f, 'skipped', 2); // experimental and locked: no match
      await f.request('PUT', '/capabilities/factory_wasm', { body: { level: 'stable', reason: 'wanted' } });
      await f.request('POST', '/safe-mode', { body: { on: true, reason: 'drill' } });
      await f.request('POST', '/safe-mode', { body: { on: false, reason: 'drill over' } });
      await receiver.waitFor('3 delivered', () => receiver.ok().length >= 3);
      assert.deepEqual(
        receiver.ok().map((x) => x.eventType),
        ['capability.changed', 'safe_mode.changed', 'safe_mode.changed'],
      );
      assert.equal(receiver.ok()[0]!.json.event.data.reason, 'wanted');
    });
  });
}

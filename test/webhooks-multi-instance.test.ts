import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startServerProcess, type ServerProcess } from './support/server-process.js';
import { freshTarget, pgSkip } from './support/stores.js';
import { startReceiver, validSignature } from './support/webhook-receiver.js';

const SECRET = 'restart-test-secret-0123456789';

describe('webhooks through two instances on one PostgreSQL', { skip: pgSkip }, () => {
  it('make one delivery per event and start each attempt once', async () => {
    const target = await freshTarget('postgres');
    // Every first attempt fails, so each delivery is attempted twice: both attempts must be seen once.
    const receiver = await startReceiver((_n, r) => (r.attempt === 1 ? 503 : 200));
    const env = { ...target.env, FABRICA_WEBHOOK_RETRY_BASE_MS: '20', FABRICA_WEBHOOK_RETRY_MAX_MS: '100' };
    const servers: ServerProcess[] = [];
    try {
      // Both at once; whatever started is stopped, even when the other fails to.
      const started = await Promise.allSettled([startServerProcess(env), startServerProcess(env)]);
      for (const s of started) if (s.status === 'fulfilled') servers.push(s.value);
      for (const s of started) if (s.status === 'rejected') throw s.reason;
      const [a, b] = servers as [ServerProcess, ServerProcess];
      const created = await a.request('POST', '/webhooks', {
        url: receiver.url,
        events: ['capability.changed'],
        secret: SECRET,
      });
      assert.equal(created.status, 201);
      const n = 20;
      for (let i = 0; i < n; i += 1) {
        const via = i % 2 === 0 ? a : b;
        const r = await via.request('PUT', '/capabilities/factory_wasm', {
          level: i % 2 === 0 ? 'experimental' : 'locked',
          reason: `two-${i}`,
        });
        assert.equal(r.status, 200);
      }
      await receiver.waitFor(`${n} delivered`, () => receiver.ok().length >= n);
      const ok = receiver.ok();
      assert.deepEqual(
        ok.map((r) => r.json.event.data.reason),
        Array.from({ length: n }, (_, i) => `two-${i}`),
        'every event once, in order',
      );
      assert.equal(new Set(ok.map((r) => r.deliveryId)).size, n, 'one delivery row per event');
      const attempts = receiver.received.map((r) => `${r.deliveryId}#${r.attempt}`);
      assert.equal(
        new Set(attempts).size,
        attempts.length,
        `an attempt started twice: ${attempts.join(' ')}`,
      );
      assert.equal(attempts.length, 2 * n);
      assert.ok(receiver.received.every((r) => validSignature(SECRET, r)));
    } finally {
      await Promise.all(servers.map((s) => s.kill('SIGTERM')));
      await receiver.close();
      await target.cleanup();
    }
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startServerProcess, type ServerProcess } from './support/server-process.js';
import { STORE_KINDS, freshTarget } from './support/stores.js';
import { startReceiver, validSignature } from './support/webhook-receiver.js';

const SECRET = 'restart-test-secret-0123456789';

async function capabilityChanges(s: ServerProcess, tag: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) {
    const r = await s.request('PUT', '/capabilities/factory_wasm', {
      level: i % 2 === 0 ? 'experimental' : 'locked',
      reason: `${tag}-${i}`,
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
}

// Both stores at once: each restart waits out a lease, and the two waits need not add up.
describe('webhook deliveries across a SIGKILL', { concurrency: true }, () => {
  for (const { kind, skip } of STORE_KINDS) {
    describe(`webhook deliveries across a SIGKILL (${kind})`, { skip }, () => {
      it('continue after the restart: the attempt in flight is sent again, then the rest, in order', async () => {
        const target = await freshTarget(kind);
        // The first request is held open: the server dies while that delivery is in flight.
        const receiver = await startReceiver((n) => (n === 0 ? 'hang' : 200));
        // A short timeout keeps the lease short, so the restarted server takes the delivery over soon.
        const env = {
          ...target.env,
          FABRICA_WEBHOOK_TIMEOUT_MS: '2000',
          FABRICA_WEBHOOK_RETRY_BASE_MS: '50',
        };
        let server = await startServerProcess(env);
        try {
          const created = await server.request('POST', '/webhooks', {
            url: receiver.url,
            events: ['capability.changed'],
            secret: SECRET,
          });
          assert.equal(created.status, 201, JSON.stringify(created.body));
          const id = created.body.id as string;
          await capabilityChanges(server, 'crash', 4);
          await receiver.waitFor('the first delivery in flight', () => receiver.received.length >= 1);
          await server.kill('SIGKILL');

          server = await startServerProcess(env);
          // At least once: a delivery answered just before the kill, but not yet recorded, comes again
          // (same id); a receiver dedupes by the id, and so does this count.
          const firstOk = () => [...new Map(receiver.ok().map((r) => [r.deliveryId, r])).values()];
          await receiver.waitFor('4 delivered', () => firstOk().length >= 4);
          const ok = firstOk();
          assert.deepEqual(
            ok.map((r) => r.json.event.data.reason),
            ['crash-0', 'crash-1', 'crash-2', 'crash-3'],
          );
          // The delivery that was in flight came again with the same id: receivers dedupe by it.
          assert.equal(ok[0]!.deliveryId, receiver.received[0]!.deliveryId);
          assert.ok(ok[0]!.attempt >= 2);
          assert.ok(receiver.received.every((r) => validSignature(SECRET, r)));
          const seqs = receiver.received.map((r) => r.json.event.seq as number);
          assert.deepEqual(
            seqs,
            [...seqs].sort((a, b) => a - b),
          );

          let page: any;
          const deadline = Date.now() + 60_000;
          do {
            page = (await server.request('GET', `/webhooks/${id}`)).body;
            if (page.deliveries.delivered === 4) break;
            await new Promise((r) => setTimeout(r, 20));
          } while (Date.now() < deadline);
          assert.deepEqual(page.deliveries, { pending: 0, delivered: 4, failed: 0 });
        } finally {
          await server.kill('SIGTERM');
          await receiver.close();
          await target.cleanup();
        }
      });
    });
  }
});

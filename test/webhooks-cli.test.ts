import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ADMIN } from './support/app.js';
import { runCli, startServerProcess, type ServerProcess } from './support/server-process.js';
import { freshTarget } from './support/stores.js';
import { startReceiver } from './support/webhook-receiver.js';

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

describe('fabrica webhooks (CLI)', () => {
  it('adds, lists, shows deliveries and removes, with --json', async () => {
    const target = await freshTarget('sqlite');
    const server = await startServerProcess(target.env);
    const receiver = await startReceiver();
    const env = { FABRICA_URL: server.url, FABRICA_TOKEN: ADMIN };
    try {
      const add = await runCli(['webhooks', 'add', receiver.url, '--events', 'capability.*', '--json'], env);
      assert.equal(add.code, 0, add.stderr);
      const created = JSON.parse(add.stdout);
      assert.match(created.generated_secret, /^whsec_/);
      // A second webhook, by HTTP: each CLI call starts a process, slow on a loaded machine.
      await server.request('POST', '/webhooks', {
        url: receiver.url,
        secret: SECRET,
        events: ['capability.*'],
      });

      await capabilityChanges(server, 'cli', 1);
      await receiver.waitFor('2 delivered', () => receiver.ok().length >= 2);

      // The deliveries are recorded as delivered once the receiver's answers are (it sees them first).
      const deadline = Date.now() + 60_000;
      while (
        (await server.request('GET', `/webhooks/${created.id as string}`)).body.deliveries.delivered < 1
      ) {
        assert.ok(Date.now() < deadline, 'the delivery is recorded');
        await new Promise((r) => setTimeout(r, 20));
      }
      const list = await runCli(['webhooks', 'list'], env);
      assert.equal(list.code, 0, list.stderr);
      assert.match(
        list.stdout,
        new RegExp(`${created.id as string}.*capability\\.\\*.*0 pending, 1 delivered`),
      );
      assert.ok(!list.stdout.includes(created.generated_secret) && !list.stdout.includes(SECRET));

      const d = await runCli(['webhooks', 'deliveries', created.id, '--json'], env);
      assert.equal(d.code, 0, d.stderr);
      const deliveries = JSON.parse(d.stdout).deliveries;
      assert.equal(deliveries.length, 1);
      assert.equal(deliveries[0].state, 'delivered');
      assert.equal(deliveries[0].event_type, 'capability.changed');

      const rm = await runCli(['webhooks', 'rm', created.id, '--json'], env);
      assert.equal(rm.code, 0, rm.stderr);
      assert.equal(JSON.parse(rm.stdout).id, created.id);
      assert.equal((await server.request('GET', '/webhooks')).body.webhooks.length, 1);
    } finally {
      await server.kill('SIGTERM');
      await receiver.close();
      await target.cleanup();
    }
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ADMIN } from './support/app.js';
import { startServerProcess } from './support/server-process.js';
import { openSse } from './support/sse.js';
import { freshTarget } from './support/stores.js';

describe('graceful shutdown', () => {
  it('on SIGTERM finishes in-flight requests, ends streams with a reason, closes the store and exits 0', async () => {
    const target = await freshTarget('sqlite');
    try {
      const server = await startServerProcess(target.env);
      const stream = openSse(`${server.url}/events`, { authorization: `Bearer ${ADMIN}` });
      assert.equal(await stream.status, 200);
      const inFlight = Array.from({ length: 20 }, (_, i) =>
        server.request('PUT', '/capabilities/self_edit', { level: 'experimental', reason: `r${i}` }).then(
          (r) => r.status,
          () => 'refused',
        ),
      );
      await Promise.race(inFlight); // the server is busy with the rest when the signal lands
      server.child.kill('SIGTERM');
      const statuses = await Promise.all(inFlight);
      assert.ok(
        statuses.every((s) => s === 200 || s === 503 || s === 'refused'),
        JSON.stringify(statuses),
      );
      assert.ok(statuses.includes(200));
      assert.equal(await server.exited, 0);
      await stream.ended;
      const close = stream.frames.find((f) => f.event === 'fabrica.close');
      assert.equal(JSON.parse(close!.data!).reason, 'shutting_down');

      // Everything acknowledged is there when the server comes back.
      const again = await startServerProcess(target.env);
      const audit = await again.request('GET', '/audit?type=capability.changed&limit=100');
      assert.equal(audit.body.events.length, statuses.filter((s) => s === 200).length);
      assert.equal((await again.request('GET', '/audit/verify')).body.ok, true);
      await again.kill('SIGTERM');
    } finally {
      await target.cleanup();
    }
  });
});

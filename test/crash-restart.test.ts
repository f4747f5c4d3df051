import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startServerProcess } from './support/server-process.js';
import { freshTarget, STORE_KINDS } from './support/stores.js';
import { until } from './support/wait.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const { kind, skip } of STORE_KINDS) {
  describe(`crash and restart (${kind})`, { skip }, () => {
    it('keeps every acknowledged write, a valid chain, and fires pending timers exactly once', async () => {
      const target = await freshTarget(kind);
      try {
        const first = await startServerProcess(target.env);
        // Timers that fall due while the server is down.
        const tokens: string[] = [];
        for (let i = 0; i < 5; i += 1) {
          const r = await first.request('POST', '/tokens', {
            tenant: 'acme',
            access: 'read',
            expires_in: '2s',
          });
          assert.equal(r.status, 201);
          tokens.push(r.body.id);
        }
        // A stream of writes from four clients; SIGKILL lands in the middle of it.
        const acknowledged: string[] = [];
        let stop = false;
        const writer = async (w: number) => {
          for (let i = 0; !stop; i += 1) {
            const reason = `w${w}-${i}`;
            try {
              const r = await first.request('PUT', '/capabilities/self_edit', {
                level: i % 2 === 0 ? 'experimental' : 'locked',
                reason,
              });
              if (r.status === 200) acknowledged.push(reason);
            } catch {
              return; // the connection died with the server
            }
          }
        };
        const writers = [0, 1, 2, 3].map(writer);
        await until('twenty acknowledged writes', () => acknowledged.length >= 20);
        await first.kill('SIGKILL');
        stop = true;
        await Promise.all(writers);

        await sleep(2000); // the token timers fall due while nothing runs
        const second = await startServerProcess(target.env);
        try {
          const verify = await second.request('GET', '/audit/verify');
          assert.equal(verify.body.ok, true, JSON.stringify(verify.body));
          const changes = await second.request(
            'GET',
            '/audit?type=capability.changed&subject_id=self_edit&limit=1000',
          );
          const recorded = new Set(
            changes.body.events.map((e: { data: { reason: string } }) => e.data.reason),
          );
          const lost = acknowledged.filter((r) => !recorded.has(r));
          assert.deepEqual(lost, [], 'acknowledged writes missing after the crash');
          const cap = await second.request('GET', '/capabilities/self_edit');
          assert.equal(cap.body.version, changes.body.events.length, 'state and events agree');

          // A marker token that expires after all the others: the scheduler fires due timers in order, so
          // once its expiry is recorded, a second firing of any earlier timer would be recorded too.
          const marker = await second.request('POST', '/tokens', {
            tenant: 'acme',
            access: 'read',
            expires_in: '1s',
          });
          assert.equal(marker.status, 201);
          const expiredOf = async () =>
            (
              (await second.request('GET', '/audit?type=token.expired&limit=1000')).body.events as {
                subject_id: string;
              }[]
            ).filter((e) => e.subject_id !== marker.body.id);
          await until('the marker token to expire', async () =>
            (
              (await second.request('GET', '/audit?type=token.expired&limit=1000')).body.events as {
                subject_id: string;
              }[]
            ).some((e) => e.subject_id === marker.body.id),
          );
          const expired = await expiredOf();
          assert.deepEqual(
            expired.map((e) => e.subject_id).sort(),
            [...tokens].sort(),
            'each timer fired exactly once',
          );
        } finally {
          await second.kill('SIGTERM');
        }
      } finally {
        await target.cleanup();
      }
    });
  });
}

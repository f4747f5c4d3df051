import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ADMIN } from './support/app.js';
import { startServerProcess } from './support/server-process.js';
import { openSse } from './support/sse.js';
import { freshTarget, pgSkip } from './support/stores.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('two instances on one PostgreSQL', { skip: pgSkip }, () => {
  it('fire each timer once and deliver events written through one to streams of the other', async () => {
    const target = await freshTarget('postgres');
    const a = await startServerProcess(target.env);
    const b = await startServerProcess(target.env);
    try {
      const head = (await b.request('GET', '/audit/verify')).body.head_seq as number;
      const stream = openSse(`${b.url}/events?after=${head}&subject_kind=capability`, {
        authorization: `Bearer ${ADMIN}`,
      });
      assert.equal(await stream.status, 200);

      const tokens: string[] = [];
      for (let i = 0; i < 20; i += 1) {
        const via = i % 2 === 0 ? a : b;
        const r = await via.request('POST', '/tokens', { tenant: 'acme', access: 'read', expires_in: '1s' });
        tokens.push(r.body.id);
      }
      const put = await a.request('PUT', '/capabilities/factory_wasm', {
        level: 'experimental',
        reason: 'via a',
      });
      assert.equal(put.status, 200);
      await stream.waitFor((c) => c.events().length === 1);
      const [event] = stream.events();
      assert.equal(event!.type, 'capability.changed');
      assert.equal(event!.data.reason, 'via a');

      // The other instance's policy cache follows the log too (it refreshes as the event arrives).
      let level = '';
      for (let i = 0; i < 50 && level !== 'experimental'; i += 1) {
        const caps = await b.request('GET', '/capabilities');
        level = caps.body.capabilities.find((c: { name: string }) => c.name === 'factory_wasm').level;
        if (level !== 'experimental') await sleep(50);
      }
      assert.equal(level, 'experimental');

      let expired: { subject_id: string }[] = [];
      for (let i = 0; i < 100 && expired.length < tokens.length; i += 1) {
        await sleep(100);
        expired = (await a.request('GET', '/audit?type=token.expired&limit=1000')).body.events;
      }
      await sleep(1000);
      expired = (await a.request('GET', '/audit?type=token.expired&limit=1000')).body.events;
      assert.deepEqual(
        expired.map((e) => e.subject_id).sort(),
        [...tokens].sort(),
        'each timer fired exactly once',
      );
      stream.close();
    } finally {
      await Promise.all([a.kill('SIGTERM'), b.kill('SIGTERM')]);
      await target.cleanup();
    }
  });
});

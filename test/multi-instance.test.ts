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

describe('one run changed through two instances on one PostgreSQL', { skip: pgSkip }, () => {
  it('each change starts from the other instance’s last one', async () => {
    const target = await freshTarget('postgres');
    const a = await startServerProcess(target.env);
    const b = await startServerProcess(target.env);
    const base = '/llm/factory/runs';
    const data = async (via: typeof a, method: string, path: string, body?: unknown) => {
      const r = await via.request(method, path, body);
      assert.ok(
        r.status === 200 || r.status === 201,
        `${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`,
      );
      return r.body.data;
    };
    try {
      const run = await data(a, 'POST', base, {
        source: { kind: 'prompt', format: 'markdown', content: '# Two hands' },
        title: 'Two hands',
        workflow_kind: 'software',
      });
      const id = run.run_id as string;
      const pi = await data(b, 'POST', `${base}/${id}/artifacts`, {
        artifact_type: 'problem_interpretation',
        payload: { summary: 'via b' },
      });
      const spec = await data(a, 'POST', `${base}/${id}/artifacts`, {
        artifact_type: 'delivery_spec',
        payload: { summary: 'via a' },
        input_artifact_ids: [pi.id],
      });
      // Each instance numbers an artifact type's versions from the records it loads: a stale copy of the
      // run's records would number the second problem_interpretation 0 again.
      const pi2 = await data(a, 'POST', `${base}/${id}/artifacts`, {
        artifact_type: 'problem_interpretation',
        payload: { summary: 'again, via a' },
      });
      assert.deepEqual([pi.version, spec.version, pi2.version], [0, 0, 1]);
      await data(b, 'POST', `${base}/${id}/artifacts`, {
        artifact_type: 'factory.kernel.stage_graph',
        payload: {
          stages: [
            {
              key: 'build',
              name: 'Build',
              depends_on: [],
              issues: [
                { key: 'one', title: 'One', kind: 'code', depends_on: [] },
                { key: 'two', title: 'Two', kind: 'code', depends_on: ['one'] },
                { key: 'three', title: 'Three', kind: 'code', depends_on: ['two'] },
              ],
            },
          ],
        },
      });
      assert.equal((await data(a, 'POST', `${base}/${id}/advance`)).status, 'implementing');
      const issues = async (via: typeof a) =>
        Object.fromEntries(
          ((await data(via, 'GET', `${base}/${id}/issues`)) as any[]).map((i) => [i.stable_key, i]),
        );
      // Alternate instances: each patch promotes the next issue, which only the other instance saw happen.
      const order = ['one', 'two', 'three'];
      for (const [n, key] of order.entries()) {
        const via = n % 2 === 0 ? b : a;
        const before = await issues(via);
        assert.equal(before[key].status, 'ready', `${key} was promoted by the previous change`);
        await data(via, 'PATCH', `${base}/${id}/issues/${before[key].id}`, { status: 'passed' });
      }
      for (const via of [a, b]) {
        const after = await issues(via);
        assert.deepEqual(
          order.map((k) => after[k].status),
          ['passed', 'passed', 'passed'],
        );
        const status = await data(via, 'GET', `${base}/${id}/status`);
        assert.equal(status.stage_counts.passed, 1);
      }
      assert.equal((await b.request('GET', '/audit/verify')).body.ok, true);
    } finally {
      await Promise.all([a.kill('SIGTERM'), b.kill('SIGTERM')]);
      await target.cleanup();
    }
  });
});

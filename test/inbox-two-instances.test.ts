import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestFabrica, type TestFabrica } from './support/app.js';
import { freshTarget, pgSkip } from './support/stores.js';

const runs = '/llm/factory/runs';
const WORK = 8;
const graph = {
  stages: [
    {
      key: 'build',
      name: 'Build',
      depends_on: [],
      issues: Array.from({ length: WORK }, (_, i) => ({
        key: `i${i}`,
        title: `Part ${i}`,
        kind: 'code',
        depends_on: [],
      })),
    },
  ],
};

describe('two instances on one PostgreSQL claiming one inbox', { skip: pgSkip }, () => {
  it('hand each assignment to exactly one worker, whichever instance it asks', async () => {
    const target = await freshTarget('postgres');
    const a = await startTestFabrica('postgres', {}, target);
    const b = await startTestFabrica('postgres', {}, target);
    try {
      const data = async (f: TestFabrica, method: string, url: string, body?: unknown) => {
        const r = await f.request(method, url, body === undefined ? {} : { body });
        assert.ok([200, 201].includes(r.status), `${method} ${url} → ${r.status} ${r.text}`);
        return r.body.data;
      };
      const room = await data(a, 'POST', '/llm/rooms', { name: 'shared', tenant: 'two' });
      const run = await data(a, 'POST', runs, {
        source: { kind: 'prompt', content: 'Build' },
        tenant: 'two',
      });
      await data(a, 'POST', `${runs}/${run.run_id}/artifacts`, {
        artifact_type: 'factory.kernel.stage_graph',
        payload: graph,
      });
      const issues = (await data(b, 'GET', `${runs}/${run.run_id}/issues`)) as { id: string }[];
      assert.equal(issues.length, WORK);
      const dispatched: string[] = [];
      for (const [i, issue] of issues.entries()) {
        const d = await data(
          i % 2 === 0 ? a : b,
          'POST',
          `${runs}/${run.run_id}/issues/${issue.id}/dispatch`,
          {
            prompt: `part ${i}`,
          },
        );
        dispatched.push(d.assignment_id as string);
      }

      // Six workers, three on each instance, claim at once until the inbox is empty.
      const claimed: { worker: number; id: string }[] = [];
      const worker = async (w: number) => {
        const via = w % 2 === 0 ? a : b;
        for (;;) {
          const got = await data(via, 'GET', `/llm/rooms/${room.id}/inbox?lease_ms=600000`);
          if (got === null) return;
          claimed.push({ worker: w, id: got.assignment_id as string });
        }
      };
      await Promise.all([0, 1, 2, 3, 4, 5].map(worker));

      assert.deepEqual(
        claimed.map((c) => c.id).sort(),
        [...dispatched].sort(),
        'each claimed once, none lost',
      );
      const audit = await a.request('GET', '/audit?type=assignment.claimed&limit=1000');
      const events = audit.body.events as { data: { target_id: string } }[];
      assert.deepEqual(events.map((e) => e.data.target_id).sort(), [...dispatched].sort());
    } finally {
      await b.close();
      await a.close();
    }
  });
});

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { startTestFabrica, type TestFabrica } from './support/app.js';
import { STORE_KINDS } from './support/stores.js';

const runs = '/llm/factory/runs';
const graph = {
  stages: [
    {
      key: 'build',
      name: 'Build',
      depends_on: [],
      issues: [{ key: 'a', title: 'Write it', kind: 'code', depends_on: [] }],
    },
  ],
};

/**
 * Leases against a clock the test moves: a lease expires when the test says so, not when a busy machine
 * gets round to it, and a stale lease's timer fires at a moment the test chose (after the work was
 * answered under a newer lease).
 */
for (const { kind, skip } of STORE_KINDS) {
  describe(`a stale lease (${kind})`, { skip }, () => {
    let f: TestFabrica;
    const clock = { t: Date.now(), now: () => clock.t };
    before(async () => {
      f = await startTestFabrica(kind, {}, undefined, { clock });
    });
    after(() => f.close());

    const data = async (method: string, url: string, body?: unknown) => {
      const r = await f.request(method, url, body === undefined ? {} : { body });
      assert.ok([200, 201].includes(r.status), `${method} ${url} → ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.data;
    };
    const audit = async (type: string) =>
      (await f.request('GET', `/audit?type=${type}&limit=1000`)).body.events as any[];
    const leaseTimersFired = async () => {
      const text = (await f.request('GET', '/metrics')).text;
      const m = /^fabrica_timers_fired_total\{action="assignment\.lease_expire"\} (\d+)$/m.exec(text);
      return m === null ? 0 : Number(m[1]);
    };
    async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const got = await probe();
        if (got !== undefined) return got;
        if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
        await sleep(25);
      }
    }

    it('is refused after the work was claimed again, and its timer leaves the answered work alone', async () => {
      const room = await data('POST', '/llm/rooms', { name: 'workers', tenant: 'stale' });
      const run = await data('POST', runs, {
        source: { kind: 'prompt', content: 'Ship it' },
        tenant: 'stale',
      });
      await data('POST', `${runs}/${run.run_id}/artifacts`, {
        artifact_type: 'factory.kernel.stage_graph',
        payload: graph,
      });
      const issue = ((await data('GET', `${runs}/${run.run_id}/issues`)) as any[])[0];
      const d = await data('POST', `${runs}/${run.run_id}/issues/${issue.id}/dispatch`, { prompt: 'a' });
      const inbox = `/llm/rooms/${room.id}/inbox`;

      const first = await data('GET', `${inbox}?lease_ms=1000`);
      assert.equal(first.assignment_id, d.assignment_id);
      // The first lease runs out; its timer takes the work back (nobody polls meanwhile).
      clock.t += 5_000;
      const expired = await until('the first lease to expire', async () =>
        (await audit('assignment.lease_expired')).find((e) => e.data.target_id === d.assignment_id),
      );
      assert.equal(expired.data.context.noticed_by, 'timer');
      assert.equal(expired.data.context.requeued, true);

      const second = await data('GET', `${inbox}?lease_ms=1000`);
      assert.equal(second.assignment_id, d.assignment_id);
      assert.equal(second.attempts, 2);
      assert.notEqual(second.lease_token, first.lease_token);
      // The stale holder answers late: refused, and nothing changes.
      const stale = await f.request('POST', `${inbox}/${d.assignment_id}/result`, {
        body: { lease_token: first.lease_token, status: 'failed' },
      });
      assert.equal(stale.status, 409, JSON.stringify(stale.body));
      assert.equal(stale.body.code, 'lease_lost');
      await data('POST', `${inbox}/${d.assignment_id}/result`, {
        lease_token: second.lease_token,
        status: 'passed',
      });

      // The second lease's time passes: its timer fires and must find the work answered.
      const firedBefore = await leaseTimersFired();
      clock.t += 5_000;
      await until('the second lease timer to fire', async () =>
        (await leaseTimersFired()) > firedBefore ? true : undefined,
      );
      // It was the last timer: nothing was scheduled again for the answered work.
      assert.equal(await f.fabrica.store.nextTimerDue(), null);
      assert.equal((await data('GET', inbox)) ?? null, null, 'the answered work is not handed out again');
      assert.equal(
        (await audit('assignment.lease_expired')).filter((e) => e.data.target_id === d.assignment_id).length,
        1,
      );
      const after = ((await data('GET', `${runs}/${run.run_id}/issues`)) as any[])[0];
      assert.equal(after.status, 'passed');
    });
  });
}

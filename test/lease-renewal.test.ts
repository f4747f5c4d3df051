import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Worker } from '../src/cli/worker.js';
import { ADMIN, startTestFabrica, type TestFabrica } from './support/app.js';
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

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** A run with one issue dispatched by hand into a fresh room of `tenant`. */
async function dispatched(f: TestFabrica, tenant: string) {
  const data = async (method: string, url: string, body?: unknown) => {
    const r = await f.request(method, url, body === undefined ? {} : { body });
    assert.ok([200, 201].includes(r.status), `${method} ${url} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.data;
  };
  const room = await data('POST', '/llm/rooms', { name: `workers-${tenant}`, tenant });
  const run = await data('POST', runs, { source: { kind: 'prompt', content: 'Ship it' }, tenant });
  await data('POST', `${runs}/${run.run_id}/artifacts`, {
    artifact_type: 'factory.kernel.stage_graph',
    payload: graph,
  });
  const issue = ((await data('GET', `${runs}/${run.run_id}/issues`)) as any[])[0];
  const d = await data('POST', `${runs}/${run.run_id}/issues/${issue.id}/dispatch`, { prompt: 'a' });
  return { data, room, runId: run.run_id as string, issue, assignmentId: d.assignment_id as string };
}

/** Renewal against a clock the test moves: the lease ends when the test says so. */
for (const { kind, skip } of STORE_KINDS) {
  describe(`lease renewal (${kind})`, { skip }, () => {
    let f: TestFabrica;
    const clock = { t: Date.now(), now: () => clock.t };
    before(async () => {
      f = await startTestFabrica(kind, {}, undefined, { clock });
    });
    after(() => f.close());
    const leaseTimersFired = async () => {
      const text = (await f.request('GET', '/metrics')).text;
      const m = /^fabrica_timers_fired_total\{action="assignment\.lease_expire"\} (\d+)$/m.exec(text);
      return m === null ? 0 : Number(m[1]);
    };

    it('keeps the work past the first lease; a lost, foreign or ended lease is 409 lease_lost', async () => {
      const { data, room, runId, assignmentId } = await dispatched(f, 'renewing');
      const inbox = `/llm/rooms/${room.id}/inbox`;
      const renew = (token: string, lease_ms?: number) =>
        f.request('POST', `${inbox}/${assignmentId}/renew`, {
          body: { lease_token: token, ...(lease_ms === undefined ? {} : { lease_ms }) },
        });

      const first = await data('GET', `${inbox}?lease_ms=1000`);
      clock.t += 800;
      const renewed = (await renew(first.lease_token, 1000)).body.data;
      assert.equal(renewed.lease_token, first.lease_token);
      assert.equal(renewed.lease_expires_at, new Date(clock.t + 1000).toISOString());
      assert.equal(renewed.attempts, 1);
      // Past the first lease's end, within the renewed one: nobody else may claim it, its timer leaves it.
      const fired = await leaseTimersFired();
      clock.t += 900;
      await until('the first lease timer to fire', async () =>
        (await leaseTimersFired()) > fired ? true : undefined,
      );
      assert.equal(await data('GET', `${inbox}?lease_ms=1000`), null);

      // Hostile renewals change nothing.
      for (const [body, status, code] of [
        [{ lease_token: 'lease_forged' }, 409, 'lease_lost'],
        [{ lease_token: first.lease_token, lease_ms: 5 }, 400, 'invalid_request'],
        [{ lease_token: first.lease_token, extra: 1 }, 400, 'invalid_request'],
        [{}, 400, 'invalid_request'],
      ] as const) {
        const r = await f.request('POST', `${inbox}/${assignmentId}/renew`, { body });
        assert.equal(r.status, status, JSON.stringify(r.body));
        assert.equal(r.body.code, code);
      }
      const elsewhere = await data('POST', '/llm/rooms', { name: 'other', tenant: 'renewing' });
      const wrongRoom = await f.request('POST', `/llm/rooms/${elsewhere.id}/inbox/${assignmentId}/renew`, {
        body: { lease_token: first.lease_token },
      });
      assert.equal(wrongRoom.status, 404);

      const answered = await data('POST', `${inbox}/${assignmentId}/result`, {
        lease_token: first.lease_token,
        status: 'passed',
      });
      assert.equal(answered.result.applied, true);
      assert.equal(answered.attempts, 1);
      const ended = await renew(first.lease_token);
      assert.equal(ended.status, 409);
      assert.equal(ended.body.code, 'lease_lost');

      const events = (
        (await f.request('GET', `/audit?type=assignment.lease_renewed&limit=100`)).body.events as any[]
      ).filter((e) => e.data.run_id === runId);
      assert.equal(events.length, 1);
      assert.equal(events[0].data.context.lease_expires_at, renewed.lease_expires_at);
      assert.equal(events[0].data.context.previous_expires_at, first.lease_expires_at);
    });

    it('refuses to renew a lease that expired and was handed on (409 lease_lost)', async () => {
      const { data, room, assignmentId } = await dispatched(f, 'expiring');
      const inbox = `/llm/rooms/${room.id}/inbox`;
      const first = await data('GET', `${inbox}?lease_ms=1000`);
      clock.t += 5_000;
      const late = await f.request('POST', `${inbox}/${assignmentId}/renew`, {
        body: { lease_token: first.lease_token },
      });
      assert.equal(late.status, 409, JSON.stringify(late.body));
      assert.equal(late.body.code, 'lease_lost');
      // Expired, or already handed back by the lease's timer (which may fire first): the same refusal.
      assert.match(late.body.message, /expired|claimed again/);
      // Claimed again once free: on PostgreSQL the lease timer may hold the row at this moment (a claim
      // skips locked rows), so the claim is tried until the work comes back.
      const second = await until(
        'the work to be claimable again',
        async () => (await data('GET', `${inbox}?lease_ms=1000`)) ?? undefined,
      );
      assert.equal(second.assignment_id, assignmentId);
      const stale = await f.request('POST', `${inbox}/${assignmentId}/renew`, {
        body: { lease_token: first.lease_token },
      });
      assert.equal(stale.status, 409);
      assert.equal(stale.body.code, 'lease_lost');
    });
  });

  describe(`the worker renews its lease (${kind})`, { skip }, () => {
    let f: TestFabrica;
    let url: string;
    before(async () => {
      f = await startTestFabrica(kind);
      url = await f.fabrica.app.listen({ port: 0, host: '127.0.0.1' });
    });
    after(() => f.close());

    it('a command that outlives its lease completes under one claim and its result is accepted', async () => {
      const { data, room, runId, issue, assignmentId } = await dispatched(f, 'slow');
      const gate = join(mkdtempSync(join(tmpdir(), 'fabrica-lease-')), 'go');
      // Waits for the test to say go: the test says it only once the first lease has long ended.
      const script = `const fs=require('fs');const t=setInterval(()=>{if(fs.existsSync(${JSON.stringify(gate)})){clearInterval(t);console.log('slow work done')}},50)`;
      const leaseMs = 3_000;
      const worker = new Worker({
        client: { url, token: ADMIN },
        room: room.id,
        exec: `node -e ${JSON.stringify(script)}`,
        concurrency: 1,
        leaseMs,
        pollMs: 50,
        json: false,
        max: 1,
        log: () => undefined,
      });
      const running = worker.run();
      try {
        const claimed = await until('the claim', async () => {
          const a = ((await data('GET', `${runs}/${runId}/assignments`)) as any[])[0];
          return a.state === 'leased' ? a : undefined;
        });
        assert.equal(claimed.assignment_id, assignmentId);
        const claimedAt = Date.now();
        // Two lease lengths pass while the command runs, with at least two renewals.
        await until('two renewals after two lease lengths', async () => {
          const renewals = (
            (await f.request('GET', '/audit?type=assignment.lease_renewed&limit=100')).body.events as any[]
          ).filter((e) => e.data.target_id === assignmentId);
          return Date.now() - claimedAt > 2 * leaseMs && renewals.length >= 2 ? true : undefined;
        });
        assert.equal(existsSync(gate), false);
        writeFileSync(gate, 'go');
        const done = await until('the issue to pass', async () => {
          const i = ((await data('GET', `${runs}/${runId}/issues`)) as any[])[0];
          return i.status === 'passed' ? i : undefined;
        });
        assert.equal(done.id, issue.id);
        assert.equal(done.summary, 'slow work done');
      } finally {
        worker.stop();
        await running;
      }
      const [a] = (await data('GET', `${runs}/${runId}/assignments`)) as any[];
      assert.equal(a.attempts, 1, 'claimed once: the lease never ran out');
      assert.equal(a.result.applied, true);
      const expired = (await f.request('GET', '/audit?type=assignment.lease_expired&limit=100')).body
        .events as any[];
      assert.equal(expired.filter((e) => e.data.target_id === assignmentId).length, 0);
    });
  });
}

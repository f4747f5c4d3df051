import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { startTestFabrica, type TestFabrica } from './support/app.js';
import { STORE_KINDS } from './support/stores.js';

const runs = '/llm/factory/runs';
// a → b → c across two stages; x stands alone (so two issues can wait in an inbox at once).
const graph = {
  stages: [
    {
      key: 'build',
      name: 'Build',
      depends_on: [],
      issues: [
        { key: 'a', title: 'Write it', kind: 'code', depends_on: [] },
        { key: 'b', title: 'Test it', kind: 'code', depends_on: ['a'] },
        { key: 'x', title: 'Lint it', kind: 'code', depends_on: [] },
      ],
    },
    {
      key: 'ship',
      name: 'Ship',
      depends_on: ['build'],
      issues: [{ key: 'c', title: 'Release it', kind: 'ops', depends_on: ['b'] }],
    },
  ],
};

for (const { kind, skip } of STORE_KINDS) {
  describe(`dispatch, rooms and leased inboxes (${kind})`, { skip }, () => {
    let f: TestFabrica;
    before(async () => {
      f = await startTestFabrica(kind);
    });
    after(() => f.close());

    const call = (method: string, url: string, body?: unknown, token?: string) =>
      f.request(method, url, {
        ...(body === undefined ? {} : { body }),
        ...(token === undefined ? {} : { token }),
      });
    const data = async (method: string, url: string, body?: unknown, token?: string) => {
      const r = await call(method, url, body, token);
      assert.ok([200, 201].includes(r.status), `${method} ${url} → ${r.status} ${JSON.stringify(r.body)}`);
      assert.equal(r.body.success, true);
      return r.body.data;
    };
    const refused = async (r: { status: number; body: any }, status: number, code: string) => {
      assert.equal(r.status, status, JSON.stringify(r.body));
      assert.equal(r.body.success, false);
      assert.equal(r.body.code, code);
    };
    const newRoom = async (name: string, tenant?: string) =>
      data('POST', '/llm/rooms', { name, ...(tenant === undefined ? {} : { tenant }) });
    /** A run with the graph materialised; returns its id and its issue ids by key. */
    const newRun = async (tenant = 'default') => {
      const run = await data('POST', runs, { source: { kind: 'prompt', content: 'Ship it' }, tenant });
      await data('POST', `${runs}/${run.run_id}/artifacts`, {
        artifact_type: 'factory.kernel.stage_graph',
        payload: graph,
      });
      const issues = await issuesOf(run.run_id);
      return { id: run.run_id as string, issue: (k: string) => issues[k].id as string };
    };
    const issuesOf = async (id: string): Promise<Record<string, any>> =>
      Object.fromEntries(
        ((await data('GET', `${runs}/${id}/issues`)) as any[]).map((i) => [i.stable_key, i]),
      );
    const claim = (room: string, query = '', token?: string) =>
      call('GET', `/llm/rooms/${room}/inbox${query}`, undefined, token);
    const result = (room: string, asg: string, body: unknown, token?: string) =>
      call('POST', `/llm/rooms/${room}/inbox/${asg}/result`, body, token);
    const audit = async (type: string) =>
      (await call('GET', `/audit?type=${type}&limit=1000`)).body.events as any[];
    /** Waits (up to 5 s) for the lease expiry of an assignment to show in the audit trail. */
    const expiryOf = async (assignmentId: string) => {
      for (let i = 0; i < 100; i += 1) {
        const found = (await audit('assignment.lease_expired')).find(
          (e) => e.data.target_id === assignmentId,
        );
        if (found !== undefined) return found;
        await sleep(50);
      }
      assert.fail(`no assignment.lease_expired for ${assignmentId}`);
    };
    const newToken = async (tenant: string, access: string) =>
      ((await call('POST', '/tokens', { tenant, access })).body as { token: string }).token;

    it('runs an issue from dispatch through claim and result, promoting dependants and the stage', async () => {
      const room = await newRoom('workers', 'flow');
      assert.match(room.id, /^room_/);
      assert.equal(room.tenant, 'flow');
      assert.equal(room.name, 'workers');
      assert.match(room.created_at, /^\d{4}-\d\d-\d\dT/);
      const run = await newRun('flow');
      assert.equal((await issuesOf(run.id)).a.status, 'ready');

      // No room_id: the tenant's oldest room.
      const d = await data('POST', `${runs}/${run.id}/issues/${run.issue('a')}/dispatch`, {
        prompt: 'write a',
      });
      assert.deepEqual(
        { run: d.run_id, issue: d.issue_id, room: d.room_id, state: d.state, prompt: d.prompt },
        { run: run.id, issue: run.issue('a'), room: room.id, state: 'queued', prompt: 'write a' },
      );
      assert.match(d.assignment_id, /^asg_/);
      const a = (await issuesOf(run.id)).a;
      assert.equal(a.status, 'running');
      assert.equal(a.assigned_room_id, room.id);
      assert.deepEqual((await data('GET', `${runs}/${run.id}`)).active_room_ids, [room.id]);

      const before = Date.now();
      const c = (await claim(room.id)).body.data;
      assert.equal(c.assignment_id, d.assignment_id);
      assert.equal(c.prompt, 'write a');
      assert.equal(c.attempts, 1);
      assert.match(c.lease_token, /^lease_/);
      const leaseMs = Date.parse(c.lease_expires_at) - before;
      assert.ok(leaseMs >= 29_000 && leaseMs <= 31_000, `default lease ${leaseMs} ms`);
      const empty = await claim(room.id);
      assert.equal(empty.status, 200);
      assert.equal(empty.body.data, null, 'a leased assignment is not handed out twice');

      const done = await data('POST', `/llm/rooms/${room.id}/inbox/${c.assignment_id}/result`, {
        lease_token: c.lease_token,
        status: 'passed',
        summary: 'a is written',
        notes: ['took one try'],
      });
      assert.equal(done.state, 'done');
      assert.equal(done.result.applied, true);
      assert.equal(done.issue.status, 'passed');
      let issues = await issuesOf(run.id);
      assert.equal(issues.a.status, 'passed');
      assert.equal(issues.a.summary, 'a is written');
      assert.deepEqual(issues.a.notes, ['took one try']);
      assert.equal(issues.b.status, 'ready', 'the dependant became ready');
      assert.equal(issues.c.status, 'pending');
      await refused(
        await result(room.id, c.assignment_id, { lease_token: c.lease_token, status: 'passed' }),
        409,
        'lease_lost',
      );
      await refused(
        await call('POST', `${runs}/${run.id}/issues/${run.issue('a')}/dispatch`, { prompt: 'again' }),
        409,
        'invalid_transition',
      );

      // b and x in the named room; when all of build's issues pass, build passes and c becomes ready.
      for (const key of ['b', 'x']) {
        await data('POST', `${runs}/${run.id}/issues/${run.issue(key)}/dispatch`, {
          prompt: key,
          room_id: room.id,
        });
        const got = (await claim(room.id)).body.data;
        assert.equal(got.issue_id, run.issue(key), 'oldest first');
        await data('POST', `/llm/rooms/${room.id}/inbox/${got.assignment_id}/result`, {
          lease_token: got.lease_token,
          status: 'passed',
        });
      }
      issues = await issuesOf(run.id);
      assert.equal(issues.c.status, 'ready');
      const status = await data('GET', `${runs}/${run.id}/status`);
      assert.deepEqual(status.issue_counts, {
        pending: 0,
        ready: 1,
        running: 0,
        passed: 3,
        failed: 0,
        blocked: 0,
      });
      assert.equal(status.stage_counts.passed, 1);
      const stages = await data('GET', `${runs}/${run.id}/stages`);
      assert.equal(stages.find((s: any) => s.stable_key === 'build').status, 'passed');

      const events = await audit('issue.dispatched,assignment.claimed,issue.result');
      const mine = events.filter((e) => e.subject_id === run.id).map((e) => `${e.type}:${e.data.issue_id}`);
      assert.deepEqual(mine.slice(0, 3), [
        `issue.dispatched:${run.issue('a')}`,
        `assignment.claimed:${run.issue('a')}`,
        `issue.result:${run.issue('a')}`,
      ]);
      assert.equal(mine.length, 9);
      assert.equal(events.find((e) => e.subject_id === run.id).data.room, room.id);
    });

    it('records a failed result without promoting dependants, and lets the issue be dispatched again', async () => {
      const room = await newRoom('retry', 'fails');
      const run = await newRun('fails');
      await data('POST', `${runs}/${run.id}/issues/${run.issue('a')}/dispatch`, { prompt: 'a' });
      const c = (await claim(room.id)).body.data;
      await data('POST', `/llm/rooms/${room.id}/inbox/${c.assignment_id}/result`, {
        lease_token: c.lease_token,
        status: 'failed',
        summary: 'compiler crashed',
      });
      const issues = await issuesOf(run.id);
      assert.equal(issues.a.status, 'failed');
      assert.equal(issues.b.status, 'pending');
      const status = await data('GET', `${runs}/${run.id}/status`);
      assert.ok(
        status.diagnostics.some((d: string) => d.includes('compiler crashed')),
        status.diagnostics,
      );
      const again = await data('POST', `${runs}/${run.id}/issues/${run.issue('a')}/dispatch`, {
        prompt: 'a, take two',
      });
      assert.notEqual(again.assignment_id, c.assignment_id);
      assert.equal((await issuesOf(run.id)).a.status, 'running');
    });

    it('refuses bad dispatches with their codes and changes nothing', async () => {
      const run = await newRun('lonely');
      const url = `${runs}/${run.id}/issues/${run.issue('a')}/dispatch`;
      const noRoom = await call('POST', url, { prompt: 'p' });
      await refused(noRoom, 400, 'invalid_request');
      assert.match(noRoom.body.message, /create a room first \(POST \/llm\/rooms\)/);
      const elsewhere = await newRoom('not yours', 'someone-else');
      await refused(await call('POST', url, { prompt: 'p', room_id: elsewhere.id }), 404, 'not_found');
      await refused(await call('POST', url, { prompt: 'p', room_id: 'room_missing' }), 404, 'not_found');
      const room = await newRoom('mine', 'lonely');
      await refused(await call('POST', url, { prompt: '' }), 400, 'invalid_request');
      await refused(await call('POST', url, { prompt: '   ' }), 400, 'invalid_request');
      await refused(await call('POST', url, {}), 400, 'invalid_request');
      await refused(await call('POST', url, { prompt: 'p', extra: 1 }), 400, 'invalid_request');
      await refused(
        await call('POST', `${runs}/${run.id}/issues/iss_missing/dispatch`, { prompt: 'p' }),
        404,
        'not_found',
      );
      await refused(
        await call('POST', `${runs}/run_missing/issues/${run.issue('a')}/dispatch`, { prompt: 'p' }),
        404,
        'not_found',
      );
      assert.equal((await issuesOf(run.id)).a.status, 'ready', 'refusals changed nothing');
      assert.equal((await claim(room.id)).body.data, null, 'refusals queued nothing');

      await data('POST', url, { prompt: 'p' });
      await refused(await call('POST', url, { prompt: 'p' }), 409, 'invalid_transition');
      await data('POST', `${runs}/${run.id}/cancel`, { reason: 'changed my mind' });
      await refused(
        await call('POST', `${runs}/${run.id}/issues/${run.issue('x')}/dispatch`, { prompt: 'p' }),
        409,
        'invalid_transition',
      );
      assert.equal((await claim(room.id)).body.data, null, "a cancelled run's work is not handed out");
    });

    it('takes an unanswered lease back by its timer; the old token then gets lease_lost', async () => {
      const room = await newRoom('slow', 'lease');
      const run = await newRun('lease');
      const d = await data('POST', `${runs}/${run.id}/issues/${run.issue('a')}/dispatch`, { prompt: 'a' });
      for (const q of ['?lease_ms=0', '?lease_ms=99', '?lease_ms=3600001', '?lease_ms=soon']) {
        await refused(await claim(room.id, q), 400, 'invalid_request');
      }
      const first = (await claim(room.id, '?lease_ms=200')).body.data;
      assert.equal(first.attempts, 1);

      // Nobody polls: the expiry must come from the durable timer alone.
      const expired = await expiryOf(d.assignment_id);
      assert.equal(expired.subject_kind, 'run');
      assert.equal(expired.subject_id, run.id);
      assert.equal(expired.data.context.noticed_by, 'timer');
      assert.equal(expired.data.context.requeued, true);

      const second = (await claim(room.id, '?lease_ms=60000')).body.data;
      assert.equal(second.assignment_id, d.assignment_id);
      assert.equal(second.attempts, 2);
      assert.notEqual(second.lease_token, first.lease_token);
      await refused(
        await result(room.id, d.assignment_id, { lease_token: first.lease_token, status: 'passed' }),
        409,
        'lease_lost',
      );
      await data('POST', `/llm/rooms/${room.id}/inbox/${d.assignment_id}/result`, {
        lease_token: second.lease_token,
        status: 'passed',
      });
      assert.equal((await issuesOf(run.id)).a.status, 'passed');
      // The second lease's timer fires later and must find the work done, not put it back.
      await sleep(300);
      assert.equal((await claim(room.id)).body.data, null);
    });

    it('withdraws, rather than requeues, the queued and leased work of a run that is cancelled', async () => {
      const room = await newRoom('late', 'gone');
      const run = await newRun('gone');
      // One lease long enough to be current when its result comes, one short enough to run out.
      const held = await data('POST', `${runs}/${run.id}/issues/${run.issue('a')}/dispatch`, { prompt: 'a' });
      const h = (await claim(room.id, '?lease_ms=600000')).body.data;
      assert.equal(h.assignment_id, held.assignment_id);
      const d = await data('POST', `${runs}/${run.id}/issues/${run.issue('x')}/dispatch`, { prompt: 'x' });
      const c = (await claim(room.id, '?lease_ms=200')).body.data;
      assert.equal(c.assignment_id, d.assignment_id);
      await data('POST', `${runs}/${run.id}/cancel`, {});
      // The cancel withdrew both in its own transaction: their leases ended with it.
      const withdrawn = (await audit('assignment.withdrawn')).filter((e) => e.data.run_id === run.id);
      assert.deepEqual(
        withdrawn.map((e) => e.data.target_id).sort(),
        [held.assignment_id, d.assignment_id].sort(),
      );
      for (const [asg, token] of [
        [held.assignment_id, h.lease_token],
        [d.assignment_id, c.lease_token],
      ])
        await refused(
          await result(room.id, asg, { lease_token: token, status: 'passed' }),
          409,
          'lease_lost',
        );
      assert.equal((await claim(room.id)).body.data, null);
      const states = ((await data('GET', `${runs}/${run.id}/assignments`)) as any[]).map((a) => a.state);
      assert.deepEqual(states, ['cancelled', 'cancelled']);
    });

    it('hands each waiting assignment to exactly one of several concurrent claims', async () => {
      const room = await newRoom('busy', 'race');
      const run = await newRun('race');
      for (const key of ['a', 'x'])
        await data('POST', `${runs}/${run.id}/issues/${run.issue(key)}/dispatch`, { prompt: key });
      const answers = await Promise.all(Array.from({ length: 5 }, () => claim(room.id)));
      for (const r of answers) assert.equal(r.status, 200, JSON.stringify(r.body));
      const got = answers.map((r) => r.body.data).filter((x) => x !== null);
      assert.equal(got.length, 2);
      assert.equal(new Set(got.map((g) => g.assignment_id)).size, 2);
      assert.deepEqual(
        got.map((g) => g.attempts),
        [1, 1],
      );
    });

    it('keeps rooms, inboxes and runs within their tenant, and dispatch root-only', async () => {
      const acmeEdit = await newToken('acme', 'edit');
      const acmeRoot = await newToken('acme', 'root');
      const otherEdit = await newToken('other', 'edit');
      const room = await data('POST', '/llm/rooms', { name: 'acme room' }, acmeEdit);
      assert.equal(room.tenant, 'acme');
      await refused(
        await call('POST', '/llm/rooms', { name: 'x', tenant: 'other' }, acmeEdit),
        403,
        'forbidden',
      );
      const run = await newRun('acme');
      const url = `${runs}/${run.id}/issues/${run.issue('a')}/dispatch`;

      await refused(await call('POST', url, { prompt: 'p' }, acmeEdit), 403, 'forbidden');
      await refused(await call('POST', url, { prompt: 'p' }, otherEdit), 403, 'forbidden');
      const d = await data('POST', url, { prompt: 'p' }, acmeRoot);

      await refused(await call('GET', `/llm/rooms/${room.id}`, undefined, otherEdit), 404, 'not_found');
      await refused(await call('GET', `${runs}/${run.id}`, undefined, otherEdit), 404, 'not_found');
      await refused(await claim(room.id, '', otherEdit), 404, 'not_found');
      await refused(
        await result(room.id, d.assignment_id, { lease_token: 'lease_x', status: 'passed' }, otherEdit),
        404,
        'not_found',
      );
      assert.deepEqual(await data('GET', '/llm/rooms', undefined, otherEdit), []);
      assert.deepEqual(
        (await data('GET', '/llm/rooms', undefined, acmeEdit)).map((r: any) => r.id),
        [room.id],
      );
      assert.equal((await data('GET', `/llm/rooms/${room.id}`, undefined, acmeEdit)).name, 'acme room');

      const c = (await claim(room.id, '', acmeEdit)).body.data;
      assert.equal(c.assignment_id, d.assignment_id);
      await data(
        'POST',
        `/llm/rooms/${room.id}/inbox/${c.assignment_id}/result`,
        { lease_token: c.lease_token, status: 'passed' },
        acmeEdit,
      );
      const readOnly = await newToken('acme', 'read');
      await refused(await claim(room.id, '', readOnly), 403, 'forbidden');
      await refused(await call('POST', '/llm/rooms', { name: 'r' }, readOnly), 403, 'forbidden');
    });

    it('pages rooms with a cursor, oldest first', async () => {
      const made = [];
      for (const name of ['one', 'two', 'three']) made.push((await newRoom(name, 'pager')).id);
      const p1 = await call('GET', '/llm/rooms?tenant=pager&limit=2');
      assert.deepEqual(
        p1.body.data.map((r: any) => r.id),
        made.slice(0, 2),
      );
      assert.equal(p1.body.next_cursor, made[1]);
      const p2 = await call('GET', `/llm/rooms?tenant=pager&limit=2&after=${p1.body.next_cursor}`);
      assert.deepEqual(
        p2.body.data.map((r: any) => r.id),
        made.slice(2),
      );
      assert.equal(p2.body.next_cursor, null);
      await refused(await call('GET', '/llm/rooms?limit=0'), 400, 'invalid_request');
    });

    it('refuses bad results and bad rooms with their codes', async () => {
      const room = await newRoom('strict', 'checks');
      const otherRoom = await newRoom('second', 'checks');
      const run = await newRun('checks');
      const d = await data('POST', `${runs}/${run.id}/issues/${run.issue('a')}/dispatch`, {
        prompt: 'a',
        room_id: room.id,
      });
      const c = (await claim(room.id)).body.data;
      await refused(
        await result(room.id, d.assignment_id, { lease_token: c.lease_token, status: 'done' }),
        400,
        'invalid_request',
      );
      await refused(await result(room.id, d.assignment_id, { status: 'passed' }), 400, 'invalid_request');
      await refused(
        await result(room.id, 'asg_missing', { lease_token: c.lease_token, status: 'passed' }),
        404,
        'not_found',
      );
      await refused(
        await result(otherRoom.id, d.assignment_id, { lease_token: c.lease_token, status: 'passed' }),
        404,
        'not_found',
      );
      await refused(
        await result(room.id, d.assignment_id, { lease_token: 'lease_wrong', status: 'passed' }),
        409,
        'lease_lost',
      );
      await refused(await claim('room_missing'), 404, 'not_found');
      await refused(await call('GET', '/llm/rooms/room_missing'), 404, 'not_found');
      await refused(await call('POST', '/llm/rooms', { name: '' }), 400, 'invalid_request');
      await refused(await call('POST', '/llm/rooms', { name: 'n', colour: 'red' }), 400, 'invalid_request');
      assert.equal((await issuesOf(run.id)).a.status, 'running', 'refused results changed nothing');

      // An issue set by hand since dispatch keeps its status; the result is stored, not applied.
      await data('PATCH', `${runs}/${run.id}/issues/${run.issue('a')}`, { status: 'blocked' });
      const r = await data('POST', `/llm/rooms/${room.id}/inbox/${d.assignment_id}/result`, {
        lease_token: c.lease_token,
        status: 'passed',
      });
      assert.equal(r.result.applied, false);
      assert.equal((await issuesOf(run.id)).a.status, 'blocked');
    });
  });
}

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Worker } from '../src/cli/worker.js';
import { ADMIN, startTestFabrica, type TestFabrica } from './support/app.js';
import { STORE_KINDS } from './support/stores.js';

const runs = '/llm/factory/runs';
const EXAMPLE = `node ${join(process.cwd(), 'examples/workers/plan-worker.mjs')}`;
const PROMPT = 'Ship a greeting\n- write the greeting\n- test the greeting';

for (const { kind, skip } of STORE_KINDS) {
  describe(`the run supervisor with the example worker (${kind})`, { skip }, () => {
    let f: TestFabrica;
    let url: string;
    before(async () => {
      f = await startTestFabrica(kind, {
        FABRICA_CAPABILITIES: 'factory_verify=experimental',
        // Confinement is the sandbox tests' subject; here the verification is a real `node -e`.
        FABRICA_VERIFY_SANDBOX: 'none',
      });
      url = await f.fabrica.app.listen({ port: 0, host: '127.0.0.1' });
    });
    after(() => f.close());

    const data = async (method: string, path: string, body?: unknown) => {
      const r = await f.request(method, path, body === undefined ? {} : { body });
      assert.ok([200, 201].includes(r.status), `${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.data;
    };
    /** A worker on loopback running the example script until `done` holds (or its deadline passes). */
    const work = async (room: string, exec: string, done: () => Promise<boolean>) => {
      const worker = new Worker({
        client: { url, token: ADMIN },
        room,
        exec,
        concurrency: 2,
        leaseMs: 30_000,
        pollMs: 50,
        json: false,
        max: null,
        log: () => undefined,
      });
      const running = worker.run();
      const deadline = Date.now() + 90_000;
      try {
        while (!(await done())) {
          assert.ok(Date.now() < deadline, 'the run did not finish in time');
          await new Promise((r) => setTimeout(r, 100));
        }
      } finally {
        worker.stop();
        await running;
      }
    };
    const statusOf = async (id: string) => (await data('GET', `${runs}/${id}/status`)).status as string;
    const finished = (id: string) => async () =>
      ['completed', 'failed', 'cancelled'].includes(await statusOf(id));
    const eventsOf = async (id: string, type: string) =>
      ((await f.request('GET', `/audit?type=${type}&limit=1000`)).body.events as any[]).filter(
        (e) => e.data.run_id === id,
      );
    const assignmentsOf = async (id: string) => (await data('GET', `${runs}/${id}/assignments`)) as any[];

    it('takes a prompt to completed: planning, issues, a real verification, the checkpoint, each once', async () => {
      const room = await data('POST', '/llm/rooms', { name: `workers-${kind}` });
      const run = await data('POST', runs, { source: { kind: 'prompt', content: PROMPT } });
      const started = await data('POST', `${runs}/${run.id}/start`, { room_id: room.id });
      assert.equal(started.status, 'planning');
      assert.match(started.actions.join('\n'), /dispatched planning work to room/);
      await work(room.name, EXAMPLE, finished(run.id));
      const status = await data('GET', `${runs}/${run.id}/status`);
      assert.equal(status.status, 'completed', JSON.stringify(status));
      assert.deepEqual(status.blockers, []);
      const moves = (await eventsOf(run.id, 'run.status_changed')).map((e) => e.data.context.to);
      assert.deepEqual(moves, ['implementing', 'verifying', 'gated', 'completed']);
      // One planning, one per issue, one checkpoint: nothing dispatched twice.
      const assignments = await assignmentsOf(run.id);
      assert.deepEqual(assignments.map((a) => a.kind).sort(), ['checkpoint', 'issue', 'issue', 'planning']);
      assert.ok(assignments.every((a) => a.state === 'done' && a.result.status === 'passed'));
      assert.equal(new Set(assignments.map((a) => a.action_key)).size, assignments.length);
      assert.equal((await eventsOf(run.id, 'issue.dispatched')).length, 4);
      const artifacts = (await data('GET', `${runs}/${run.id}/artifacts`)) as any[];
      const report = artifacts.filter((a) => a.artifact_type === 'verification_report').at(-1);
      assert.equal(report.payload.success, true);
      assert.deepEqual(report.payload.commands[0].args, ['-e', 'process.exit(0)']);
      assert.ok(artifacts.some((a) => a.artifact_type === 'factory.kernel.completion_result'));
      const plan = artifacts.find((a) => a.artifact_type === 'delivery_spec');
      assert.deepEqual([plan.producer_type, plan.producer_id], ['room', room.id]);
      const decisions = (await eventsOf(run.id, 'supervisor.decided')).map((e) => e.data.context.decision);
      assert.ok(
        decisions.some((d: string) => /dispatched issue i2 to room .+, attempt 1 of 3/.test(d)),
        decisions.join('\n'),
      );
    });

    it('fails a run whose issue fails three times, with a failure report; retry completes it', async () => {
      const room = await data('POST', '/llm/rooms', { name: `flaky-${kind}` });
      const fixed = join(mkdtempSync(join(tmpdir(), 'fabrica-fix-')), 'fixed');
      const flaky = `EXAMPLE_FAIL_ISSUE=i2 EXAMPLE_FAIL_UNLESS=${fixed} ${EXAMPLE}`;
      const run = await data('POST', runs, { source: { kind: 'prompt', content: PROMPT } });
      await data('POST', `${runs}/${run.id}/start`, { room_id: room.id });
      await work(room.id, flaky, finished(run.id));
      const status = await data('GET', `${runs}/${run.id}/status`);
      assert.equal(status.status, 'failed');
      const issues = Object.fromEntries(
        ((await data('GET', `${runs}/${run.id}/issues`)) as any[]).map((i) => [i.stable_key, i]),
      );
      assert.equal(issues.i2.status, 'failed');
      assert.equal(issues.i1.status, 'passed');
      const stages = (await data('GET', `${runs}/${run.id}/stages`)) as any[];
      assert.equal(stages[0].status, 'failed');
      const tries = (await assignmentsOf(run.id)).filter((a) => a.issue_id === issues.i2.id);
      assert.deepEqual(
        tries.map((a) => a.result.status),
        ['failed', 'failed', 'failed'],
      );
      // The failure notes of earlier attempts reach the next prompt.
      assert.match(tries[2].prompt, /attempt 2 failed/);
      const failure = ((await data('GET', `${runs}/${run.id}/artifacts`)) as any[]).find(
        (a) => a.artifact_type === 'failure_report',
      );
      assert.equal(failure.payload.issue_key, 'i2');
      assert.match(failure.payload.reason, /issue i2 failed after 3 attempts/);

      // Only a root caller retries, and only a failed run.
      const other = await data('POST', runs, { source: { kind: 'prompt', content: 'x' } });
      const refused = await f.request('POST', `${runs}/${other.id}/retry`, { body: {} });
      assert.equal(refused.status, 409);
      assert.equal(refused.body.code, 'invalid_transition');

      writeFileSync(fixed, 'now it works');
      const retried = await data('POST', `${runs}/${run.id}/retry`, {});
      assert.equal(retried.status, 'implementing');
      await work(room.id, flaky, finished(run.id));
      assert.equal(await statusOf(run.id), 'completed');
      const again = (await assignmentsOf(run.id)).filter((a) => a.issue_id === issues.i2.id);
      assert.equal(again.length, 4);
      assert.equal(again[3].result.status, 'passed');
    });

    it("PATCH assigned_room_id must name a room of the run's tenant (400, nothing changes)", async () => {
      const mine = await data('POST', '/llm/rooms', { name: `mine-${kind}` });
      const theirs = await data('POST', '/llm/rooms', { name: `theirs-${kind}`, tenant: 'elsewhere' });
      const run = await data('POST', runs, { source: { kind: 'prompt', content: 'x' } });
      const stage = await data('POST', `${runs}/${run.id}/stages`, { stage_name: 'S' });
      const issue = await data('POST', `${runs}/${run.id}/issues`, { title: 'I', stage_id: stage.id });
      for (const [path, room] of [
        [`stages/${stage.id}`, 'room_nope'],
        [`issues/${issue.id}`, 'room_nope'],
        [`issues/${issue.id}`, theirs.id],
      ]) {
        const r = await f.request('PATCH', `${runs}/${run.id}/${path}`, { body: { assigned_room_id: room } });
        assert.equal(r.status, 400, JSON.stringify(r.body));
        assert.equal(r.body.code, 'invalid_request');
      }
      assert.equal((await data('GET', `${runs}/${run.id}/issues`))[0].assigned_room_id, null);
      const ok = await data('PATCH', `${runs}/${run.id}/issues/${issue.id}`, { assigned_room_id: mine.id });
      assert.equal(ok.assigned_room_id, mine.id);
      const cleared = await data('PATCH', `${runs}/${run.id}/issues/${issue.id}`, { assigned_room_id: null });
      assert.equal(cleared.assigned_room_id, null);
    });

    it('start refuses a room of another tenant or none, and a run with no room says why as a blocker', async () => {
      const run = await data('POST', runs, { source: { kind: 'prompt', content: 'x' }, tenant: 'lonely' });
      const bad = await f.request('POST', `${runs}/${run.id}/start`, { body: { room_id: 'room_nope' } });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.code, 'invalid_request');
      assert.equal(await statusOf(run.id), 'planning');
      await data('POST', `${runs}/${run.id}/start`, {});
      const s = await data('GET', `${runs}/${run.id}/status`);
      assert.ok(
        s.blockers.some((b: string) => /no active room/.test(b)),
        JSON.stringify(s.blockers),
      );
    });

    it('writes every event context key in snake_case, like every other wire field', async () => {
      // After the runs above: planning, dispatch, leases, results, verification, gates, failure, retry,
      // PATCHes of stages and issues (whose `changes` name the fields set).
      const events = await f.fabrica.store.eventsAfter(0, 100_000);
      const bad = new Set<string>();
      const walk = (v: unknown, path: string) => {
        if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
        else if (v !== null && typeof v === 'object')
          for (const [k, x] of Object.entries(v)) {
            if (!/^[a-z0-9_.]+$/.test(k)) bad.add(`${path}.${k}`);
            if (k === 'changes' && Array.isArray(x))
              for (const c of x) if (!/^[a-z0-9_]+$/.test(String(c))) bad.add(`${path}.changes: ${c}`);
            // Payloads and metadata are the caller's own keys, kept as given.
            if (!['payload', 'metadata'].includes(k)) walk(x, `${path}.${k}`);
          }
      };
      for (const e of events) {
        const data = JSON.parse(e.data) as { context?: unknown } | null;
        walk(data, e.type);
      }
      assert.ok(events.some((e) => e.type === 'supervisor.decided'));
      assert.ok(events.some((e) => /"changes":\["assigned_room_id"\]/.test(e.data)));
      assert.deepEqual([...bad].sort(), []);
    });
  });
}

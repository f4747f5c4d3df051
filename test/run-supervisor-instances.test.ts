import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from '../src/cli/worker.js';
import { ADMIN } from './support/app.js';
import { startServerProcess, type ServerProcess } from './support/server-process.js';
import { freshTarget, pgSkip, STORE_KINDS } from './support/stores.js';

const runs = '/llm/factory/runs';
const EXAMPLE = `node ${join(process.cwd(), 'examples/workers/plan-worker.mjs')}`;
const PROMPT = 'Ship a greeting\n- write the greeting\n- test the greeting';
const ENV = {
  FABRICA_TIMER_POLL_MS: '100',
  FABRICA_CAPABILITIES: 'factory_verify=experimental',
  // Confinement is the sandbox tests' subject; here the verification is a real `node -e`.
  FABRICA_VERIFY_SANDBOX: 'none',
  // A verification the crash interrupts holds its run for the commands' timeouts: keep them short.
  FABRICA_VERIFY_TIMEOUT_MS: '10000',
};

const worker = (url: string, room: string, concurrency: number) => {
  const w = new Worker({
    client: { url, token: ADMIN },
    room,
    exec: EXAMPLE,
    concurrency,
    // Short, so that work a dead worker held comes back soon; long enough for the example to answer.
    leaseMs: 8_000,
    pollMs: 50,
    json: false,
    max: null,
    log: () => undefined,
  });
  const running = w.run().catch(() => undefined);
  return {
    async stop() {
      w.stop();
      await running;
    },
  };
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits (up to a deadline) until every run has finished; answers their statuses. */
async function allFinished(s: ServerProcess, ids: string[], deadlineMs: number): Promise<string[]> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const statuses = await Promise.all(
      ids.map(async (id) => (await s.request('GET', `${runs}/${id}/status`)).body.data.status as string),
    );
    if (statuses.every((x) => ['completed', 'failed', 'cancelled'].includes(x))) return statuses;
    assert.ok(Date.now() < deadline, `runs still going: ${statuses.join(', ')}`);
    await sleep(200);
  }
}

/** Every action once: one planning, one per issue, one checkpoint; one dispatch event each; one report. */
async function assertEachActionOnce(s: ServerProcess, id: string): Promise<void> {
  const assignments = (await s.request('GET', `${runs}/${id}/assignments`)).body.data as any[];
  assert.deepEqual(assignments.map((a) => a.kind).sort(), ['checkpoint', 'issue', 'issue', 'planning'], id);
  assert.equal(new Set(assignments.map((a) => a.action_key)).size, 4);
  const events = (await s.request('GET', `/audit?subject_id=${id}&limit=1000`)).body.events as any[];
  assert.equal(events.filter((e) => e.type === 'issue.dispatched').length, 4, `dispatches of ${id}`);
  assert.deepEqual(
    events.filter((e) => e.type === 'run.status_changed').map((e) => e.data.context.to),
    ['implementing', 'verifying', 'gated', 'completed'],
  );
  const reports = (await s.request('GET', `${runs}/${id}/artifacts`)).body.data.filter(
    (a: any) => a.artifact_type === 'verification_report',
  );
  assert.equal(reports.length, 1, `verification reports of ${id}`);
}

for (const { kind, skip } of STORE_KINDS) {
  describe(`supervised runs across a crash (${kind})`, { skip }, () => {
    // Two server starts and three whole runs: more than the default per-test time on a busy machine.
    it(
      'resume after SIGKILL of the server and of the worker: all complete, no action doubled',
      { timeout: 600_000 },
      async () => {
        const target = await freshTarget(kind);
        const env = { ...target.env, ...ENV };
        let server = await startServerProcess(env);
        try {
          const room = (await server.request('POST', '/llm/rooms', { name: 'crash' })).body.data;
          const ids: string[] = [];
          for (let i = 0; i < 3; i += 1) {
            const r = await server.request('POST', runs, {
              source: { kind: 'prompt', content: PROMPT },
              auto_advance: true,
            });
            ids.push(r.body.data.id);
          }
          let w = worker(server.url, room.id, 2);
          // Kill both mid-run: once some issue work has been dispatched.
          for (let i = 0; ; i += 1) {
            assert.ok(i < 600, 'no issue was ever dispatched');
            const audit = (await server.request('GET', '/audit?type=issue.dispatched&limit=1000')).body
              .events;
            if (audit.some((e: any) => e.data.context.kind === 'issue')) break;
            await sleep(100);
          }
          await server.kill('SIGKILL');
          await w.stop();
          server = await startServerProcess(env);
          w = worker(server.url, room.id, 2);
          try {
            assert.deepEqual(await allFinished(server, ids, 180_000), [
              'completed',
              'completed',
              'completed',
            ]);
          } finally {
            await w.stop();
          }
          assert.equal((await server.request('GET', '/audit/verify')).body.ok, true);
          for (const id of ids) await assertEachActionOnce(server, id);
        } finally {
          await server.kill('SIGTERM');
          await target.cleanup();
        }
      },
    );
  });
}

describe('two instances on one PostgreSQL drive supervised runs', { skip: pgSkip }, () => {
  it('complete 20 runs together, each action once', { timeout: 600_000 }, async () => {
    const target = await freshTarget('postgres');
    const env = { ...target.env, ...ENV };
    const a = await startServerProcess(env);
    const b = await startServerProcess(env);
    try {
      const room = (await a.request('POST', '/llm/rooms', { name: 'shared' })).body.data;
      const ids: string[] = [];
      for (let i = 0; i < 20; i += 1) {
        const via = i % 2 === 0 ? a : b;
        const r = await via.request('POST', runs, { source: { kind: 'prompt', content: PROMPT } });
        ids.push(r.body.data.id);
        assert.equal((await via.request('POST', `${runs}/${r.body.data.id}/start`, {})).status, 200);
      }
      const wa = worker(a.url, room.id, 3);
      const wb = worker(b.url, room.id, 3);
      try {
        const statuses = await allFinished(a, ids, 300_000);
        assert.deepEqual(
          statuses,
          ids.map(() => 'completed'),
        );
      } finally {
        await Promise.all([wa.stop(), wb.stop()]);
      }
      for (const id of ids) await assertEachActionOnce(b, id);
    } finally {
      await Promise.all([a.kill('SIGTERM'), b.kill('SIGTERM')]);
      await target.cleanup();
    }
  });
});

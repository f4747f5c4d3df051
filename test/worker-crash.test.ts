import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { ADMIN, startTestFabrica, type TestFabrica } from './support/app.js';
import { startCliProcess } from './support/cli-process.js';
import { STORE_KINDS } from './support/stores.js';
import { until } from './support/wait.js';

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
 * `fabrica worker` killed with SIGKILL while its command runs: it posts nothing, and the work is not
 * lost. Its lease runs out on the server's clock (moved by the test, so a busy machine cannot make the
 * lease expire early or late), the work is queued again, and another worker's result is the one kept.
 */
for (const { kind, skip } of STORE_KINDS) {
  describe(`a worker killed mid-assignment (${kind})`, { skip }, () => {
    let f: TestFabrica;
    let url: string;
    const clock = { t: Date.now(), now: () => clock.t };
    const dir = mkdtempSync(join(tmpdir(), 'fabrica-worker-crash-'));
    before(async () => {
      f = await startTestFabrica(kind, {}, undefined, { clock });
      url = await f.fabrica.app.listen({ port: 0, host: '127.0.0.1' });
    });
    after(async () => {
      await f.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const data = async (method: string, path: string, body?: unknown) => {
      const r = await f.request(method, path, body === undefined ? {} : { body });
      assert.ok([200, 201].includes(r.status), `${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.data;
    };
    const audit = async (type: string) =>
      (await f.request('GET', `/audit?type=${type}&limit=1000`)).body.events as any[];

    it('loses nothing: the lease runs out, the work is queued again and the next worker answers it', async () => {
      const room = await data('POST', '/llm/rooms', { name: 'crashy', tenant: 'crash' });
      const run = await data('POST', runs, {
        source: { kind: 'prompt', content: 'Ship it' },
        tenant: 'crash',
      });
      await data('POST', `${runs}/${run.run_id}/artifacts`, {
        artifact_type: 'factory.kernel.stage_graph',
        payload: graph,
      });
      const issue = ((await data('GET', `${runs}/${run.run_id}/issues`)) as any[])[0];
      const d = await data('POST', `${runs}/${run.run_id}/issues/${issue.id}/dispatch`, { prompt: 'a' });

      // The first worker's command says it started (its pid in a file), then never finishes.
      const started = join(dir, 'started');
      const hang = join(dir, 'hang.mjs');
      writeFileSync(
        hang,
        `import { writeFileSync } from 'node:fs';\n` +
          `writeFileSync(${JSON.stringify(started)}, String(process.pid));\n` +
          `setInterval(() => {}, 1000);\n`,
      );
      const env = { FABRICA_URL: url, FABRICA_TOKEN: ADMIN };
      const first = startCliProcess(
        ['worker', '--room', 'crashy', '--exec', `exec node ${hang}`, '--lease', '60s', '--poll', '50ms'],
        env,
      );
      let orphan: number | null = null;
      try {
        await until('the first command to start', async () => (existsSync(started) ? true : undefined));
        orphan = Number(readFileSync(started, 'utf8'));
        const held = ((await data('GET', `${runs}/${run.run_id}/assignments`)) as any[]).find(
          (a) => a.assignment_id === d.assignment_id,
        );
        assert.equal(held.state, 'leased');
        assert.equal(held.attempts, 1);

        first.child.kill('SIGKILL');
        assert.equal(await first.exited, null, 'the worker died of the signal');
      } finally {
        if (first.child.exitCode === null && first.child.signalCode === null) first.child.kill('SIGKILL');
        // A killed worker leaves its command behind, as a crashed host would not: end it here.
        if (orphan !== null)
          try {
            process.kill(orphan, 'SIGKILL');
          } catch {
            // already gone
          }
      }
      // Nothing was posted for the first lease: the work is still held, not answered.
      const stillHeld = ((await data('GET', `${runs}/${run.run_id}/assignments`)) as any[]).find(
        (a) => a.assignment_id === d.assignment_id,
      );
      assert.equal(stillHeld.state, 'leased');
      assert.equal(stillHeld.result, null);

      // The lease runs out: its timer takes the work back.
      clock.t += 120_000;
      const expired = await until('the lease to expire', async () =>
        (await audit('assignment.lease_expired')).find((e) => e.data.target_id === d.assignment_id),
      );
      assert.equal(expired.data.context.requeued, true);
      const queued = ((await data('GET', `${runs}/${run.run_id}/assignments`)) as any[]).find(
        (a) => a.assignment_id === d.assignment_id,
      );
      assert.equal(queued.state, 'queued', 'the work is handed out again');

      // The next worker claims it and answers it, once.
      const second = startCliProcess(
        [
          'worker',
          '--room',
          room.id,
          '--exec',
          `echo '{"status":"passed","summary":"answered by the second worker"}'`,
          '--lease',
          '60s',
          '--poll',
          '50ms',
          '--max',
          '1',
        ],
        env,
      );
      // A hang-catcher, not a speed goal: a worker with nothing to claim would wait for ever.
      const code = await Promise.race([second.exited, sleep(120_000).then(() => 'still running')]);
      if (code === 'still running') second.child.kill('SIGKILL');
      assert.equal(code, 0, second.stderr());

      const answered = ((await data('GET', `${runs}/${run.run_id}/assignments`)) as any[]).filter(
        (a) => a.assignment_id === d.assignment_id,
      );
      assert.equal(answered.length, 1);
      assert.equal(answered[0].state, 'done');
      assert.equal(answered[0].attempts, 2);
      assert.equal(answered[0].result.status, 'passed');
      assert.equal(answered[0].result.summary, 'answered by the second worker');
      const after = ((await data('GET', `${runs}/${run.run_id}/issues`)) as any[])[0];
      assert.equal(after.status, 'passed');
      assert.equal(
        (await audit('assignment.lease_expired')).filter((e) => e.data.target_id === d.assignment_id).length,
        1,
      );
      assert.equal(
        (await audit('issue.result')).filter((e) => e.data.target_id === d.assignment_id).length,
        1,
      );
    });
  });
}

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { reached, watchRun, type RunStatusView } from '../src/cli/run-watch.js';
import { ADMIN, startTestFabrica } from './support/app.js';
import { CLI, runCli, startServerProcess } from './support/server-process.js';
import { freshTarget } from './support/stores.js';

/** A CLI process whose output is read while it runs. */
function startCli(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [...CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    exited,
    lines: () => stdout.split('\n').filter(Boolean),
    stderr: () => stderr,
    async waitForLine(pattern: RegExp, timeoutMs = 20_000) {
      const start = Date.now();
      while (!pattern.test(stdout)) {
        if (Date.now() - start > timeoutMs) throw new Error(`no line ${pattern}: ${stdout} ${stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

/** A TCP proxy to cut: `cut()` drops every connection and stops listening; `start(port)` listens again. */
function tcpProxy(targetPort: number) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | null = null;
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  return {
    start: (port = 0) =>
      new Promise<number>((resolve) => {
        server = net.createServer((client) => {
          const upstream = net.connect(targetPort, '127.0.0.1');
          track(client);
          track(upstream);
          client.on('close', () => upstream.destroy());
          upstream.on('close', () => client.destroy());
          client.pipe(upstream).pipe(client);
        });
        server.listen(port, '127.0.0.1', () => resolve((server!.address() as AddressInfo).port));
      }),
    cut: async () => {
      const closed = new Promise((r) => server?.close(r));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

describe('fabrica runs against a running server', () => {
  it('submits, lists, shows status, watches until cancelled, reviews; errors are one line', async () => {
    const target = await freshTarget('sqlite');
    const server = await startServerProcess(target.env);
    const env = { FABRICA_URL: server.url, FABRICA_TOKEN: ADMIN };
    let watch: ReturnType<typeof startCli> | null = null;
    try {
      const submitted = await runCli(
        [
          'runs',
          'submit',
          'Ship the API\nwith docs',
          '--title',
          'API',
          '--workflow-kind',
          'software',
          '--json',
        ],
        env,
      );
      assert.equal(submitted.code, 0, submitted.stderr);
      const run = JSON.parse(submitted.stdout);
      assert.match(run.id, /^run_/);
      assert.equal(run.status, 'planning');
      const stored = (await server.request('GET', `/llm/factory/runs/${run.id}`)).body.data;
      assert.deepEqual(stored.source, { kind: 'prompt', format: 'text', content: 'Ship the API\nwith docs' });
      assert.equal(stored.workflow_kind, 'software');

      const file = join(target.dataDir, 'brief.md');
      writeFileSync(file, '# Second brief\nmore');
      const fromFile = await runCli(['runs', 'submit', '--prompt-file', file], env);
      assert.match(fromFile.stdout, /^run run_\S+ submitted \(planning\)$/m);
      const second = /run (run_\S+)/.exec(fromFile.stdout)![1]!;
      assert.equal(
        (await server.request('GET', `/llm/factory/runs/${second}`)).body.data.source.format,
        'markdown',
      );

      const list = await runCli(['runs', 'list'], env);
      assert.match(list.stdout, /^ID\s+STATUS\s+STAGE\s+WORKFLOW\s+TITLE\s+UPDATED_AT$/m);
      assert.match(list.stdout, new RegExp(`^${run.id}\\s+planning\\s+-\\s+software\\s+API\\s+\\d{4}-`, 'm'));
      assert.match(list.stdout, new RegExp(`^${second}\\s+planning\\s+-\\s+-\\s+# Second brief`, 'm'));

      const status = await runCli(['runs', 'status', run.id], env);
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, new RegExp(`^run\\s+${run.id}$`, 'm'));
      assert.match(status.stdout, /^status\s+planning$/m);
      assert.match(status.stdout, /^blockers:\n {2}\(none\)$/m);
      assert.match(status.stdout, /^waiting on:\n {2}- no problem_interpretation artifact$/m);
      assert.equal(
        JSON.parse((await runCli(['runs', 'status', run.id, '--json'], env)).stdout).run_id,
        run.id,
      );

      // The watch prints the state once it follows the run, then a line per change, until cancelled.
      watch = startCli(['runs', 'watch', run.id, '--until', 'cancelled'], env);
      await watch.waitForLine(new RegExp(`run ${run.id}: planning$`, 'm'));
      const artifact = await server.request('POST', `/llm/factory/runs/${run.id}/artifacts`, {
        artifact_type: 'problem_interpretation',
        payload: { summary: 'an API' },
      });
      assert.equal(artifact.status, 201);
      await watch.waitForLine(/artifact\.created/);
      assert.equal(watch.child.exitCode, null, 'the watch goes on until the run is cancelled');
      const cancelled = await runCli(['runs', 'cancel', run.id, '--reason', 'scope changed'], env);
      assert.equal(cancelled.stdout.trim(), `run ${run.id} cancelled: scope changed`);
      assert.equal(await watch.exited, 0, watch.stderr());
      const lines = watch.lines();
      assert.equal(lines[0], `run ${run.id}: planning`);
      // Each line is timed by the event's own timestamp against the run's creation.
      assert.match(
        lines[1]!,
        /^\d+ {2}artifact\.created {2}artifact\/art_\S+ {2}→ planning {2}\(\+\d+ ms\)$/,
      );
      assert.match(
        lines[2]!,
        new RegExp(`^\\d+  run\\.status_changed  run/${run.id}  → cancelled  \\(\\+\\d+ ms\\)$`),
      );
      assert.equal(lines[3], 'reached cancelled');
      assert.equal(lines.length, 4);

      const listed = JSON.parse(
        (await runCli(['runs', 'list', '--status', 'cancelled', '--json'], env)).stdout,
      );
      assert.deepEqual(
        listed.map((r: { id: string }) => r.id),
        [run.id],
      );

      const review = await runCli(['runs', 'review', run.id], env);
      assert.equal(review.code, 0, review.stderr);
      assert.match(review.stdout, new RegExp(`^review rev_\\S+ of run ${run.id} \\(cancelled\\)$`, 'm'));
      assert.match(review.stdout, /^plan: No delivery spec yet\. API$/m);
      assert.match(review.stdout, /^artifacts:\n {2}- problem_interpretation v0 \(art_\S+\) by /m);
      assert.equal(
        JSON.parse((await runCli(['runs', 'review', run.id, '--json'], env)).stdout).run_id,
        run.id,
      );

      const missing = await runCli(['runs', 'status', 'run_nope'], env);
      assert.equal(missing.code, 1);
      assert.equal(missing.stderr, 'error not_found: no run run_nope\n');
      const watchMissing = await runCli(['runs', 'watch', 'run_nope'], env);
      assert.equal(watchMissing.stderr, 'error not_found: no run run_nope\n');
      const twice = await runCli(['runs', 'cancel', run.id], env);
      assert.equal(twice.code, 1);
      assert.match(twice.stderr, /^error invalid_transition: run \S+ is cancelled/);
      const never = await runCli(['runs', 'watch', run.id, '--until', 'completed'], env);
      assert.equal(never.code, 1);
      assert.match(never.stderr, /^error run_finished: run \S+ is cancelled; it will not reach completed$/m);
      const empty = await runCli(['runs', 'submit'], env);
      assert.match(empty.stderr, /^error invalid_request: give the prompt/);
    } finally {
      watch?.child.kill();
      await server.kill('SIGTERM');
      await target.cleanup();
    }
  });

  it('watch resumes after a disconnect: every change once, in order, none lost', async () => {
    const f = await startTestFabrica('sqlite');
    const base = await f.fabrica.app.listen({ port: 0, host: '127.0.0.1' });
    const proxy = tcpProxy(Number(new URL(base).port));
    const port = await proxy.start();
    try {
      const id = (
        await f.request('POST', '/llm/factory/runs', { body: { source: { kind: 'prompt', content: 'x' } } })
      ).body.data.id as string;
      await f.fabrica.hub.settle();
      const from = f.fabrica.hub.head;
      const lines: string[] = [];
      const notes: string[] = [];
      const watching = watchRun({ url: `http://127.0.0.1:${port}`, token: ADMIN }, id, {
        until: 'cancelled',
        json: false,
        out: (l) => lines.push(l),
        note: (l) => notes.push(l),
      });
      const waitFor = async (n: number) => {
        const start = Date.now();
        while (lines.length < n) {
          if (Date.now() - start > 15_000)
            throw new Error(`lines: ${lines.join(' | ')}; ${notes.join(' | ')}`);
          await new Promise((r) => setTimeout(r, 10));
        }
      };
      const artifact = (type: string) =>
        f.request('POST', `/llm/factory/runs/${id}/artifacts`, {
          body: { artifact_type: type, payload: {} },
        });
      await waitFor(1);
      await artifact('problem_interpretation');
      await waitFor(2);
      await proxy.cut();
      await artifact('delivery_spec');
      await new Promise((r) => setTimeout(r, 300));
      await proxy.start(port);
      // The change made while cut off arrives once the watch is back.
      await waitFor(3);
      await f.request('POST', `/llm/factory/runs/${id}/cancel`, { body: {} });
      await watching;
      const log = await f.fabrica.store.eventsAfter(from, 100, { subjectKind: 'run', subjectId: id });
      assert.deepEqual(
        lines.slice(1, -1).map((l) => Number(l.split(' ')[0])),
        log.map((e) => e.seq),
      );
      assert.deepEqual(
        lines.slice(1, -1).map((l) => l.split('  ')[1]),
        ['artifact.created', 'artifact.created', 'run.status_changed'],
      );
      assert.equal(lines.at(-1), 'reached cancelled');
      assert.ok(
        notes.some((n) => /stream interrupted|unreachable/.test(n)),
        `the watch saw the disconnect: ${notes.join(' | ')}`,
      );
    } finally {
      await proxy.cut();
      await f.close();
    }
  });

  it('--until: completed, failed, cancelled by status; blocked and attention from the status aggregate', () => {
    const counts = { pending: 0, ready: 1, running: 0, passed: 0, failed: 0, blocked: 0 };
    const base: RunStatusView = {
      run_id: 'run_1',
      status: 'implementing',
      current_stage: 'build',
      stage_counts: counts,
      issue_counts: counts,
      latest_checkpoint_status: null,
      latest_checkpoint_id: null,
      latest_verification: 'pending',
      latest_verification_success: null,
      latest_verification_artifact_id: null,
      latest_gate_verdicts: { planning: 'pass' },
      blockers: [],
      waiting_on: [],
      diagnostics: [],
      next_actions: [],
      updated_at: '2026-01-01T00:00:00.000Z',
    };
    assert.equal(reached('blocked', base), false);
    assert.equal(reached('attention', base), false);
    assert.equal(reached('completed', base), false);
    assert.equal(reached('blocked', { ...base, blockers: ['issue api is blocked'] }), true);
    assert.equal(reached('blocked', { ...base, issue_counts: { ...counts, blocked: 1 } }), true);
    assert.equal(reached('blocked', { ...base, stage_counts: { ...counts, failed: 1 } }), true);
    assert.equal(
      reached('blocked', { ...base, status: 'cancelled', issue_counts: { ...counts, blocked: 1 } }),
      false,
    );
    assert.equal(reached('attention', { ...base, latest_gate_verdicts: { merge: 'needs_review' } }), true);
    assert.equal(reached('attention', { ...base, latest_gate_verdicts: { merge: 'failed' } }), true);
    assert.equal(reached('attention', { ...base, diagnostics: ['issue api is failed'] }), true);
    assert.equal(reached('cancelled', { ...base, status: 'cancelled' }), true);
    assert.equal(reached('failed', { ...base, status: 'completed' }), false);
  });

  it('documents the runs commands and the --until conditions in --help', async () => {
    const help = await runCli(['runs', 'watch', '--help'], {});
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: fabrica runs watch/m);
    assert.match(
      help.stdout,
      /attention +a gate verdict is fail, failed, needs_review or needs_further_review/,
    );
    const all = await runCli(['runs', '--help'], {});
    for (const c of ['submit', 'list', 'status', 'watch', 'review', 'cancel']) {
      assert.match(all.stdout, new RegExp(`^ {2}${c}\\b`, 'm'));
    }
  });
});

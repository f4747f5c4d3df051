import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ADMIN } from './support/app.js';
import { oneLineFailure } from './support/cli-process.js';
import { startServerProcess, type ServerProcess } from './support/server-process.js';
import { freshTarget } from './support/stores.js';
import { TOPIC_CELL, topicTemplate, viaProcess, waitForJob } from './support/training.js';

/** The built command (`npm run build` first), as a user runs it. */
const BIN = resolve('bin/fabrica.js');

function spawnCli(args: string[], env: Record<string, string>) {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('FABRICA_') && k !== 'DATABASE_URL'),
  );
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...base, FABRICA_LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = once(child, 'exit').then(([code]) => (code as number | null) ?? -1);
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

async function run(args: string[], env: Record<string, string>) {
  const p = spawnCli(args, env);
  const code = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

/** Polls `read()` until `pattern` matches it; fails after the deadline with what was read. */
async function waitForText(read: () => string, pattern: RegExp, what: string, ms = 120_000) {
  const until = Date.now() + ms;
  while (!pattern.test(read())) {
    if (Date.now() > until) throw new Error(`never saw ${what} (${pattern}): ${read()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return pattern.exec(read())!;
}

describe('fabrica datasets and fabrica train (the built CLI against a server)', () => {
  let server: ServerProcess;
  let cleanup: () => Promise<void>;
  let env: Record<string, string>;
  let dataset: string;
  const dir = mkdtempSync(join(tmpdir(), 'fabrica-training-cli-'));

  before(async () => {
    const target = await freshTarget('sqlite');
    cleanup = () => target.cleanup();
    // Paced, one trial a step: the watch sees an iteration's trials come in one by one.
    server = await startServerProcess({
      ...target.env,
      FABRICA_TRAINING_STEP_MS: '700',
      FABRICA_TRAINING_STEP_BUDGET_MS: '0',
    });
    env = { FABRICA_URL: server.url, FABRICA_TOKEN: ADMIN };
    const cell = await server.request('POST', '/factory/cells', { backend: 'adapter', tpl: topicTemplate() });
    assert.equal(cell.status, 201, JSON.stringify(cell.body));
  });
  after(async () => {
    await server.kill('SIGTERM');
    await cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('datasets load stores the shipped set once and names the bad lines of a broken file', async () => {
    const load = await run(['datasets', 'load', 'examples/datasets/topics.ru-en.jsonl'], env);
    assert.equal(load.code, 0, load.stderr);
    const m = /^(ds_\S+) topics v1: 208 examples \(train 156, holdout 52\)$/m.exec(load.stdout);
    assert.ok(m, load.stdout);
    dataset = m[1]!;
    const again = await run(['datasets', 'load', 'examples/datasets/topics.ru-en.jsonl'], env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`^${dataset} topics v1: 208 examples .*, stored already$`, 'm'));

    const bad = join(dir, 'broken.jsonl');
    writeFileSync(bad, '{"input":"a","expected":"x"}\n{"input": oops\n{"expected":"y"}\n');
    const refused = await run(['datasets', 'load', bad], env);
    oneLineFailure(refused, /invalid_dataset.*line 2: not valid JSON.*line 3: input is required/);
    const missing = await run(['datasets', 'load', join(dir, 'nowhere.jsonl')], env);
    oneLineFailure(missing, /cannot read .*nowhere\.jsonl/);
    const list = await run(['datasets', 'list'], env);
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stdout.trim().split('\n').length, 1, 'the broken file stored nothing');
  });

  it('train --watch prints each iteration as its trials come in, waits for approve, and ends converged', async () => {
    const watch = spawnCli(
      [
        'train',
        TOPIC_CELL,
        '--version',
        '1.0.0',
        '--dataset',
        dataset,
        '--metric',
        'accuracy',
        '--target',
        '0.95',
        '--trials',
        '6',
        '--seed',
        '7',
        '--watch',
      ],
      env,
    );
    try {
      const [, id] = await waitForText(watch.stderr, /job (trn_\S+) started/, 'the job id');
      // The first iteration's bar fills as trials commit (one a step, paced): seen part-way, then full.
      await waitForText(
        watch.stdout,
        /^iteration 1: base 1\.0\.0 train 0\.795 holdout 0\.712 \[#*\.+\] [1-5]\/6$/m,
        'a part-filled bar',
      );
      await waitForText(watch.stdout, /awaiting approval: fabrica train approve (trn_\S+)/, 'the proposal');
      assert.match(
        watch.stdout(),
        /^iteration 1: .* \[#{20}\] 6\/6 → proposal 1\.0\.1 train 1\.000 holdout 1\.000 \(\+\d+ fixed, -0 broken\): awaiting_approval$/m,
      );
      assert.match(watch.stdout(), /^holdout curve: 0\.712$/m);
      const bars = watch
        .stdout()
        .split('\n')
        .filter((l) => l.startsWith('iteration 1:'))
        .map((l) => Number(/(\d)\/6/.exec(l)![1]));
      assert.deepEqual(
        bars,
        [...bars].sort((a, b) => a - b),
        'the bar only grows',
      );

      const approve = await run(['train', 'approve', id!], env);
      assert.equal(approve.code, 0, approve.stderr);
      assert.equal(approve.stdout.trim(), `${id} running`);
      assert.equal(await watch.exited, 0, watch.stderr());
      const lines = watch.stdout();
      assert.match(lines, /^iteration 1: .*: accepted$/m);
      assert.match(
        lines,
        new RegExp(
          `^${id} converged at 1\\.0\\.1 \\(\\{"confidence_threshold":0\\.[56]\\d*\\}\\), holdout curve: 0\\.712 → 1\\.000$`,
          'm',
        ),
      );
      // Approving again: nothing awaits approval now.
      const twice = await run(['train', 'approve', id!], env);
      oneLineFailure(twice, /^error not_awaiting_approval: /);
    } finally {
      if (watch.child.exitCode === null) watch.child.kill('SIGTERM');
      await watch.exited;
    }
  });

  it('train reject goes on from the same base; train stop ends the job', async () => {
    const start = await run(
      [
        'train',
        TOPIC_CELL,
        '--version',
        '1.0.0',
        '--dataset',
        dataset,
        '--metric',
        'accuracy',
        '--target',
        '0.95',
        '--space',
        '{"confidence_threshold":{"values":[0.6]}}',
        '--strategy',
        'grid',
        '--trials',
        '1',
        '--max-iterations',
        '50',
      ],
      env,
    );
    assert.equal(start.code, 0, start.stderr);
    const [, id] = /^(trn_\S+) running$/m.exec(start.stdout) ?? [];
    assert.ok(id, start.stdout);
    const request = viaProcess(server);
    await waitForJob(request, id, (j) => j.state === 'awaiting_approval', 'a proposal', 120_000);
    const reject = await run(['train', 'reject', id], env);
    assert.equal(reject.code, 0, reject.stderr);
    assert.equal(reject.stdout.trim(), `${id} running`);
    const stop = await run(['train', 'stop', id], env);
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal(stop.stdout.trim(), `${id} stopped`);
    const job = (await request('GET', `/factory/training/${id}`)).body;
    assert.equal(job.state, 'stopped');
    assert.equal(job.base_version, '1.0.0');
    assert.equal(job.iterations[0].outcome, 'rejected');
    const again = await run(['train', 'stop', id], env);
    oneLineFailure(again, /^error invalid_transition: /);
  });

  it('bad input: an unknown cell, a target out of range, a missing job id — a readable error, exit ≠ 0', async () => {
    const unknown = await run(
      ['train', 'adapter:no.such_cell.v1', '--dataset', dataset, '--metric', 'accuracy', '--target', '0.9'],
      env,
    );
    oneLineFailure(unknown, /^error invalid_request: body\.cell_id: /);
    const target = await run(
      ['train', TOPIC_CELL, '--dataset', dataset, '--metric', 'accuracy', '--target', '2'],
      env,
    );
    // Refused by the command line itself (with its usage hint), before any request.
    assert.notEqual(target.code, 0);
    assert.match(
      target.stderr,
      /option '--target <score>' argument '2' is invalid\. expected a number in \(0, 1\]/,
    );
    const metric = await run(
      ['train', TOPIC_CELL, '--dataset', dataset, '--metric', 'bleu', '--target', '0.9'],
      env,
    );
    assert.notEqual(metric.code, 0);
    assert.match(metric.stderr, /option '--metric <metric>' argument 'bleu' is invalid/);
    const noJob = await run(['train', 'approve'], env);
    oneLineFailure(noJob, /^error invalid_request: train approve needs a job id$/m);
    const jobs = (await server.request('GET', '/factory/training')).body.jobs as unknown[];
    assert.equal(jobs.length, 2, 'no bad command made a job');
  });
});

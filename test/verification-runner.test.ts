import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  resolveCwd,
  runVerification,
  validateCommands,
  type RunnerOptions,
  type VerificationCommand,
} from '../src/runtime/verification-runner.js';
import { DEFAULT_LIMITS } from '../src/runtime/verify-sandbox.js';

let root = '';
let outside = '';
before(() => {
  root = mkdtempSync(join(tmpdir(), 'fabrica-verify-'));
  outside = mkdtempSync(join(tmpdir(), 'fabrica-outside-'));
  mkdirSync(join(root, 'pkg'));
  mkdirSync(join(outside, 'x'));
  symlinkSync(outside, join(root, 'escape'));
});
after(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

const options = (extra: Partial<RunnerOptions> = {}): RunnerOptions => ({
  workspaceRoot: root,
  defaultTimeoutMs: 20_000,
  maxTimeoutMs: 60_000,
  outputCapBytes: 64 * 1024,
  env: { PATH: process.env.PATH ?? '' },
  // Unconfined here: these tests are about the runner's process handling; the sandbox has its own suite.
  sandbox: {
    mode: 'none',
    programs: ['node', 'fabrica-no-such-program'],
    limits: DEFAULT_LIMITS,
    hostPath: process.env.PATH ?? '',
  },
  ...extra,
});
/** A node script as a command: runs anywhere node does, with no shell involved. */
const js = (script: string, extra: Partial<VerificationCommand> = {}): VerificationCommand => ({
  program: 'node',
  args: ['-e', script],
  ...extra,
});

/** Whether `pid` still runs. A zombie has exited and only waits for init (slow in some containers). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw e;
  }
  if (!existsSync('/proc/self/stat')) return true;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}

/** A leader that starts a 30 s sleeper (its pid written to `pidFile`), then runs `then`. */
const spawnsSleeper = (pidFile: string, stdio: string, then: string) =>
  `const g = require('node:child_process').spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'],` +
  ` { stdio: '${stdio}' }); require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(g.pid)); ${then}`;

function sleeperPid(pidFile: string): number {
  assert.ok(existsSync(pidFile), 'the command did not get to start its grandchild');
  return Number(readFileSync(pidFile, 'utf8'));
}

describe('verification runner', () => {
  test('runs every command, records exit codes and output, and fails if any command fails', async () => {
    const seen: number[] = [];
    const outcome = await runVerification(
      [
        js(`console.log('ok')`),
        js(`console.error('boom'); process.exit(3)`),
        js(`process.stdout.write('after')`),
      ],
      options(),
      (i) => seen.push(i),
    );
    assert.equal(outcome.success, false);
    assert.deepEqual(seen, [0, 1, 2]);
    assert.deepEqual(
      outcome.commands.map((c) => [c.exit_code, c.signal, c.timed_out, c.cwd, c.stdout_tail, c.stderr_tail]),
      [
        [0, null, false, '.', 'ok\n', ''],
        [3, null, false, '.', '', 'boom\n'],
        [0, null, false, '.', 'after', ''],
      ],
    );
    assert.ok(Date.parse(outcome.started_at) <= Date.parse(outcome.finished_at));
    assert.ok(outcome.duration_ms >= outcome.commands[0]!.duration_ms);
  });

  test('succeeds when every command exits 0; an empty list is not a success', async () => {
    const outcome = await runVerification([js(''), js(`process.exitCode = 0`)], options());
    assert.equal(outcome.success, true);
    assert.equal((await runVerification([], options())).success, false);
  });

  test('keeps only the tail of large output and marks it truncated', async () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => `line ${i} of the log\n`).join('');
    const outcome = await runVerification(
      [
        js(
          'for (let i = 0; i < 10000; i++) process.stdout.write(`line ${i} of the log\\n`); ' +
            "process.stderr.write('small')",
        ),
      ],
      options({ outputCapBytes: 1024 }),
    );
    const [c] = outcome.commands;
    assert.ok(lines.length > 100_000);
    assert.equal(c!.stdout_tail, lines.slice(-1024));
    assert.equal(c!.stdout_truncated, true);
    assert.equal(c!.stderr_tail, 'small');
    assert.equal(c!.stderr_truncated, false);
  });

  test('never splits a multi-byte character at the cut', async () => {
    // 1000 × '€' is 3000 bytes; the last 1024 start one byte before a character boundary.
    const outcome = await runVerification(
      [js(`process.stdout.write('€'.repeat(1000))`)],
      options({ outputCapBytes: 1024 }),
    );
    assert.equal(outcome.commands[0]!.stdout_tail, '€'.repeat(341));
    assert.equal(outcome.commands[0]!.stdout_truncated, true);
  });

  test('a timeout ends the whole process tree', async () => {
    const pidFile = join(outside, 'timeout.pid');
    const outcome = await runVerification(
      // Long enough for node to start and spawn the sleeper even on a loaded machine; far below its 30 s.
      [js(spawnsSleeper(pidFile, 'ignore', 'setTimeout(() => {}, 30000)'), { timeout_ms: 1000 })],
      options(),
    );
    const pid = sleeperPid(pidFile);
    try {
      const [c] = outcome.commands;
      assert.equal(outcome.success, false);
      assert.equal(c!.timed_out, true);
      assert.equal(c!.exit_code, null);
      assert.equal(c!.signal, 'SIGTERM');
      assert.ok(outcome.duration_ms < 10_000, `took ${outcome.duration_ms} ms`);
      assert.equal(isRunning(pid), false, `grandchild ${pid} survived the timeout`);
    } finally {
      if (isRunning(pid)) process.kill(pid, 'SIGKILL');
    }
  });

  test('a command that ignores SIGTERM is killed after the grace', async () => {
    const outcome = await runVerification(
      [
        js(`process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)`, {
          timeout_ms: 1000,
        }),
      ],
      options(),
    );
    const [c] = outcome.commands;
    assert.equal(c!.stdout_tail, 'ready\n', 'the timeout came before the SIGTERM handler was installed');
    assert.equal(c!.timed_out, true);
    assert.equal(c!.signal, 'SIGKILL');
  });

  test('a process left running by a command that exits does not outlive the run', async () => {
    const pidFile = join(outside, 'orphan.pid');
    // The sleeper inherits stdout too, so the run must not wait for the pipe to close either.
    const outcome = await runVerification(
      [js(spawnsSleeper(pidFile, 'inherit', 'process.exit(0)'))],
      options(),
    );
    const pid = sleeperPid(pidFile);
    try {
      assert.equal(outcome.commands[0]!.exit_code, 0);
      assert.ok(outcome.duration_ms < 10_000, `took ${outcome.duration_ms} ms`);
      assert.equal(isRunning(pid), false, `background process ${pid} survived its command`);
    } finally {
      if (isRunning(pid)) process.kill(pid, 'SIGKILL');
    }
  });

  test('a command runs in its subdirectory, with only the given environment and no stdin', async () => {
    const outcome = await runVerification(
      [
        js(`console.log(process.cwd())`, { cwd: 'pkg' }),
        js(`console.log(JSON.stringify(process.env))`, { env: { FOO: 'bar', PATH: '/x' } }),
        js(`process.stdin.resume(); process.stdin.on('end', () => console.log('eof'))`, { timeout_ms: 5000 }),
      ],
      options({ env: { PATH: '/usr/bin', BASE: '1' } }),
    );
    const [inPkg, env, stdin] = outcome.commands;
    assert.equal(inPkg!.cwd, 'pkg');
    assert.equal(inPkg!.stdout_tail.trim(), realpathSync(join(root, 'pkg')));
    assert.deepEqual(JSON.parse(env!.stdout_tail), { PATH: '/x', BASE: '1', FOO: 'bar' });
    assert.equal(stdin!.stdout_tail, 'eof\n');
    assert.equal(outcome.success, true);
  });

  test('a missing program or a cwd outside the workspace is reported, not run, and the rest still run', async () => {
    const outcome = await runVerification(
      [{ program: 'fabrica-no-such-program', args: [] }, js(`console.log('ran')`, { cwd: 'escape' }), js('')],
      options(),
    );
    const [missing, escaped, next] = outcome.commands;
    assert.equal(missing!.exit_code, null);
    assert.equal(missing!.error, 'program not found: fabrica-no-such-program');
    assert.equal(escaped!.cwd, 'escape');
    assert.match(escaped!.error ?? '', /^cwd escape escapes the workspace root/);
    assert.equal(escaped!.stdout_tail, '');
    assert.equal(next!.exit_code, 0);
    assert.equal(outcome.success, false);
  });
});

describe('resolveCwd', () => {
  test('refuses every way out of the workspace root', () => {
    for (const cwd of ['..', '../x', outside, 'escape', 'escape/x', 'pkg/../../x']) {
      const r = resolveCwd(root, cwd);
      assert.equal(r.ok, false, `${cwd} was accepted`);
      if (!r.ok) {
        assert.equal(r.error.code, 'invalid_request');
        assert.match(r.error.reason, new RegExp(`cwd .*escapes the workspace root`));
        assert.ok(r.error.reason.includes(cwd), r.error.reason);
      }
    }
  });

  test('accepts directories inside the root and refuses missing ones', () => {
    const real = realpathSync(root);
    assert.deepEqual(resolveCwd(root, undefined), { ok: true, value: real });
    assert.deepEqual(resolveCwd(root, 'pkg/../pkg'), { ok: true, value: join(real, 'pkg') });
    assert.deepEqual(resolveCwd(root, join(root, 'pkg')), { ok: true, value: join(real, 'pkg') });
    const missing = resolveCwd(root, 'nope');
    assert.equal(missing.ok, false);
    if (!missing.ok) assert.equal(missing.error.reason, 'cwd nope does not exist');
  });
});

describe('validateCommands', () => {
  const limits = { maxTimeoutMs: 1000 };
  const refuses = (raw: unknown, reason: RegExp) => {
    const r = validateCommands(raw, limits);
    assert.equal(r.ok, false, `accepted ${JSON.stringify(raw)}`);
    if (!r.ok) {
      assert.equal(r.error.code, 'invalid_request');
      assert.match(r.error.reason, reason);
    }
  };
  const good = { program: 'npm', args: ['test'] };

  test('refuses shell strings, bad fields and bad list sizes, naming the field', () => {
    refuses(['npm test'], /^commands\[0\] is a shell string/);
    refuses([good, { program: 'npm test', args: [] }], /^commands\[1\]\.program "npm test" is a command/);
    refuses([good, { program: 'npm', args: 'test' }], /^commands\[1\]\.args must be an array of strings/);
    refuses([{ program: 'npm', args: [1] }], /^commands\[0\]\.args must be an array of strings/);
    refuses([{ program: '', args: [] }], /^commands\[0\]\.program must be a non-empty string/);
    refuses([{ ...good, timeout_ms: 1001 }], /^commands\[0\]\.timeout_ms must be .* at most 1000/);
    refuses([{ ...good, timeout_ms: 0 }], /^commands\[0\]\.timeout_ms/);
    refuses([{ ...good, cwd: 3 }], /^commands\[0\]\.cwd must be a string/);
    refuses([{ ...good, env: { A: 1 } }], /^commands\[0\]\.env\.A must be a string/);
    refuses([{ ...good, shell: true }], /^commands\[0\]\.shell is not a known field/);
    refuses([], /^commands must not be empty/);
    refuses(
      Array.from({ length: 51 }, () => good),
      /^commands has 51 entries; at most 50/,
    );
    refuses('npm test', /^commands must be an array/);
  });

  test('accepts well-formed commands as given', () => {
    const full = {
      program: '/opt/my tools/run',
      args: ['-v'],
      cwd: 'pkg',
      timeout_ms: 1000,
      env: { A: 'b' },
    };
    const raw = [good, full];
    assert.deepEqual(validateCommands(raw, limits), { ok: true, value: raw });
  });
});

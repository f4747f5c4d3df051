import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';

/** The CLI from source, runnable from any working directory. */
const CLI_ANYWHERE = ['--import', import.meta.resolve('tsx'), resolve('src/cli/main.ts')];

/** The CLI with exactly these settings: the test runner's own FABRICA_* and DATABASE_URL are left out. */
export async function cli(args: string[], env: Record<string, string> = {}, cwd = process.cwd()) {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('FABRICA_') && k !== 'DATABASE_URL'),
  );
  const child = spawn(process.execPath, [...CLI_ANYWHERE, ...args], {
    env: { ...base, FABRICA_LOG_LEVEL: 'silent', ...env },
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code: code ?? -1, stdout, stderr };
}

/** One line on stderr, a reason, no stack trace. */
export function oneLineFailure(r: { code: number; stdout: string; stderr: string }, reason: RegExp): void {
  assert.notEqual(r.code, 0, r.stdout);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, reason);
  assert.doesNotMatch(r.stderr, /\n\s+at |Error:/);
}

/** A CLI process that runs on (a tail, a watch): its output is read while it runs. */
export function startCliProcess(args: string[], env: Record<string, string> = {}) {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('FABRICA_') && k !== 'DATABASE_URL'),
  );
  const child = spawn(process.execPath, [...CLI_ANYWHERE, ...args], {
    env: { ...base, FABRICA_LOG_LEVEL: 'silent', ...env },
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
    /** Waits until stdout has at least `n` lines (60 s at most). */
    async waitForLines(n: number, timeoutMs = 60_000): Promise<string[]> {
      const deadline = Date.now() + timeoutMs;
      while (stdout.split('\n').filter(Boolean).length < n) {
        if (child.exitCode !== null || Date.now() > deadline)
          throw new Error(`wanted ${n} lines, got: ${stdout} ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return stdout.split('\n').filter(Boolean);
    },
    async stop(): Promise<void> {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

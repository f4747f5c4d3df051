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

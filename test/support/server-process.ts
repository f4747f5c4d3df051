import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { ADMIN, TEST_ENV } from './app.js';

export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  readonly stdout: string[];
  readonly stderr: string[];
  /** Resolves with the exit code (or signal name). */
  readonly exited: Promise<number | string>;
  request(
    method: string,
    path: string,
    body?: unknown,
    token?: string | null,
  ): Promise<{ status: number; body: any }>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

export const CLI = ['--import', 'tsx', 'src/cli/main.ts'];

const START_DEADLINE_MS = 120_000;

/** Starts `fabrica serve` as a child process on a free port and waits until it listens. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...CLI, 'serve', '--port', '0'], {
    env: {
      ...process.env,
      ...TEST_ENV,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);
  let deadline: NodeJS.Timeout | undefined;
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    child.stdout.on('data', (d: Buffer) => {
      const text = d.toString();
      stdout.push(text);
      buffer += text;
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(buffer);
      if (m) resolve(m[1]!);
    });
    child.stderr.on('data', (d: Buffer) => stderr.push(d.toString()));
    void exited.then((code) =>
      reject(new Error(`server exited (${code}) before listening: ${stderr.join('')}`)),
    );
    // A deadline, not a speed goal: on a busy two-core machine compiling and migrating may take a while.
    deadline = setTimeout(() => {
      // A server that never listened must not outlive the test (it would hold the runner open).
      child.kill('SIGKILL');
      reject(new Error(`server did not start in ${START_DEADLINE_MS} ms: ${stderr.join('')}`));
    }, START_DEADLINE_MS);
    deadline.unref();
    // Once it listens the deadline is over: a server a test keeps longer must not be killed under it.
  }).finally(() => clearTimeout(deadline));
  return {
    url,
    child,
    stdout,
    stderr,
    exited,
    async request(method, path, body, token = ADMIN) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: {
          ...(token === null ? {} : { authorization: `Bearer ${token}` }),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text === '' ? null : JSON.parse(text) };
    },
    async kill(signal = 'SIGKILL') {
      child.kill(signal);
      return exited;
    },
  };
}

/**
 * Runs the CLI to completion and returns its exit code and output. `onStdout` sees the output so far
 * each time more arrives (to act once a long-running command, such as a watch, has printed something).
 */
export async function runCli(
  args: string[],
  env: Record<string, string>,
  opts: { onStdout?: (soFar: string) => void } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    opts.onStdout?.(stdout);
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // 'close', not 'exit': the output is whole only once the pipes are drained.
  const [code] = (await once(child, 'close')) as [number | null];
  return { code: code ?? -1, stdout, stderr };
}

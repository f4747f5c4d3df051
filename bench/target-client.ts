import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TargetKind, TargetOptions } from './targets.js';

export type TargetRequest = { id: number; op: 'window-start' | 'window-stop' | 'stats' | 'stop' };
export type TargetReply =
  { id: number; ok: true; value: Record<string, unknown> } | { id: number; ok: false; error: string };

/** What the server process spent during a measured window. */
export interface ServerWindow {
  /** CPU time (user + system) of the server process. */
  readonly cpuMs: number;
  /** Time the server's event loop was busy, out of the window's length (busy = window: saturated). */
  readonly busyMs: number;
  readonly windowMs: number;
}

export interface TargetHandle {
  readonly kind: TargetKind;
  readonly url: string;
  readonly info: Record<string, unknown>;
  startWindow(): Promise<void>;
  stopWindow(): Promise<ServerWindow>;
  stats(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

const ENTRY = fileURLToPath(new URL('./target-process.ts', import.meta.url));
const START_TIMEOUT_MS = 30_000;

/** Forks a target server process (same Node flags as this one, e.g. `--import tsx`, `--cpu-prof`). */
export async function spawnTarget(kind: TargetKind, options: TargetOptions = {}): Promise<TargetHandle> {
  const child: ChildProcess = fork(ENTRY, [kind], {
    execArgv: process.execArgv,
    env: { ...process.env, BENCH_TARGET_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<
    number,
    { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }
  >();
  let next = 1;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.on('message', (raw) => {
    const m = raw as TargetReply;
    const p = pending.get(m.id);
    if (p === undefined) return;
    pending.delete(m.id);
    if (m.ok) p.resolve(m.value);
    else p.reject(new Error(`${kind} target: ${m.error}`));
  });
  child.once('exit', (code) => {
    for (const p of pending.values()) p.reject(new Error(`${kind} target exited (code ${code})`));
    pending.clear();
  });
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    pending.set(0, { resolve, reject });
    setTimeout(() => reject(new Error(`${kind} target did not start in time`)), START_TIMEOUT_MS).unref();
  });
  const call = (op: TargetRequest['op']): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      child.send({ id, op } satisfies TargetRequest);
    });
  let started: Record<string, unknown>;
  try {
    started = await ready;
  } catch (e) {
    child.kill();
    throw e;
  }
  return {
    kind,
    url: started.url as string,
    info: started.info as Record<string, unknown>,
    startWindow: async () => {
      await call('window-start');
    },
    stopWindow: async () => (await call('window-stop')) as unknown as ServerWindow,
    stats: async () => (await call('stats')) as Record<string, number>,
    stop: async () => {
      if (child.exitCode === null && child.connected) {
        await call('stop').catch(() => undefined);
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

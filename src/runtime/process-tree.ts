import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

/** How often a dying group is looked at while it is given time to go. */
const POLL_MS = 20;

/**
 * Sends `signal` to every process in group `pgid` (0 only asks whether any exists). False when the group
 * has no process left; a permission refusal counts as "something is there", so callers keep waiting on it.
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Whether group `pgid` still has a process that has not exited. Zombies do not count: an orphan that died
 * waits for init to collect it, and some container inits do that only every few seconds, which would
 * otherwise make every kill wait out its whole grace. Off Linux (no /proc), any member counts.
 */
export async function groupIsRunning(pgid: number): Promise<boolean> {
  if (!signalGroup(pgid, 0)) return false;
  if (process.platform !== 'linux') return true;
  let names: string[];
  try {
    names = await readdir('/proc');
  } catch {
    return true;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    // The command name is parenthesised and may hold spaces; after it come state, ppid and pgrp.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') return true;
  }
  return false;
}

async function goneWithin(pgid: number, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  for (;;) {
    if (!(await groupIsRunning(pgid))) return true;
    if (performance.now() >= deadline) return false;
    await delay(POLL_MS);
  }
}

/**
 * Ends process group `pgid`: SIGTERM so tools can clean up, then SIGKILL for whatever still runs after
 * `graceMs`. Resolves once nothing in the group runs, or after a second grace should a process be stuck
 * in the kernel (uninterruptible I/O), so a caller is never held indefinitely.
 *
 * A process that left the group on purpose (setsid, a daemon) is out of reach here; confining those
 * takes a cgroup or a PID namespace around the whole run.
 */
export async function terminateGroup(pgid: number, graceMs: number): Promise<void> {
  if (!signalGroup(pgid, 'SIGTERM')) return;
  if (await goneWithin(pgid, graceMs)) return;
  signalGroup(pgid, 'SIGKILL');
  await goneWithin(pgid, graceMs);
}

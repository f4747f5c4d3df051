import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fail, ok, type Result } from '../domain/errors.js';
import { OutputTail } from './output-tail.js';
import { terminateGroup } from './process-tree.js';
import {
  findTools,
  handOverWorkspace,
  resolveProgram,
  sandboxEnv,
  sandboxInvocation,
  type SandboxConfig,
  type SandboxMode,
  type SandboxTools,
} from './verify-sandbox.js';
import { confineCwd } from './workspace-cwd.js';

export { resolveCwd } from './workspace-cwd.js';

/**
 * Runs a factory run's verification commands one after another, never through a shell of the server's:
 * each is a program and its argument list, so nothing in them is ever interpreted by the server. The
 * program is a name from the allow-list, and the command runs inside the sandbox (verify-sandbox.ts)
 * unless the admin configured `none`. Every command leads
 * its own process group; a timeout ends the whole group, and whatever a command leaves running when it
 * exits (a dev server, a watcher) is ended too, so no verification outlives its report.
 *
 * Callers validate the request with `validateCommands` (and may pre-check each cwd with `resolveCwd`);
 * `runVerification` checks each cwd again right before its command runs, since an earlier command may
 * have changed the tree (a symlink it created must not lead the next command out of the workspace).
 */

export interface VerificationCommand {
  program: string;
  args: string[];
  /** Relative to the workspace root (or absolute inside it); the root when absent. */
  cwd?: string;
  timeout_ms?: number;
  /** Added to the runner's base environment, overriding it. */
  env?: Record<string, string>;
}

export interface CommandResult {
  program: string;
  args: string[];
  /** Relative to the workspace root, '.' for the root; as asked when the cwd was refused. */
  cwd: string;
  exit_code: number | null;
  signal: string | null;
  duration_ms: number;
  timed_out: boolean;
  stdout_tail: string;
  stderr_tail: string;
  stdout_truncated: boolean;
  stderr_truncated: boolean;
  /** Why the command did not run or could not be waited on, e.g. "program not found: X". */
  error?: string;
}

export interface VerificationOutcome {
  success: boolean;
  /** How the commands were confined: `bwrap`, or `none` when the admin turned the sandbox off. */
  sandbox: SandboxMode;
  commands: CommandResult[];
  started_at: string;
  finished_at: string;
  duration_ms: number;
}

export interface RunnerOptions {
  workspaceRoot: string;
  defaultTimeoutMs: number;
  maxTimeoutMs: number;
  /** Per stream: the last this-many bytes of stdout and of stderr are kept. */
  outputCapBytes: number;
  /**
   * The whole base environment commands get (with each command's `env` on top). Required, and nothing
   * is inherited: the composition root decides what the host shares (typically PATH and HOME), so no
   * server secret leaks into a build by default.
   */
  env: Readonly<Record<string, string>>;
  /** The sandbox, the program allow-list and the resource limits. */
  sandbox: SandboxConfig;
}

export const MAX_COMMANDS = 50;
/** How long a command gets between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 500;
const FIELDS = new Set(['program', 'args', 'cwd', 'timeout_ms', 'env']);

const invalid = (reason: string) => fail('invalid_request', reason);
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const hasNul = (s: string): boolean => s.includes('\0');

/** Checks the shape of a request's command list; the reason names the first field that is wrong. */
export function validateCommands(
  raw: unknown,
  limits: Pick<RunnerOptions, 'maxTimeoutMs'>,
): Result<VerificationCommand[]> {
  if (!Array.isArray(raw)) return invalid('commands must be an array of {program, args} objects');
  if (raw.length === 0) return invalid('commands must not be empty');
  if (raw.length > MAX_COMMANDS)
    return invalid(`commands has ${raw.length} entries; at most ${MAX_COMMANDS}`);
  const commands: VerificationCommand[] = [];
  for (const [i, item] of (raw as unknown[]).entries()) {
    const checked = validateCommand(item, `commands[${i}]`, limits.maxTimeoutMs);
    if (!checked.ok) return checked;
    commands.push(checked.value);
  }
  return ok(commands);
}

function validateCommand(item: unknown, at: string, maxTimeoutMs: number): Result<VerificationCommand> {
  if (typeof item === 'string')
    return invalid(`${at} is a shell string; give {program, args}: no shell runs it`);
  if (!isRecord(item)) return invalid(`${at} must be an object {program, args}`);
  const unknown = Object.keys(item).find((k) => !FIELDS.has(k));
  if (unknown !== undefined) return invalid(`${at}.${unknown} is not a known field`);
  const { program, args, cwd, timeout_ms, env } = item;
  if (typeof program !== 'string' || program === '' || hasNul(program))
    return invalid(`${at}.program must be a non-empty string without NUL`);
  // "npm test" as the program is a command line meant for a shell; a path with a space, given with
  // its arguments, is fine.
  if (/\s/.test(program) && (args === undefined || (Array.isArray(args) && args.length === 0)))
    return invalid(`${at}.program "${program}" is a command line; put the arguments in ${at}.args`);
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string' && !hasNul(a)))
    return invalid(`${at}.args must be an array of strings`);
  if (cwd !== undefined && (typeof cwd !== 'string' || hasNul(cwd)))
    return invalid(`${at}.cwd must be a string`);
  if (
    timeout_ms !== undefined &&
    !(
      typeof timeout_ms === 'number' &&
      Number.isInteger(timeout_ms) &&
      timeout_ms > 0 &&
      timeout_ms <= maxTimeoutMs
    )
  )
    return invalid(`${at}.timeout_ms must be a positive integer of at most ${maxTimeoutMs}`);
  if (env !== undefined && !isRecord(env)) return invalid(`${at}.env must be an object of strings`);
  for (const [k, v] of Object.entries(env ?? {})) {
    if (k === '' || k.includes('=') || hasNul(k)) return invalid(`${at}.env has an invalid variable name`);
    if (typeof v !== 'string' || hasNul(v)) return invalid(`${at}.env.${k} must be a string`);
  }
  return ok({
    program,
    args: [...(args as string[])],
    ...(cwd === undefined ? {} : { cwd }),
    ...(timeout_ms === undefined ? {} : { timeout_ms }),
    // fromEntries defines own properties, so a "__proto__" key stays a (harmless) variable name.
    ...(env === undefined ? {} : { env: Object.fromEntries(Object.entries(env)) as Record<string, string> }),
  });
}

/**
 * Runs every command, in order, even after one fails, so the report shows the state of every check.
 * Success means at least one command ran and each exited 0 within its timeout. `onProgress` hears of
 * each command as it finishes.
 */
export async function runVerification(
  commands: VerificationCommand[],
  opts: RunnerOptions,
  onProgress?: (index: number, result: CommandResult) => void,
): Promise<VerificationOutcome> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const results: CommandResult[] = [];
  const tools = opts.sandbox.mode === 'bwrap' ? findTools(opts.sandbox) : null;
  if (tools?.ok === true) await prepareWorkspace(opts.workspaceRoot);
  for (const [i, command] of commands.entries()) {
    const result = await runCommand(command, opts, tools);
    results.push(result);
    onProgress?.(i, result);
  }
  return {
    success: results.length > 0 && results.every((r) => r.exit_code === 0 && !r.timed_out && !r.error),
    sandbox: opts.sandbox.mode,
    commands: results,
    started_at: startedAt,
    finished_at: new Date().toISOString(),
    duration_ms: performance.now() - t0,
  };
}

function spawnFailure(program: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `program not found: ${program}`;
  if (code === 'EACCES') return `program not executable: ${program}`;
  return `spawn ${code ?? 'failed'}: ${e instanceof Error ? e.message : String(e)}`;
}

/** Resolves with `p`, or after `ms` if `p` takes longer; the timer does not outlive the wait. */
async function atMost(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

/** The workspace's TMPDIR, and (when the server runs as root) the workspace handed to the sandbox user. */
async function prepareWorkspace(root: string): Promise<void> {
  mkdirSync(join(root, '.tmp'), { recursive: true });
  await handOverWorkspace(root);
}

/** What to spawn: the program itself (no sandbox) or the sandbox chain around it. */
function invocation(
  command: VerificationCommand,
  program: string,
  cwd: string,
  opts: RunnerOptions,
  tools: Result<SandboxTools> | null,
): Result<{ file: string; args: string[]; cwd: string; env: Record<string, string> }> {
  const env = { ...opts.env, ...command.env };
  if (tools === null) return ok({ file: program, args: command.args, cwd, env });
  if (!tools.ok) return tools;
  const root = realpathSync(opts.workspaceRoot);
  const inside = sandboxEnv(root, command.env ?? {});
  const inv = sandboxInvocation(tools.value, opts.sandbox.limits, root, cwd, program, command.args, inside);
  return ok({ ...inv, cwd: '/', env: {} });
}

async function runCommand(
  command: VerificationCommand,
  opts: RunnerOptions,
  tools: Result<SandboxTools> | null,
): Promise<CommandResult> {
  const t0 = performance.now();
  const stdout = new OutputTail(opts.outputCapBytes);
  const stderr = new OutputTail(opts.outputCapBytes);
  const report = (cwd: string, end: Partial<CommandResult>): CommandResult => ({
    program: command.program,
    args: [...command.args],
    cwd,
    exit_code: null,
    signal: null,
    duration_ms: performance.now() - t0,
    timed_out: false,
    stdout_tail: stdout.text(),
    stderr_tail: stderr.text(),
    stdout_truncated: stdout.truncated,
    stderr_truncated: stderr.truncated,
    ...end,
  });

  const program = resolveProgram(command.program, opts.sandbox);
  if (!program.ok) return report(command.cwd ?? '.', { error: program.error.reason });
  const where = confineCwd(opts.workspaceRoot, command.cwd);
  if (!where.ok) return report(command.cwd ?? '.', { error: where.error.reason });
  const start = invocation(command, program.value, where.value.abs, opts, tools);
  if (!start.ok) return report(where.value.rel, { error: start.error.reason });
  let child: ChildProcess;
  try {
    child = spawn(start.value.file, start.value.args, {
      cwd: start.value.cwd,
      env: start.value.env,
      shell: false,
      detached: true, // its own process group, so a kill reaches its children too
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
  } catch (e) {
    return report(where.value.rel, { error: spawnFailure(command.program, e) });
  }
  child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
  const closed = new Promise<void>((r) => child.once('close', () => r()));
  const ended = new Promise<{ code: number | null; signal: string | null } | { error: unknown }>((r) => {
    child.once('exit', (code, signal) => r({ code, signal }));
    child.on('error', (error) => r({ error }));
  });

  const pid = child.pid;
  let timedOut = false;
  let killing: Promise<void> = Promise.resolve();
  const timeoutMs = Math.min(command.timeout_ms ?? opts.defaultTimeoutMs, opts.maxTimeoutMs);
  const timer =
    pid === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          killing = terminateGroup(pid, KILL_GRACE_MS);
        }, timeoutMs);
  const end = await ended;
  clearTimeout(timer);
  if (pid !== undefined) {
    // The leader is gone; anything it left in its group goes too, then the output is drained. A process
    // that escaped the group (setsid) may hold the pipes open: stop waiting on it after a grace.
    await Promise.all([killing, terminateGroup(pid, KILL_GRACE_MS)]);
    await atMost(closed, KILL_GRACE_MS);
  }
  child.stdout?.destroy();
  child.stderr?.destroy();
  if ('error' in end) return report(where.value.rel, { error: spawnFailure(command.program, end.error) });
  return report(where.value.rel, { exit_code: end.code, signal: end.signal, timed_out: timedOut });
}

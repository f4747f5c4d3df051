/**
 * The confinement of verification commands: bubblewrap (`bwrap`) gives each command a read-only view of
 * the system, the workspace as its only writable path, no network, its own PID, IPC and UTS namespaces
 * and no capabilities; `prlimit` (util-linux) caps its CPU time, address space, processes, file size and
 * open files. When the server runs as root the whole chain starts as an unprivileged user, so the
 * sandbox's user namespace maps to that user, never to root (see docs/security.md).
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { lchown, lstat, readdir } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { fail, ok, type Result } from '../domain/errors.js';

export const SANDBOX_MODES = ['bwrap', 'none'] as const;
export type SandboxMode = (typeof SANDBOX_MODES)[number];

export const DEFAULT_PROGRAMS = ['node', 'npm', 'npx', 'git', 'python3', 'sh'] as const;
/** Programs that interpret a command line: they run only inside the sandbox. */
const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'fish', 'csh', 'tcsh', 'busybox']);
/** The PATH commands see inside the sandbox, and where allowed programs are looked up for it. */
export const SANDBOX_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** The unprivileged user (nobody) commands run as when the server itself runs as root. */
export const SANDBOX_UID = 65534;
export const SANDBOX_GID = 65534;
/** Top-level system directories shown read-only (symlinks, as in merged-/usr systems, are recreated). */
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc', '/opt'];

export interface SandboxLimits {
  /** CPU seconds per process (RLIMIT_CPU). */
  readonly cpu: number;
  /** Address space per process, MiB (RLIMIT_AS). */
  readonly memory: number;
  /** Processes of the sandbox user (RLIMIT_NPROC). */
  readonly procs: number;
  /** Largest file a command may write, MiB (RLIMIT_FSIZE). */
  readonly fsize: number;
  /** Open file descriptors per process (RLIMIT_NOFILE). */
  readonly nofile: number;
}

export const DEFAULT_LIMITS: SandboxLimits = {
  cpu: 600,
  memory: 4096,
  procs: 256,
  fsize: 1024,
  nofile: 1024,
};
export const LIMITS_TEXT = 'cpu=600,memory=4096,procs=256,fsize=1024,nofile=1024';

/** `cpu=600,memory=4096,procs=256,fsize=1024,nofile=1024` (any subset; the rest keep their defaults). */
export function parseLimits(raw: unknown): { value: SandboxLimits } | { expected: string } {
  const expected = `name=number pairs separated by commas, names from cpu (s), memory (MiB), procs, fsize (MiB), nofile, e.g. ${LIMITS_TEXT}`;
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) raw = Object.entries(raw).join(',');
  if (typeof raw !== 'string') return { expected };
  const out: Record<string, number> = { ...DEFAULT_LIMITS };
  for (const part of raw.split(',').filter((s) => s.trim() !== '')) {
    const [name, value] = part.split('=').map((x) => x.trim());
    if (name === undefined || !(name in DEFAULT_LIMITS) || !/^\d+$/.test(value ?? '')) return { expected };
    const n = Number(value);
    if (n < 1 || n > 1_000_000) return { expected };
    out[name] = n;
  }
  return { value: out as unknown as SandboxLimits };
}

export interface SandboxConfig {
  readonly mode: SandboxMode;
  /** Program names a command may name; each is looked up on the PATH, never given as a path. */
  readonly programs: readonly string[];
  readonly limits: SandboxLimits;
  /** Where `bwrap` and `prlimit` are looked for (the server's PATH); a system PATH when absent. */
  readonly hostPath?: string;
}

const isExecutable = (p: string): boolean => {
  try {
    accessSync(p, constants.X_OK);
    return lstatSync(p).isFile() || existsSync(realpathSync(p));
  } catch {
    return false;
  }
};

/** The first executable `name` on `path`, if any. */
export function which(name: string, path: string): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '' || !dir.startsWith('/')) continue;
    const p = join(dir, name);
    if (isExecutable(p)) return p;
  }
  return undefined;
}

/**
 * The absolute path a command's `program` runs, or why it may not run. Only names on the allow-list are
 * accepted, exactly as written there: no paths (`../../bin/x`, `/bin/sh`), so what runs is what the
 * operator allowed. Outside the sandbox a shell is refused, since it would run anything unconfined.
 */
export function resolveProgram(program: string, config: SandboxConfig): Result<string> {
  const allowed = config.programs.join(', ');
  if (program.includes('/') || !config.programs.includes(program)) {
    return fail(
      'forbidden',
      `program ${program} is not allowed: verification runs only ${allowed} (FABRICA_VERIFY_PROGRAMS), by name`,
    );
  }
  if (config.mode === 'none' && SHELLS.has(program)) {
    return fail('forbidden', `program ${program} is a shell: it runs only inside the sandbox`);
  }
  const path = config.mode === 'bwrap' ? SANDBOX_PATH : (config.hostPath ?? SANDBOX_PATH);
  const found = which(program, path);
  return found === undefined ? fail('not_found', `program not found: ${program}`) : ok(found);
}

/** Whether the server runs as root, so commands must be started as the unprivileged sandbox user. */
export const runsAsRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

const INSTALL_HINT =
  'install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; it also needs util-linux for prlimit), ' +
  'or have the admin set FABRICA_VERIFY_SANDBOX=none to run verification unconfined';

export interface SandboxTools {
  readonly bwrap: string;
  readonly prlimit: string;
  /** Found inside the sandbox's view (/usr/bin), used when the server runs as root. */
  readonly setpriv: string;
}

/** Finds bwrap and prlimit, or says how to install them. */
export function findTools(config: SandboxConfig): Result<SandboxTools> {
  const path = config.hostPath ?? SANDBOX_PATH;
  const bwrap = which('bwrap', path);
  const prlimit = which('prlimit', path);
  const setpriv = which('setpriv', SANDBOX_PATH);
  if (bwrap === undefined)
    return fail('sandbox_unavailable', `the verification sandbox is missing: ${INSTALL_HINT}`);
  if (prlimit === undefined || setpriv === undefined)
    return fail(
      'sandbox_unavailable',
      `prlimit or setpriv is missing: install util-linux, or ${INSTALL_HINT}`,
    );
  return ok({ bwrap, prlimit, setpriv });
}

/** bwrap's arguments that rebuild the system's top level read-only. */
function systemBinds(): string[] {
  const out: string[] = [];
  for (const dir of SYSTEM_DIRS) {
    let st;
    try {
      st = lstatSync(dir);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) out.push('--symlink', readlinkSync(dir), dir);
    else if (st.isDirectory()) out.push('--ro-bind', dir, dir);
  }
  return out;
}

export interface Invocation {
  readonly file: string;
  readonly args: string[];
}

/**
 * The process to start for one command: prlimit (limits, inherited by everything below) → bwrap (the
 * namespaces and mounts) → the program. The environment is passed with --setenv after --clearenv, so
 * nothing of the server's own environment reaches the command.
 *
 * As an ordinary user, bwrap makes a user namespace in which the command keeps that user's identity and
 * no capabilities. As root, a user namespace would map the command to root outside (every root-owned
 * file would be its own), so bwrap runs without one and `setpriv` drops to the unprivileged sandbox
 * user, clearing every capability, the bounding set and the supplementary groups, with no_new_privs.
 */
export function sandboxInvocation(
  tools: SandboxTools,
  limits: SandboxLimits,
  workspace: string,
  cwd: string,
  program: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): Invocation {
  const mib = 1024 * 1024;
  const asRoot = runsAsRoot();
  const namespaces = asRoot
    ? ['--unshare-ipc', '--unshare-pid', '--unshare-net', '--unshare-uts', '--unshare-cgroup-try']
    : ['--unshare-all', '--cap-drop', 'ALL']; // user, pid, net, ipc, uts, cgroup
  const drop = asRoot
    ? [
        tools.setpriv,
        `--reuid=${SANDBOX_UID}`,
        `--regid=${SANDBOX_GID}`,
        '--clear-groups',
        '--inh-caps=-all',
        '--bounding-set=-all',
        '--no-new-privs',
        '--',
      ]
    : [];
  const bwrap = [
    ...namespaces,
    '--die-with-parent', // the sandbox's PID 1 goes with bwrap, and the kernel ends everything in it
    '--new-session', // no controlling terminal to inject keystrokes into
    ...systemBinds(),
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--bind',
    workspace,
    workspace,
    '--remount-ro', // the sandbox's own root (the tmpfs holding the mount points) is read-only too
    '/',
    '--chdir',
    cwd,
    '--clearenv',
    ...Object.entries(env).flatMap(([k, v]) => ['--setenv', k, v]),
    '--',
    ...drop,
    program,
    ...args,
  ];
  return {
    file: tools.prlimit,
    args: [
      `--cpu=${limits.cpu}`,
      `--as=${limits.memory * mib}`,
      `--nproc=${limits.procs}`,
      `--fsize=${limits.fsize * mib}`,
      `--nofile=${limits.nofile}`,
      '--',
      tools.bwrap,
      ...bwrap,
    ],
  };
}

/** The environment a sandboxed command gets: the sandbox PATH, HOME and TMPDIR in the workspace. */
export function sandboxEnv(
  workspace: string,
  extra: Readonly<Record<string, string>>,
): Record<string, string> {
  return { PATH: SANDBOX_PATH, HOME: workspace, TMPDIR: join(workspace, '.tmp'), ...extra };
}

/**
 * Runs `true` in the sandbox once, so a kernel that refuses user namespaces is reported as the sandbox
 * being unavailable (with bwrap's own words) rather than as every command failing.
 */
export async function probeSandbox(tools: SandboxTools, workspace: string): Promise<Result<void>> {
  const inv = sandboxInvocation(
    tools,
    DEFAULT_LIMITS,
    workspace,
    workspace,
    which('true', SANDBOX_PATH) ?? '/bin/true',
    [],
    {
      PATH: SANDBOX_PATH,
    },
  );
  return new Promise((resolve) => {
    let stderr = '';
    const child = spawn(inv.file, inv.args, { cwd: '/', stdio: ['ignore', 'ignore', 'pipe'], env: {} });
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.on('error', (e) =>
      resolve(fail('sandbox_unavailable', `the sandbox could not start: ${e.message}`)),
    );
    child.on('close', (code) =>
      resolve(
        code === 0
          ? ok(undefined)
          : fail(
              'sandbox_unavailable',
              `the sandbox could not start (bwrap: ${stderr.trim() || `exit ${code}`}); user namespaces ` +
                'may be disabled (sysctl kernel.unprivileged_userns_clone=1, or a container seccomp profile ' +
                'that allows them); see docs/security.md',
            ),
      ),
    );
  });
}

/**
 * Makes the workspace belong to the sandbox user, so commands started as that user can write there.
 * Only entries not already owned are changed; symlinks are changed themselves, never followed.
 */
export async function handOverWorkspace(root: string): Promise<void> {
  if (!runsAsRoot()) return;
  const walk = async (p: string): Promise<void> => {
    const st = await lstat(p);
    if (st.uid !== SANDBOX_UID || st.gid !== SANDBOX_GID) await lchown(p, SANDBOX_UID, SANDBOX_GID);
    if (!st.isDirectory()) return;
    for (const name of await readdir(p)) await walk(join(p, name));
  };
  await walk(root);
}

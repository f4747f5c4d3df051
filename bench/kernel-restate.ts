/**
 * The Restate peer of the run-kernel benchmark: a single-node Restate server (the binary that the npm
 * package `@restatedev/restate-server` ships for this platform) with every listener on 127.0.0.1 and its
 * data in a temporary directory, and the SDK service of bench/kernel-restate-worker.ts registered with
 * it. Everything is stopped and removed by `close()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  RestateWorkerInput,
  RestateWorkerMessage,
  RestateWorkerRequest,
} from './kernel-restate-worker.js';
import type { SliceResult } from './kernel-stats.js';
import { nextMessage, startTsWorker } from './ts-worker.js';

export interface RestateHost {
  readonly info: Record<string, unknown>;
  slice(concurrency: number, seconds: number): Promise<SliceResult>;
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);

/** The server binary of this platform's optional package, or why there is none. */
function serverBinary(): string {
  const pkg = `@restatedev/restate-server-${platform()}-${arch()}`;
  try {
    return require.resolve(`${pkg}/bin/restate-server`);
  } catch {
    throw new Error(`no Restate server binary for ${platform()}-${arch()} (${pkg} is not installed)`);
  }
}

function version(pkg: string): string {
  return (JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')) as { version: string })
    .version;
}

/** A port free on 127.0.0.1 right now (the server binds it a moment later). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * The server's configuration: every listener (node-to-node, admin, ingress) on loopback, TCP only, no
 * telemetry, no web UI. The rest is the single-node default: its log and state in RocksDB, with the
 * write-ahead log synced (`rocksdb-disable-wal-fsync = false` by default).
 */
function config(ports: { node: number; admin: number; ingress: number }): string {
  return [
    'disable-telemetry = true',
    'listen-mode = "tcp"',
    'log-filter = "warn"',
    'log-disable-ansi-codes = true',
    `bind-address = "127.0.0.1:${ports.node}"`,
    `advertised-address = "http://127.0.0.1:${ports.node}/"`,
    '[admin]',
    `bind-address = "127.0.0.1:${ports.admin}"`,
    'disable-web-ui = true',
    '[ingress]',
    `bind-address = "127.0.0.1:${ports.ingress}"`,
    '',
  ].join('\n');
}

/**
 * The server asks api.github.com for its latest release at every start, whatever its configuration says.
 * It runs in a mount namespace of its own whose /etc/hosts sends that name (and its telemetry host) to
 * 127.0.0.1, where nothing answers: the lookup never leaves the machine. That needs `unshare` and the
 * right to mount (root); without them the server does not start and the case says why.
 */
const HOSTS = [
  '127.0.0.1 localhost',
  '::1 localhost',
  '127.0.0.1 api.github.com',
  '127.0.0.1 restate.gateway.scarf.sh',
  '',
].join('\n');

async function waitHealthy(url: string, child: ChildProcess, log: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const tail = readFileSync(log, 'utf8').trim().split('\n').slice(-3).join(' | ');
      throw new Error(`Restate server exited (${child.exitCode ?? child.signalCode}): ${tail}`);
    }
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (performance.now() > deadline) throw new Error(`Restate server not healthy after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** Starts the server and the worker, registers the service, checks one invocation end to end. */
export async function openRestateHost(steps: number): Promise<RestateHost> {
  const binary = serverBinary();
  const dir = mkdtempSync(join(tmpdir(), 'fabrica-bench-restate-'));
  let child: ChildProcess | null = null;
  let worker: ReturnType<typeof startTsWorker> | null = null;
  // Should the benchmark die without cleaning up, the server goes with it.
  const onExit = () => child?.kill('SIGKILL');
  process.once('exit', onExit);
  const cleanup = async () => {
    if (worker !== null) await worker.terminate();
    if (child !== null) await stopProcess(child);
    process.off('exit', onExit);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const ports = { node: await freePort(), admin: await freePort(), ingress: await freePort() };
    writeFileSync(join(dir, 'restate.toml'), config(ports));
    writeFileSync(join(dir, 'hosts'), HOSTS);
    const log = join(dir, 'server.log');
    const out = openSync(log, 'a');
    child = spawn(
      'unshare',
      [
        '--mount',
        '--propagation',
        'private',
        '--',
        'sh',
        '-c',
        'mount --bind "$1" /etc/hosts && shift && exec "$@"',
        'sh',
        join(dir, 'hosts'),
        binary,
        '--config-file',
        join(dir, 'restate.toml'),
        '--base-dir',
        join(dir, 'data'),
        '--node-name',
        'bench',
        '--no-logo',
      ],
      { cwd: dir, stdio: ['ignore', out, out] },
    );
    closeSync(out);
    const spawned = child;
    await new Promise<void>((resolve, reject) => {
      spawned.once('spawn', resolve);
      spawned.once('error', (e) => reject(new Error(`cannot start the Restate server: ${e.message}`)));
    });
    const admin = `http://127.0.0.1:${ports.admin}`;
    await waitHealthy(`${admin}/health`, spawned, log, 60_000);

    worker = startTsWorker(new URL('./kernel-restate-worker.ts', import.meta.url), {
      ingressUrl: `http://127.0.0.1:${ports.ingress}`,
      steps,
    } satisfies RestateWorkerInput);
    const w = worker;
    const ask = (request?: RestateWorkerRequest) => nextMessage<RestateWorkerMessage>(w, request);
    const listening = await ask();
    if (listening.type !== 'listening') throw new Error(`Restate worker: unexpected ${listening.type}`);
    const res = await fetch(`${admin}/deployments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ uri: `http://127.0.0.1:${listening.port}` }),
    });
    if (!res.ok)
      throw new Error(`registering the deployment: ${res.status} ${(await res.text()).slice(0, 300)}`);
    const probed = await ask({ type: 'probe', timeoutMs: 30_000 });
    if (probed.type !== 'probed') throw new Error(`Restate worker: unexpected ${probed.type}`);
    return {
      info: {
        restate_server: version('@restatedev/restate-server'),
        restate_sdk: version('@restatedev/restate-sdk'),
      },
      async slice(concurrency, seconds) {
        const m = await ask({ type: 'slice', concurrency, seconds });
        if (m.type !== 'slice') throw new Error(`Restate worker: unexpected ${m.type}`);
        return m.result;
      },
      async close() {
        try {
          await ask({ type: 'stop' });
        } finally {
          await cleanup();
        }
      },
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

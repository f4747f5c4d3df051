import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Every knob of the benchmark, read once from the environment and the command line. */
export interface BenchSettings {
  /** Measured seconds per HTTP case. */
  readonly seconds: number;
  /**
   * The measured seconds of each case are cut into this many slices, run round-robin across all cases,
   * so that a burst of load from elsewhere on the machine hits every case alike.
   */
  readonly rounds: number;
  /** Unmeasured seconds run first against each case (JIT, caches, SQLite pages). */
  readonly warmupSeconds: number;
  /** Concurrent autocannon connections per HTTP case. */
  readonly connections: number;
  /** PostgreSQL server for the PostgreSQL cases; null skips them. */
  readonly databaseUrl: string | null;
  readonly fanout: {
    readonly subscribers: number;
    /** Events per second the producer aims at. */
    readonly rate: number;
    readonly seconds: number;
    /** Events appended per transaction (1: every event commits on its own). */
    readonly batch: number;
    /** `worker`: the SSE clients run on a worker thread of this process; `main`: on the main thread. */
    readonly clients: 'worker' | 'main';
  };
  /** Case ids to run (all when empty). */
  readonly only: readonly string[];
  /** Print the results as JSON on stdout instead of the table. */
  readonly json: boolean;
  /** Where the JSON results are written. */
  readonly outFile: string;
}

const number = (env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number => {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number >= ${min} (got ${raw})`);
  return n;
};

export function readSettings(env: NodeJS.ProcessEnv, argv: readonly string[]): BenchSettings {
  const seconds = number(env, 'BENCH_SECONDS', 5, 1);
  const clients = env.BENCH_FANOUT_CLIENTS ?? 'worker';
  if (clients !== 'worker' && clients !== 'main') {
    throw new Error(`BENCH_FANOUT_CLIENTS must be worker or main (got ${clients})`);
  }
  const url = env.BENCH_DATABASE_URL ?? env.FABRICA_TEST_DATABASE_URL ?? '';
  return {
    seconds,
    rounds: Math.max(1, Math.min(Math.round(number(env, 'BENCH_ROUNDS', 5, 1)), Math.floor(seconds / 0.5))),
    warmupSeconds: number(env, 'BENCH_WARMUP_SECONDS', 1, 0),
    connections: Math.round(number(env, 'BENCH_CONNECTIONS', 10, 1)),
    databaseUrl: url.trim() === '' ? null : url,
    fanout: {
      subscribers: Math.round(number(env, 'BENCH_FANOUT_SUBSCRIBERS', 100, 1)),
      rate: number(env, 'BENCH_FANOUT_RATE', 1000, 1),
      seconds: number(env, 'BENCH_FANOUT_SECONDS', seconds, 1),
      batch: Math.round(number(env, 'BENCH_FANOUT_BATCH', 1, 1)),
      clients,
    },
    only: (env.BENCH_ONLY ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    json: argv.includes('--json'),
    outFile: env.BENCH_OUT ?? join(tmpdir(), 'fabrica-bench', 'latest.json'),
  };
}

/** The admin secret every fabrica target of the benchmark starts with. */
export const BENCH_ADMIN_TOKEN = 'fab_bench_admin_token_0123456789abcdef';

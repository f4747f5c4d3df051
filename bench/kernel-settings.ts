/** Knobs of the run-kernel benchmark (`bench/kernel.ts`): environment first, then `--name=value` flags. */
export interface KernelSettings {
  /** Measured seconds per case, split over `rounds` slices that alternate between the cases. */
  readonly seconds: number;
  readonly rounds: number;
  /** Unmeasured seconds per case before the first round. */
  readonly warmupSeconds: number;
  /** HTTP clients in flight at once in the HTTP cases. */
  readonly concurrency: number;
  /** Runs (or workflows, or invocations) in flight at once: each engine and peer case runs at each. */
  readonly inFlight: readonly number[];
  /** Stage graph: `stages` stages in a chain, `issues` issues each. */
  readonly stages: number;
  readonly issues: number;
  /** PostgreSQL server (a database on it) for the PostgreSQL and DBOS cases; null skips them. */
  readonly databaseUrl: string | null;
  /** Groups to run (`engine`, `dbos`, `restate`, `baseline`, `http`); empty means all. */
  readonly only: readonly string[];
  /** SQLite synchronous modes for the engine cases (`none`: PostgreSQL only). */
  readonly sqliteModes: readonly ('full' | 'normal')[];
  readonly json: boolean;
}

export const GROUPS = ['engine', 'dbos', 'restate', 'baseline', 'http'] as const;

export function readKernelSettings(
  env: Readonly<Record<string, string | undefined>>,
  argv: readonly string[],
): KernelSettings {
  const flags = new Map<string, string>();
  for (const a of argv) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (m === null) throw new Error(`unknown argument ${a} (flags look like --seconds=5)`);
    flags.set(m[1]!, m[2] ?? 'true');
  }
  const pick = (flag: string, name: string): string | undefined => flags.get(flag) ?? env[name];
  const num = (flag: string, name: string, def: number, min: number, max: number): number => {
    const raw = pick(flag, name);
    if (raw === undefined || raw === '') return def;
    const v = Number(raw);
    if (!Number.isFinite(v) || v < min || v > max)
      throw new Error(`${name} must be a number in [${min}, ${max}]`);
    return v;
  };
  const only = (pick('only', 'BENCH_KERNEL_ONLY') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const unknown = only.filter((g) => !(GROUPS as readonly string[]).includes(g));
  if (unknown.length > 0)
    throw new Error(`unknown group ${unknown.join(', ')} (known: ${GROUPS.join(', ')})`);
  const rawModes = pick('sqlite-modes', 'BENCH_KERNEL_SQLITE_MODES') ?? 'full,normal';
  const modes =
    rawModes === 'none'
      ? []
      : rawModes
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
  if (modes.some((m) => m !== 'full' && m !== 'normal'))
    throw new Error('BENCH_KERNEL_SQLITE_MODES is a list of full and normal, or none');
  const stages = Math.round(num('stages', 'BENCH_KERNEL_STAGES', 10, 1, 100));
  const issues = Math.round(num('issues', 'BENCH_KERNEL_ISSUES', 2, 1, 20));
  if (stages * issues > 1000)
    throw new Error('BENCH_KERNEL_STAGES × BENCH_KERNEL_ISSUES must be at most 1000');
  const url = pick('database-url', 'BENCH_DATABASE_URL') ?? env.FABRICA_TEST_DATABASE_URL ?? '';
  const concurrency = Math.round(num('concurrency', 'BENCH_KERNEL_CONCURRENCY', 8, 2, 64));
  const rawInFlight = pick('in-flight', 'BENCH_KERNEL_IN_FLIGHT');
  const inFlight =
    rawInFlight === undefined || rawInFlight.trim() === ''
      ? [1, concurrency, 32]
      : rawInFlight.split(',').map((x) => Number(x.trim()));
  if (inFlight.some((n) => !Number.isInteger(n) || n < 1 || n > 64))
    throw new Error('BENCH_KERNEL_IN_FLIGHT is a list of whole numbers in [1, 64]');
  return {
    seconds: num('seconds', 'BENCH_KERNEL_SECONDS', 6, 0.5, 120),
    rounds: Math.round(num('rounds', 'BENCH_KERNEL_ROUNDS', 3, 1, 20)),
    warmupSeconds: num('warmup', 'BENCH_KERNEL_WARMUP_SECONDS', 1, 0, 30),
    concurrency,
    inFlight: [...new Set(inFlight)].sort((a, b) => a - b),
    stages,
    issues,
    databaseUrl: url === '' ? null : url,
    only,
    sqliteModes: modes as ('full' | 'normal')[],
    json: flags.get('json') === 'true',
  };
}

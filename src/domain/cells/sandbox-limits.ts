/**
 * The limits a script or WASM cell runs under: each call gets the template's `metadata.limits`, within the
 * maxima the configuration sets (docs/cells.md, "Limits").
 */
export interface SandboxLimits {
  /** Time a call may run before it is interrupted (script) or its worker terminated (WASM). */
  readonly cpuMs: number;
  readonly memoryMib: number;
  /** QuickJS's native stack (script cells only). */
  readonly stackKib: number;
  /** The output's JSON, in UTF-8 bytes. */
  readonly outputKib: number;
}

export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = {
  cpuMs: 50,
  memoryMib: 16,
  stackKib: 256,
  outputKib: 1024,
};

/** What `metadata.limits` may hold, its key for each limit. */
export const LIMIT_KEYS = {
  cpu_ms: 'cpuMs',
  memory_mib: 'memoryMib',
  stack_kib: 'stackKib',
  output_kib: 'outputKib',
} as const satisfies Record<string, keyof SandboxLimits>;

/** The reasons a call stopped at a limit (the `limit` of `factory_sandbox_limit_hits_total`). */
export const LIMIT_REASONS = ['timeout', 'memory_limit', 'stack_limit', 'output_too_large'] as const;
export type LimitReason = (typeof LIMIT_REASONS)[number];

export type LimitsRead =
  | { readonly ok: true; readonly limits: SandboxLimits }
  | {
      readonly ok: false;
      readonly problems: readonly { readonly kind: 'invalid' | 'above_maximum'; readonly message: string }[];
    };

/**
 * Reads `metadata.limits` (absent: the defaults, each capped by its maximum). A value above its maximum is
 * a problem of its own kind: the dry run reports it as `limit_above_maximum`.
 */
export function readLimits(metadata: Readonly<Record<string, unknown>>, maxima: SandboxLimits): LimitsRead {
  const raw = metadata.limits;
  const limits: Record<keyof SandboxLimits, number> = {
    cpuMs: Math.min(DEFAULT_SANDBOX_LIMITS.cpuMs, maxima.cpuMs),
    memoryMib: Math.min(DEFAULT_SANDBOX_LIMITS.memoryMib, maxima.memoryMib),
    stackKib: Math.min(DEFAULT_SANDBOX_LIMITS.stackKib, maxima.stackKib),
    outputKib: Math.min(DEFAULT_SANDBOX_LIMITS.outputKib, maxima.outputKib),
  };
  if (raw === undefined) return { ok: true, limits };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { ok: false, problems: [{ kind: 'invalid', message: '$.metadata.limits: must be an object' }] };
  const problems: { kind: 'invalid' | 'above_maximum'; message: string }[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const field = Object.hasOwn(LIMIT_KEYS, key) ? LIMIT_KEYS[key as keyof typeof LIMIT_KEYS] : undefined;
    if (field === undefined) {
      problems.push({
        kind: 'invalid',
        message: `$.metadata.limits.${key}: unknown limit (known: ${Object.keys(LIMIT_KEYS).join(', ')})`,
      });
    } else if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      problems.push({ kind: 'invalid', message: `$.metadata.limits.${key}: must be a whole number ≥ 1` });
    } else if (value > maxima[field]) {
      problems.push({
        kind: 'above_maximum',
        message: `$.metadata.limits.${key}: ${value} is above the maximum ${maxima[field]}`,
      });
    } else limits[field] = value;
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, limits };
}

import type { LimitReason, SandboxLimits } from '../domain/cells/sandbox-limits.js';
import type { CatalogFiles } from './cell-files.js';
import type { CallOutcome } from './cell-runtime.js';
import type { PoolAnswer } from './sandbox-pool.js';

/** What the script and the WASM backend are both configured with. */
export interface SandboxBackendOptions {
  /** Worker threads in the backend's pool. */
  readonly workers: number;
  /** The most a template may ask for; a template asking for more is refused. */
  readonly maxima: SandboxLimits;
  /** Where a template's file (`metadata.source_file`, `metadata.module_file`) is read from (absent: templates naming a file cannot run). */
  readonly files?: CatalogFiles;
  readonly onLimitHit?: (limit: LimitReason) => void;
  readonly onWorkerStart?: () => void;
}

/** The seed of a call's `Math.random` (script) from its input: FNV-1a over the input's JSON. */
export function seedOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

const LIMIT_TEXT: Record<LimitReason, string> = {
  timeout: 'the call ran past its CPU time limit',
  memory_limit: 'the call ran past its memory limit',
  stack_limit: 'the call ran past its stack limit',
  output_too_large: 'the output is larger than its limit',
};

/** A failure at a limit: `reason` starts with the limit's name (`timeout: …`). */
export const limitHit = (kind: LimitReason, detail: string, log?: readonly string[]): CallOutcome => ({
  ok: false,
  kind,
  reason: `${kind}: ${LIMIT_TEXT[kind]} (${detail})`,
  details: { limit: kind },
  ...(log === undefined ? {} : { log }),
});

/** A pool's worker killed (past its time, out of memory) or lost. */
export function killedOutcome(
  a: Extract<PoolAnswer, { type: 'killed' }>,
  cpuMs: number,
  memoryMib: number,
): CallOutcome {
  if (a.reason === 'timeout') return limitHit('timeout', `${cpuMs} ms`);
  if (a.reason === 'memory_limit') return limitHit('memory_limit', `${memoryMib} MiB`);
  return { ok: false, reason: a.message };
}

/** Parses an output's JSON text against its byte limit. */
export function outputOf(text: string, maxBytes: number, log: readonly string[]): CallOutcome {
  const bytes = Buffer.byteLength(text);
  if (bytes > maxBytes) return limitHit('output_too_large', `${bytes} bytes > ${maxBytes}`, log);
  try {
    return { ok: true, output: JSON.parse(text) as unknown, log };
  } catch {
    return { ok: false, kind: 'invalid_output', reason: 'invalid_output: the output is not JSON', log };
  }
}

import type { LimitReason } from '../domain/cells/sandbox-limits.js';

/**
 * What one call of a cell answers, whatever its backend. A failure carries its reason (shown as 502
 * `cell_error`) and, from the sandboxes, what kind of failure it was and the lines the code logged.
 */
export type CallOutcome =
  | { readonly ok: true; readonly output: unknown; readonly log?: readonly string[] }
  | {
      readonly ok: false;
      readonly reason: string;
      /** `timeout`, `memory_limit`, …, `script_error` (a throw), `exit_code` (a WASI exit ≠ 0). */
      readonly kind?: LimitReason | 'script_error' | 'exit_code' | 'invalid_output';
      readonly details?: Readonly<Record<string, unknown>>;
      readonly log?: readonly string[];
    };

/** A cell revision ready to run: an adapter operation, a pool of QuickJS contexts, or a WASI module. */
export interface CellRuntime {
  call(input: unknown): CallOutcome | Promise<CallOutcome>;
}

/** How many log lines (script `ctx.log`, WASM stderr lines) a call keeps, and how long each may be. */
export const LOG_LINES = 50;
export const LOG_LINE_CHARS = 500;

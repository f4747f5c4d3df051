import type { LimitReason } from '../domain/cells/sandbox-limits.js';
import type { FileViolation } from './cell-files.js';

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
      readonly kind?: LimitReason | 'script_error' | 'exit_code' | 'invalid_output' | 'integrity_violation';
      /** With `integrity_violation`: the catalog file that is no longer what the template pinned. */
      readonly violation?: FileViolation;
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

/** Thrown by a setup load that found a pinned file changed; a pool answers it as `refused`. */
export class IntegrityViolation extends Error {
  readonly violation: FileViolation;
  constructor(violation: FileViolation) {
    super(violation.reason);
    this.violation = violation;
  }
}

/** What a call answers when the code's file failed its check at load. */
export const violationOutcome = (v: FileViolation): CallOutcome => ({
  ok: false,
  kind: 'integrity_violation',
  reason: v.reason,
  violation: v,
});

/** The shapes of the cell factory's answers (src/http/cell-view.ts, src/engine/cells/cell-dryrun.ts). */

// The lists themselves are the server's (pure modules without imports, bundled with the panel).
export { LIFECYCLE_COMMANDS, REVISION_STATES } from '../../../../src/domain/cells/cell-lifecycle';
import type { LifecycleCommand } from '../../../../src/domain/cells/cell-lifecycle';
export type { LifecycleCommand };

export const BACKENDS = ['adapter', 'script', 'wasm'] as const;
export type Backend = (typeof BACKENDS)[number];

export interface Transition {
  readonly from: string | null;
  readonly to: string;
  readonly command: string;
  readonly actor: string;
  readonly at: string;
  readonly reason?: string;
}

export interface RevisionStats {
  readonly calls: number;
  readonly errors: number;
  readonly p50_ms: number | null;
  readonly p95_ms: number | null;
}

export interface RevisionView {
  readonly id: string;
  readonly version: string;
  readonly state: string;
  readonly allowed: readonly LifecycleCommand[];
  readonly history: readonly Transition[];
  readonly stats: RevisionStats;
  readonly created_at: string;
  readonly updated_at: string;
}

export interface CellView {
  readonly id: string;
  readonly backend: Backend;
  readonly template_id: string;
  readonly hitl: boolean;
  readonly state: string | null;
  readonly version: string | null;
  readonly serving: boolean;
  readonly quarantine: { readonly reason: string; readonly at: string } | null;
  /** Oldest first. */
  readonly revisions: readonly RevisionView[];
  readonly created_at: string;
  readonly updated_at: string;
}

export interface CellList {
  readonly cells: readonly CellView[];
  readonly next_cursor: string | null;
}

export interface Risk {
  readonly code: string;
  readonly severity: 'blocking' | 'warning' | 'info';
  readonly message: string;
}

export interface DryRun {
  readonly ok: boolean;
  readonly report: {
    readonly analysis_type: string;
    readonly links: readonly string[];
    readonly risks: readonly Risk[];
    readonly deps: readonly {
      readonly link: string;
      readonly cell: string | null;
      readonly state: string | null;
      readonly missing: boolean;
    }[];
    readonly compat: {
      readonly cell: string;
      readonly current_stable: string | null;
      readonly changes: readonly { readonly field: string; readonly from: unknown; readonly to: unknown }[];
    };
  };
}

export interface Created {
  readonly id: string;
  readonly state: string;
  readonly version: string;
}

export interface InvokeResult {
  readonly output: unknown;
  readonly revision: string;
  readonly duration_ms: number;
}

/** A frame of `WS /factory/cells/:id/stream`. */
export type CellFrame =
  | { readonly type: 'snapshot'; readonly seq: number; readonly cell: CellView }
  | {
      readonly type: 'event';
      readonly seq: number;
      readonly ts: string;
      readonly event_type: string;
      readonly actor: string;
    }
  | { readonly type: 'heartbeat' | 'close' };

/** The cell page's address. */
export const cellPath = (id: string): string => `/cells/${encodeURIComponent(id)}`;
/** A factory route of one cell, its id encoded (ids hold a colon). */
export const cellApi = (id: string, rest = ''): string => `/factory/cells/${encodeURIComponent(id)}${rest}`;

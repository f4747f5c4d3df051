/** The organ API's answers as the organ pages read them (docs/organs.md describes every field). */

/** The states an organ moves through (`ORGAN_STATES` on the server). */
export const ORGAN_STATES = ['draft', 'canary', 'experimental', 'stable', 'failed'] as const;
export type OrganState = (typeof ORGAN_STATES)[number];

export interface StageEntry {
  readonly state: string;
  readonly at: string;
  readonly actor: string;
  readonly reason?: string;
}

/** `GET /organs/:id/status`, and each row of `GET /organs`. */
export interface OrganView {
  readonly id: string;
  readonly state: string;
  readonly template: { readonly id: string; readonly version: string };
  readonly cells: readonly {
    readonly id: string;
    readonly state: string | null;
    readonly serving: boolean;
  }[];
  readonly metrics: {
    readonly build_duration_ms: number | null;
    readonly invocations: number;
    readonly errors: number;
    readonly p50_ms: number | null;
    readonly p95_ms: number | null;
  };
  readonly building: boolean;
  readonly awaiting_approval: boolean;
  readonly stage_history: readonly StageEntry[];
  readonly reason?: string;
  readonly created_at: string;
  readonly updated_at: string;
}

export interface OrganPage {
  readonly organs: readonly OrganView[];
  readonly next_cursor: number | null;
}

export interface DryRunCell {
  readonly ref: string;
  readonly id: string;
  readonly exists: boolean;
  readonly state: string | null;
  readonly serving: boolean;
}

export interface Risk {
  readonly code: string;
  /** `blocking` (the build would be refused) or `warning`. */
  readonly severity: string;
  readonly message: string;
}

/** `POST /organs/build` with `dryrun: true`. */
export interface DryRun {
  readonly report: {
    readonly cells: readonly DryRunCell[];
    readonly pathways: readonly { readonly name: string; readonly cells: readonly string[] }[];
    readonly risks: readonly Risk[];
    readonly ok: boolean;
  };
}

/** `POST /organs/build` (201). */
export interface Built {
  readonly organ_id: string;
  readonly state: string;
}

/** `POST /organs/:id/invoke`. */
export interface Invoked {
  readonly output: unknown;
  readonly pathway: string;
  readonly trace: readonly {
    readonly cell: string;
    readonly revision: string;
    readonly duration_ms: number;
  }[];
}

/** A frame of `WS /events`. */
export type EventFrame =
  | { readonly type: 'hello'; readonly after: number; readonly head: number }
  | {
      readonly type: 'event';
      readonly event: { readonly seq: number; readonly type: string; readonly subject_id: string };
    }
  | { readonly type: 'heartbeat' | 'close' };

/** A frame of `WS /organs/:id/stream`. */
export type StageFrame =
  | { readonly type: 'snapshot'; readonly id: string; readonly state: string | null; readonly seq: number }
  | {
      readonly type: 'stage_changed';
      readonly id: string;
      readonly state: string | null;
      readonly seq: number;
      readonly from: string | null;
      readonly actor: string;
      readonly ts: string;
    }
  | { readonly type: 'heartbeat' | 'close' };

/** Every organ route is the admin's (`config.action` of src/http/routes/organs.routes.ts). */
export const ORGAN_NEEDS = { adminOnly: true } as const;

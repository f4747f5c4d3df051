/** The LLM factory run API's answers as the runs pages read them (docs/llm-factory.md). */

import { TERMINAL_RUN_STATUSES as TERMINAL } from '../../../../src/domain/runs/run-model';

// The list is the server's (a pure module without imports, bundled with the panel).
export { RUN_STATUSES } from '../../../../src/domain/runs/run-model';

/** A run takes no more changes once it is in one of these (as the API's plain strings). */
export const TERMINAL_RUN_STATUSES: readonly string[] = TERMINAL;

/** One run (`GET /llm/factory/runs`, `GET /llm/factory/runs/:id`). */
export interface RunView {
  readonly id: string;
  readonly tenant: string;
  readonly status: string;
  readonly current_stage: string | null;
  readonly workflow_kind: string | null;
  readonly title: string | null;
  readonly source_brief: string;
  readonly source: { readonly kind: string; readonly format: string; readonly content: string };
  readonly auto_advance: boolean;
  readonly active_room_ids: readonly string[];
  readonly cancel_reason: string | null;
  readonly created_at: string;
  readonly updated_at: string;
}

export type WorkCounts = Readonly<Record<string, number>>;

/** The status aggregate (`GET …/status`, and the `data` of a `factory.snapshot` frame). */
export interface RunStatusView {
  readonly run_id: string;
  readonly status: string;
  readonly current_stage: string | null;
  readonly stage_counts: WorkCounts;
  readonly issue_counts: WorkCounts;
  readonly latest_checkpoint_status: string | null;
  readonly latest_checkpoint_id: string | null;
  /** `none`, `passed` or `failed`. */
  readonly latest_verification: string;
  readonly latest_verification_success: boolean | null;
  readonly latest_verification_artifact_id: string | null;
  readonly latest_gate_verdicts: Readonly<Record<string, string>>;
  /** What only a person can resolve. */
  readonly blockers: readonly string[];
  /** The preconditions the next step waits for. */
  readonly waiting_on: readonly string[];
  readonly diagnostics: readonly string[];
  readonly next_actions: readonly string[];
  readonly updated_at: string;
}

/** `GET …/review`. */
export interface ReviewBundle {
  readonly id: string;
  readonly run_id: string;
  readonly run_status: string;
  readonly plan_summary: string;
  readonly artifact_summary: readonly string[];
  readonly checkpoint_summary: readonly string[];
  readonly issue_summary: readonly string[];
  readonly stage_summary: readonly string[];
  readonly gate_summary: readonly string[];
  readonly evidence_summary: readonly string[];
  readonly blockers: readonly string[];
  readonly diagnostics: readonly string[];
  readonly next_actions: readonly string[];
  readonly open_risks: readonly string[];
}

export interface StageView {
  readonly id: string;
  readonly status: string;
  readonly stage_name: string;
  readonly stable_key: string | null;
  readonly depends_on: readonly string[];
  readonly summary: string | null;
  readonly superseded_by_artifact_id: string | null;
}

export interface IssueView {
  readonly id: string;
  readonly status: string;
  readonly title: string;
  readonly kind: string;
  readonly stage_id: string | null;
  readonly stable_key: string | null;
  readonly summary: string | null;
  readonly assigned_room_id: string | null;
  readonly superseded_by_artifact_id: string | null;
}

export interface ArtifactView {
  readonly id: string;
  readonly artifact_type: string;
  readonly version: number;
  readonly payload: unknown;
  readonly created_at: string;
}

/** One command of a verification report (`POST …/verify`); a report posted by hand may have none. */
export interface CommandResult {
  readonly program: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly exit_code: number | null;
  readonly signal: string | null;
  readonly duration_ms: number;
  readonly timed_out: boolean;
  readonly stdout_tail: string;
  readonly stderr_tail: string;
  readonly error?: string;
}

export interface VerificationReport {
  readonly success: boolean;
  readonly commands?: readonly CommandResult[];
  readonly finished_at?: string;
  readonly duration_ms?: number;
  readonly source?: string;
}

/** `POST …/start`. */
export interface StartResult {
  readonly run_id: string;
  readonly status: string;
  readonly completed: boolean;
  readonly failed: boolean;
  readonly actions: readonly string[];
}

/** A run event on `WS /llm/live`. */
export interface FactoryEventFrame {
  readonly type: 'factory.event';
  readonly seq: number;
  readonly ts: string;
  readonly event_type: string;
  readonly run_id: string;
  readonly target_kind: string;
  readonly target_id: string;
  readonly context: unknown;
}

/** The frames of `WS /llm/live` the run page reads (heartbeats and others pass by). */
export type LiveFrame =
  | { readonly type: 'hello'; readonly after: number; readonly head: number }
  | FactoryEventFrame
  | {
      readonly type: 'factory.snapshot';
      readonly seq: number;
      readonly run_id: string;
      readonly data: RunStatusView;
    }
  | { readonly type: 'heartbeat' | 'close' };

/**
 * The LLM factory run API's answers as the runs pages read them: the server's contract (src/contract/),
 * imported as types only, so nothing of TypeBox reaches the bundle (docs/llm-factory.md).
 */

import type * as Wire from '../../../../src/contract/runs';
import type * as Records from '../../../../src/contract/run-records';
import type * as Live from '../../../../src/contract/run-live';
import type * as Supervision from '../../../../src/contract/supervision';
import { TERMINAL_RUN_STATUSES as TERMINAL } from '../../../../src/domain/runs/run-model';

// The list is the server's (a pure module without imports, bundled with the panel).
export { RUN_STATUSES } from '../../../../src/domain/runs/run-model';

/** A run takes no more changes once it is in one of these (as the API's plain strings). */
export const TERMINAL_RUN_STATUSES: readonly string[] = TERMINAL;

/** One run (`GET /llm/factory/runs`, `GET /llm/factory/runs/:id`). */
export type RunView = Wire.Run;
export type WorkCounts = Wire.WorkCounts;
/** The status aggregate (`GET …/status`, and the `data` of a `factory.snapshot` frame). */
export type RunStatusView = Wire.RunStatusView;
/** `GET …/review`. */
export type ReviewBundle = Wire.ReviewBundle;
/** `POST …/start`. */
export type StartResult = Wire.StartResult;
export type StageView = Records.Stage;
export type IssueView = Records.Issue;
export type ArtifactView = Records.Artifact;
/** One of `GET …/assignments`: a dispatch of the run's work into a room, with its result. */
export type RunAssignmentView = Supervision.RunAssignment;
/** One command of a verification report (`POST …/verify`). */
export type CommandResult = Wire.CommandResult;

/**
 * A `verification_report` artifact's payload as the page reads it: what `POST …/verify` stores (the
 * report and where its commands came from), or a report posted by hand, which may have no commands.
 */
export type VerificationReport = Partial<Wire.VerificationReport> & {
  readonly success: boolean;
  readonly source?: string;
};

/** A run event on `WS /llm/live`. */
export type FactoryEventFrame = Live.FactoryEventFrame;

/** The frames of `WS /llm/live` the run page reads (heartbeats and the stream's end pass by). */
export type LiveFrame =
  Live.HelloFrame | FactoryEventFrame | Live.FactorySnapshotFrame | { readonly type: 'heartbeat' | 'close' };

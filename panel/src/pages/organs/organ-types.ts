/** The organ API's answers, as the server's contract (src/contract/organs.ts) declares them. */
import type { CloseFrame, HeartbeatFrame } from '../../../../src/contract/common';
import type { EventsEventFrame, EventsHelloFrame } from '../../../../src/contract/operator';
import type {
  Built as BuiltAnswer,
  DryRun as DryRunAnswer,
  DryRunCell as DryRunCellView,
  Invoked as InvokedAnswer,
  OrganPage as Page,
  OrganSnapshotFrame,
  OrganView as View,
  Risk as RiskView,
  StageChangedFrame,
  StageEntryView,
} from '../../../../src/contract/organs';

// The list itself is the server's (a pure module, bundled with the panel).
export { ORGAN_STATES } from '../../../../src/domain/organs/organ-model';
export type { OrganState } from '../../../../src/domain/organs/organ-model';

export type StageEntry = StageEntryView;
export type OrganView = View;
export type OrganPage = Page;
export type DryRunCell = DryRunCellView;
export type Risk = RiskView;
export type DryRun = DryRunAnswer;
export type Built = BuiltAnswer;
export type Invoked = InvokedAnswer;

/** A frame of `WS /events`. */
export type EventFrame = EventsHelloFrame | EventsEventFrame | HeartbeatFrame | CloseFrame;

/** A frame of `WS /organs/:id/stream`. */
export type StageFrame = OrganSnapshotFrame | StageChangedFrame | HeartbeatFrame | CloseFrame;

/** Every organ route is the admin's (`config.action` of src/http/routes/organs.routes.ts). */
export const ORGAN_NEEDS = { adminOnly: true } as const;

/** The cell factory's answers, as the server's contract (src/contract/cells.ts) declares them. */
import type {
  Cell,
  CellEventFrame,
  CellPage,
  CellSnapshotFrame,
  DryRun as DryRunAnswer,
  InvokeAnswer,
  Revision,
  RevisionStateAnswer,
  RevisionStats as Stats,
  Risk as RiskView,
  Transition as TransitionView,
} from '../../../../src/contract/cells';
import type { CloseFrame, HeartbeatFrame } from '../../../../src/contract/common';

// The lists themselves are the server's (pure modules without imports, bundled with the panel).
export { LIFECYCLE_COMMANDS, REVISION_STATES } from '../../../../src/domain/cells/cell-lifecycle';
import type { LifecycleCommand } from '../../../../src/domain/cells/cell-lifecycle';
export type { LifecycleCommand };

export const BACKENDS = ['adapter', 'script', 'wasm'] as const satisfies readonly Cell['backend'][];
export type Backend = Cell['backend'];

export type Transition = TransitionView;
export type RevisionStats = Stats;
export type RevisionView = Revision;
export type CellView = Cell;
export type CellList = CellPage;
export type Risk = RiskView;
export type DryRun = DryRunAnswer;
export type Created = RevisionStateAnswer;
export type InvokeResult = InvokeAnswer;

/** A frame of `WS /factory/cells/:id/stream`. */
export type CellFrame = CellSnapshotFrame | CellEventFrame | HeartbeatFrame | CloseFrame;

/** The cell page's address. */
export const cellPath = (id: string): string => `/cells/${encodeURIComponent(id)}`;
/** A factory route of one cell, its id encoded (ids hold a colon). */
export const cellApi = (id: string, rest = ''): string => `/factory/cells/${encodeURIComponent(id)}${rest}`;

import { emptyStats, recordCall, type CallStats } from '../../domain/rollouts/call-stats.js';
import type { Store, Tx } from '../ports.js';
import { MinuteRollup, type MinuteRollupOptions, type RollupSink, type RollupSlot } from './minute-rollup.js';
import type { StatsRow } from './rollout-ports.js';

export interface CallRecorderOptions extends MinuteRollupOptions {
  /** Where the rows go (default: a cell revision's `cell_call_stats`; organs keep theirs apart). */
  readonly sink?: RollupSink<StatsRow>;
}

const CELL_SINK: RollupSink<StatsRow> = {
  write: (tx: Tx, rows: readonly StatsRow[]) => tx.rollouts.putStats(rows),
  purgeBefore: (tx: Tx, minute: number) => tx.rollouts.deleteStatsBefore(minute),
};

/**
 * Per-minute call statistics per revision (calls, errors, a latency histogram), the analysis' input,
 * kept as a MinuteRollup. A call costs a map lookup and three additions.
 */
export class CallRecorder extends MinuteRollup<CallStats, StatsRow> {
  protected readonly sink: RollupSink<StatsRow>;

  constructor(store: Store, options: CallRecorderOptions) {
    super(store, options);
    this.sink = options.sink ?? CELL_SINK;
  }

  record(cellId: string, revisionId: string, ms: number, failed: boolean): void {
    recordCall(this.slot(cellId, revisionId), ms, failed);
  }

  protected empty(): CallStats {
    return emptyStats();
  }

  protected row(slot: RollupSlot<CallStats>, instance: string): StatsRow {
    const { calls, errors, hist } = slot.state;
    return {
      revisionId: slot.revisionId,
      cellId: slot.cellId,
      minute: slot.minute,
      instance,
      stats: { calls, errors, hist: [...hist] },
    };
  }
}

import {
  emptyShadow,
  recordShadow,
  SHADOW_SAMPLES,
  type ShadowOutcome,
  type ShadowSample,
  type ShadowStats,
} from '../../domain/rollouts/shadow.js';
import type { Tx } from '../ports.js';
import { MinuteRollup, type RollupSink, type RollupSlot } from './minute-rollup.js';
import type { ShadowRow } from './rollout-ports.js';

interface ShadowSlot {
  readonly stats: ShadowStats;
  readonly samples: ShadowSample[];
}

const SHADOW_SINK: RollupSink<ShadowRow> = {
  write: (tx: Tx, rows: readonly ShadowRow[]) => tx.rollouts.putShadowStats(rows),
  purgeBefore: (tx: Tx, minute: number) => tx.rollouts.deleteShadowStatsBefore(minute),
};

/**
 * Shadow comparisons per shadow revision and minute, with the minute's newest differences, kept as a
 * MinuteRollup like the call statistics, so the shadow report survives restarts and adds up over
 * instances.
 */
export class ShadowRecorder extends MinuteRollup<ShadowSlot, ShadowRow> {
  protected readonly sink = SHADOW_SINK;

  record(
    cellId: string,
    revisionId: string,
    ms: number,
    outcome: ShadowOutcome,
    sample?: ShadowSample,
  ): void {
    const slot = this.slot(cellId, revisionId);
    recordShadow(slot.stats, ms, outcome);
    if (sample !== undefined) {
      slot.samples.push(sample);
      if (slot.samples.length > SHADOW_SAMPLES) slot.samples.shift();
    }
  }

  dropped(cellId: string, revisionId: string): void {
    this.slot(cellId, revisionId).stats.dropped += 1;
  }

  protected empty(): ShadowSlot {
    return { stats: emptyShadow(), samples: [] };
  }

  protected row(slot: RollupSlot<ShadowSlot>, instance: string): ShadowRow {
    const { stats, samples } = slot.state;
    return {
      revisionId: slot.revisionId,
      cellId: slot.cellId,
      minute: slot.minute,
      instance,
      stats: { ...stats, hist: [...stats.hist] },
      samples: [...samples],
    };
  }
}

import { randomBytes } from 'node:crypto';
import { minuteOf, MINUTE_MS } from '../../domain/rollouts/call-stats.js';
import {
  emptyShadow,
  recordShadow,
  SHADOW_SAMPLES,
  type ShadowOutcome,
  type ShadowSample,
  type ShadowStats,
} from '../../domain/rollouts/shadow.js';
import type { Clock, Store } from '../ports.js';
import type { ShadowRow } from './rollout-ports.js';

interface Slot {
  readonly cellId: string;
  readonly revisionId: string;
  readonly minute: number;
  readonly stats: ShadowStats;
  readonly samples: ShadowSample[];
  dirty: boolean;
}

export interface ShadowRecorderOptions {
  readonly flushMs: number;
  readonly retentionDays: number;
  readonly clock: Clock;
  readonly onError: (e: unknown) => void;
}

/**
 * Shadow comparisons per shadow revision and minute, kept like the call statistics (CallRecorder): in
 * memory for the current minute, written every `flushMs` as this instance's row of that minute (an
 * overwrite), so the shadow report survives restarts and adds up over instances. A crash loses at most
 * the last `flushMs` of comparisons.
 */
export class ShadowRecorder {
  readonly instance = `i_${randomBytes(6).toString('base64url')}`;
  readonly #store: Store;
  readonly #o: ShadowRecorderOptions;
  readonly #slots = new Map<string, Slot>();
  #timer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> | null = null;
  #lastPurge = 0;

  constructor(store: Store, options: ShadowRecorderOptions) {
    this.#store = store;
    this.#o = options;
  }

  #slot(cellId: string, revisionId: string): Slot {
    const minute = minuteOf(this.#o.clock.now());
    const key = `${revisionId}|${minute}`;
    let slot = this.#slots.get(key);
    if (slot === undefined) {
      slot = { cellId, revisionId, minute, stats: emptyShadow(), samples: [], dirty: false };
      this.#slots.set(key, slot);
    }
    slot.dirty = true;
    return slot;
  }

  record(
    cellId: string,
    revisionId: string,
    ms: number,
    outcome: ShadowOutcome,
    sample?: ShadowSample,
  ): void {
    const slot = this.#slot(cellId, revisionId);
    recordShadow(slot.stats, ms, outcome);
    if (sample !== undefined) {
      slot.samples.push(sample);
      if (slot.samples.length > SHADOW_SAMPLES) slot.samples.shift();
    }
  }

  dropped(cellId: string, revisionId: string): void {
    this.#slot(cellId, revisionId).stats.dropped += 1;
  }

  start(): void {
    const tick = () => {
      this.#timer = setTimeout(() => {
        void this.flush().finally(() => {
          if (this.#timer !== null) tick();
        });
      }, this.#o.flushMs);
      this.#timer.unref();
    };
    tick();
  }

  flush(): Promise<void> {
    this.#flushing ??= this.#flush().finally(() => (this.#flushing = null));
    return this.#flushing;
  }

  async #flush(): Promise<void> {
    const now = this.#o.clock.now();
    const current = minuteOf(now);
    const rows: ShadowRow[] = [];
    const written: Slot[] = [];
    for (const slot of this.#slots.values()) {
      if (!slot.dirty) continue;
      slot.dirty = false;
      written.push(slot);
      rows.push({
        revisionId: slot.revisionId,
        cellId: slot.cellId,
        minute: slot.minute,
        instance: this.instance,
        stats: { ...slot.stats, hist: [...slot.stats.hist] },
        samples: [...slot.samples],
      });
    }
    const purge = now - this.#lastPurge > MINUTE_MS * 10;
    try {
      if (rows.length > 0 || purge) {
        await this.#store.transaction(async (tx) => {
          if (rows.length > 0) await tx.rollouts.putShadowStats(rows);
          if (purge) await tx.rollouts.deleteShadowStatsBefore(current - this.#o.retentionDays * 24 * 60);
        });
        if (purge) this.#lastPurge = now;
      }
    } catch (e) {
      for (const s of written) s.dirty = true;
      this.#o.onError(e);
      return;
    }
    for (const [key, slot] of this.#slots) if (slot.minute < current && !slot.dirty) this.#slots.delete(key);
  }

  async stop(): Promise<void> {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#flushing;
    await this.flush();
  }
}

import { randomBytes } from 'node:crypto';
import {
  emptyStats,
  minuteOf,
  recordCall,
  type CallStats,
  MINUTE_MS,
} from '../../domain/rollouts/call-stats.js';
import type { Clock, Store, Tx } from '../ports.js';
import type { StatsRow } from './rollout-ports.js';

interface Slot {
  readonly cellId: string;
  readonly revisionId: string;
  readonly minute: number;
  readonly stats: CallStats;
  dirty: boolean;
}

export interface CallRecorderOptions {
  readonly flushMs: number;
  readonly retentionDays: number;
  readonly clock: Clock;
  readonly onError: (e: unknown) => void;
  /** Where the rows go (default: a cell revision's `cell_call_stats`; organs keep theirs apart). */
  readonly sink?: {
    write(tx: Tx, rows: readonly StatsRow[]): Promise<void>;
    purgeBefore(tx: Tx, minute: number): Promise<number>;
  };
}

const CELL_SINK = {
  write: (tx: Tx, rows: readonly StatsRow[]) => tx.rollouts.putStats(rows),
  purgeBefore: (tx: Tx, minute: number) => tx.rollouts.deleteStatsBefore(minute),
};

/**
 * Per-minute call statistics per revision, kept in memory for the current minute and written to the
 * store every `flushMs` as this instance's row of that minute (an overwrite, so a retried flush counts
 * nothing twice and instances never write the same row). A call costs a map lookup and three additions.
 * What a crash loses is at most the last `flushMs` of counts.
 */
export class CallRecorder {
  /** This process's rows; a new id per start, so a restarted instance never overwrites its old rows. */
  readonly instance = `i_${randomBytes(6).toString('base64url')}`;
  readonly #store: Store;
  readonly #o: CallRecorderOptions;
  readonly #slots = new Map<string, Slot>();
  #timer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> | null = null;
  #lastPurge = 0;

  constructor(store: Store, options: CallRecorderOptions) {
    this.#store = store;
    this.#o = options;
  }

  record(cellId: string, revisionId: string, ms: number, failed: boolean): void {
    const minute = minuteOf(this.#o.clock.now());
    const key = `${revisionId}|${minute}`;
    let slot = this.#slots.get(key);
    if (slot === undefined) {
      slot = { cellId, revisionId, minute, stats: emptyStats(), dirty: false };
      this.#slots.set(key, slot);
    }
    recordCall(slot.stats, ms, failed);
    slot.dirty = true;
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

  /** Writes every changed slot; slots of past minutes are dropped once written. */
  flush(): Promise<void> {
    this.#flushing ??= this.#flush().finally(() => (this.#flushing = null));
    return this.#flushing;
  }

  async #flush(): Promise<void> {
    const now = this.#o.clock.now();
    const current = minuteOf(now);
    const rows: StatsRow[] = [];
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
        stats: { calls: slot.stats.calls, errors: slot.stats.errors, hist: [...slot.stats.hist] },
      });
    }
    const purge = now - this.#lastPurge > MINUTE_MS * 10;
    try {
      if (rows.length > 0 || purge) {
        await this.#store.transaction(async (tx) => {
          const sink = this.#o.sink ?? CELL_SINK;
          if (rows.length > 0) await sink.write(tx, rows);
          if (purge) await sink.purgeBefore(tx, current - this.#o.retentionDays * 24 * 60);
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

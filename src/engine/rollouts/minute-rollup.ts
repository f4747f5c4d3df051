import { randomBytes } from 'node:crypto';
import { minuteOf, MINUTE_MS } from '../../domain/rollouts/call-stats.js';
import type { Clock, Store, Tx } from '../ports.js';

/** One revision's figures of one minute, as this instance has them. */
export interface RollupSlot<S> {
  readonly cellId: string;
  readonly revisionId: string;
  readonly minute: number;
  readonly state: S;
  dirty: boolean;
}

/** Where a rollup's rows go, and how its old rows are dropped. */
export interface RollupSink<Row> {
  write(tx: Tx, rows: readonly Row[]): Promise<void>;
  purgeBefore(tx: Tx, minute: number): Promise<unknown>;
}

export interface MinuteRollupOptions {
  readonly flushMs: number;
  readonly retentionDays: number;
  readonly clock: Clock;
  readonly onError: (e: unknown) => void;
}

/**
 * Per-minute figures per revision, kept in memory for the current minute and written to the store every
 * `flushMs` as this instance's row of that minute (an overwrite, so a retried flush counts nothing twice
 * and instances never write the same row). What a crash loses is at most the last `flushMs` of figures.
 * The call statistics (CallRecorder) and the shadow comparisons (ShadowRecorder) are both kept so; they
 * differ only in what a slot holds and which table its row goes to.
 */
export abstract class MinuteRollup<S, Row> {
  /** This process's rows; a new id per start, so a restarted instance never overwrites its old rows. */
  readonly instance = `i_${randomBytes(6).toString('base64url')}`;
  readonly #store: Store;
  readonly #o: MinuteRollupOptions;
  readonly #slots = new Map<string, RollupSlot<S>>();
  #timer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> | null = null;
  #lastPurge = 0;

  constructor(store: Store, options: MinuteRollupOptions) {
    this.#store = store;
    this.#o = options;
  }

  /** A fresh slot's state. */
  protected abstract empty(): S;
  /** A slot's row, a copy of its state as it is now (the slot goes on changing after the flush). */
  protected abstract row(slot: RollupSlot<S>, instance: string): Row;
  protected abstract readonly sink: RollupSink<Row>;

  /** The current minute's state for this revision, marked to be written at the next flush. */
  protected slot(cellId: string, revisionId: string): S {
    const minute = minuteOf(this.#o.clock.now());
    const key = `${revisionId}|${minute}`;
    let slot = this.#slots.get(key);
    if (slot === undefined) {
      slot = { cellId, revisionId, minute, state: this.empty(), dirty: false };
      this.#slots.set(key, slot);
    }
    slot.dirty = true;
    return slot.state;
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
    const rows: Row[] = [];
    const written: RollupSlot<S>[] = [];
    for (const slot of this.#slots.values()) {
      if (!slot.dirty) continue;
      slot.dirty = false;
      written.push(slot);
      rows.push(this.row(slot, this.instance));
    }
    const purge = now - this.#lastPurge > MINUTE_MS * 10;
    try {
      if (rows.length > 0 || purge) {
        await this.#store.transaction(async (tx) => {
          if (rows.length > 0) await this.sink.write(tx, rows);
          if (purge) await this.sink.purgeBefore(tx, current - this.#o.retentionDays * 24 * 60);
        });
        if (purge) this.#lastPurge = now;
      }
    } catch (e) {
      // Written again at the next flush: a row is an overwrite, so nothing counts twice.
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

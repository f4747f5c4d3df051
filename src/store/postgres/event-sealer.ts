import { sql, type Kysely } from 'kysely';
import { SEAL_BATCH, sealedRecord, sealerSeal } from '../repos/event-log.repo.js';
import type { EventRecord } from '../../domain/event.js';
import type { Database } from '../schema.js';
import { COMMIT_FOLLOWS, executeMarked } from './prepared-pg-client.js';

export interface SealerOptions {
  /** A safety net: every instance tries to seal this often, so events a dead instance left are sealed. */
  readonly pollMs: number;
  /** A writer waits at most this long for its events' sealing before it is answered anyway (they are durable). */
  readonly waitMs: number;
  /** Told the events each sealing numbered, in seq order (the local event hub's fast path). */
  readonly onSealed: (events: readonly EventRecord[]) => void;
  readonly onError: (e: unknown) => void;
  /** The channel the other instances listen on for new events. */
  readonly channel: string;
}

interface Waiter {
  readonly xid: string;
  readonly since: number;
  readonly resolve: () => void;
}

export interface SealerStats {
  /** Sealing transactions that numbered at least one event. */
  rounds: number;
  /** Events numbered and chained by this instance. */
  sealed: number;
  /** Writers answered before their events were sealed (`waitMs` passed). */
  waitTimeouts: number;
  /** Sealing transactions that failed (retried). */
  errors: number;
}

/** Back-off between tries while someone waits and nothing could be sealed yet, in ms. */
const RETRY_MS = [1, 2, 5, 10, 20, 50];

/**
 * Numbers and chains committed events into the log (docs/event-log.md "Sealing"). Writers commit their
 * events unsealed, tagged with their transaction id, so they never wait for each other; one sealing at a
 * time across instances (a transaction-scoped advisory lock, released if its holder dies) moves the
 * committed events it sees into `events`, numbered and chained, and deletes them from the unsealed ones,
 * in one transaction for many commits. Seq is given at sealing and sealings follow one another, so a
 * reader by seq never sees a later event before an earlier one, and no event is sealed twice.
 *
 * A writer is answered once its own events are sealed (so a read after a write sees its events, as on
 * SQLite), but it holds no lock while it waits.
 */
export class EventSealer {
  readonly stats: SealerStats = { rounds: 0, sealed: 0, waitTimeouts: 0, errors: 0 };
  readonly #db: Kysely<Database>;
  readonly #o: SealerOptions;
  #waiters: Waiter[] = [];
  #running: Promise<void> | null = null;
  #again = false;
  #retry: NodeJS.Timeout | null = null;
  #retryStep = 0;
  #poll: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(db: Kysely<Database>, options: SealerOptions) {
    this.#db = db;
    this.#o = options;
  }

  start(): void {
    this.#poll = setInterval(() => this.kick(), this.#o.pollMs);
    this.#poll.unref();
    this.kick(); // what a crash left unsealed
  }

  /** Resolves once the events of committed transaction `xid` are sealed (or `waitMs` has passed). */
  sealed(xid: string): Promise<void> {
    // Stopped (the store is closing): nobody would answer; the events are durable and sealed later.
    if (this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      this.#waiters.push({ xid, since: Date.now(), resolve });
      this.kick();
    });
  }

  /** A writer here sealed inline (`count` events): counted as this instance's sealing. */
  sealedInline(count: number): void {
    this.stats.rounds += 1;
    this.stats.sealed += count;
    // Perhaps with events other writers here wait for.
    this.onRemoteSealing();
  }

  /** Another instance sealed: worth a look only if a writer here is waiting. */
  onRemoteSealing(): void {
    if (this.#waiters.length > 0) this.kick();
  }

  /** New events committed here, a retry, or the poll: try now. */
  kick(): void {
    if (this.#stopped) return;
    if (this.#running !== null) {
      this.#again = true;
      return;
    }
    this.#running = this.#rounds()
      .catch((e: unknown) => {
        this.stats.errors += 1;
        this.#o.onError(e);
        this.#scheduleRetry();
      })
      .finally(() => {
        this.#running = null;
        if (this.#again) this.kick();
      });
  }

  async #rounds(): Promise<void> {
    do {
      this.#again = false;
      // Whoever waits now committed before this round's sealing statement starts: it sees their events.
      const before = new Set(this.#waiters);
      const round = await this.#sealOnce();
      if (round.locked) {
        if (round.sealed.length > 0) {
          this.stats.rounds += 1;
          this.stats.sealed += round.sealed.length;
          this.#o.onSealed(round.sealed);
        }
        // A full batch may have left some: go again before answering anyone by it.
        if (round.sealed.length >= SEAL_BATCH) this.#again = true;
        else this.#release((w) => before.has(w));
      } else if (this.#waiters.length > 0) {
        // Another instance is sealing: whoever's events it sealed is answered by their absence.
        const waiting = [...new Set(this.#waiters.map((w) => w.xid))];
        const { rows } = await sql<{ xid: string }>`
          select distinct xid::text as xid from event_unsealed where xid = any(${waiting}::xid8[])`.execute(
          this.#db,
        );
        const left = new Set(rows.map((r) => r.xid));
        this.#release((w) => before.has(w) && !left.has(w.xid));
      }
    } while (this.#again && !this.#stopped);
    this.#scheduleRetry();
  }

  /** Answers the waiters `done` holds for, and those that have waited `waitMs`. */
  #release(done: (w: Waiter) => boolean): void {
    const now = Date.now();
    const left: Waiter[] = [];
    let progressed = false;
    for (const w of this.#waiters) {
      if (done(w)) {
        progressed = true;
        w.resolve();
      } else if (now - w.since >= this.#o.waitMs) {
        this.stats.waitTimeouts += 1;
        w.resolve();
      } else left.push(w);
    }
    this.#waiters = left;
    if (progressed) this.#retryStep = 0;
  }

  /** While someone still waits (another instance was sealing, or a round failed), try again soon. */
  #scheduleRetry(): void {
    if (this.#stopped || this.#waiters.length === 0 || this.#retry !== null) return;
    const ms = RETRY_MS[Math.min(this.#retryStep, RETRY_MS.length - 1)]!;
    this.#retryStep += 1;
    this.#retry = setTimeout(() => {
      this.#retry = null;
      this.kick();
    }, ms);
  }

  /**
   * One sealing transaction, one statement, one round trip (its BEGIN and COMMIT go with it): it tries
   * the advisory lock (per schema, so test schemas sharing a database do not contend) and, if it got it,
   * numbers, chains, moves and deletes a batch and notifies the other instances.
   */
  async #sealOnce(): Promise<{ locked: boolean; sealed: EventRecord[] }> {
    return this.#db.transaction().execute(async (trx) => {
      const statement = sealerSeal(this.#o.channel).compile(trx);
      const { rows } = await executeMarked(trx, COMMIT_FOLLOWS, statement);
      const locked = rows[0]?.locked === true;
      const sealed = rows.filter((r) => r.seq !== null).map(sealedRecord);
      return { locked, sealed };
    });
  }

  /** Waits for the round in flight; waiters left are answered (their events are durable, sealed later). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#poll !== null) clearInterval(this.#poll);
    if (this.#retry !== null) clearTimeout(this.#retry);
    await this.#running;
    for (const w of this.#waiters) w.resolve();
    this.#waiters = [];
  }
}

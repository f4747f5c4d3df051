import { matchesFilter, type EventFilter, type EventRecord } from '../domain/event.js';
import type { Store } from './ports.js';

export interface SubscriberSink {
  /**
   * Takes one event; must not block. Return false to stop the subscription (e.g. the client is too slow).
   * `shared` says the record is the one every live subscriber gets (worth encoding once for all); a
   * record read for this subscriber's catch-up is its own.
   */
  deliver(event: EventRecord, shared: boolean): boolean;
  /** Resolves when the sink can take more (used while catching up from history). */
  ready(): Promise<void>;
  /** The subscription ended for a reason the sink did not cause itself (hub stopped, read failed). */
  end(reason: string): void;
}

export interface Subscription {
  /** Seq of the last event passed to the sink (or skipped by the filter). */
  readonly cursor: number;
  close(): void;
}

const PAGE = 500;

class HubSubscription implements Subscription {
  cursor: number;
  live = false;
  closed = false;
  readonly filter: EventFilter;
  readonly sink: SubscriberSink;
  readonly #onClose: (s: HubSubscription) => void;

  constructor(
    after: number,
    filter: EventFilter,
    sink: SubscriberSink,
    onClose: (s: HubSubscription) => void,
  ) {
    this.cursor = after;
    this.filter = filter;
    this.sink = sink;
    this.#onClose = onClose;
  }

  push(e: EventRecord, shared: boolean): void {
    if (this.closed || e.seq <= this.cursor) return;
    this.cursor = e.seq;
    if (!matchesFilter(e, this.filter)) return;
    if (!this.sink.deliver(e, shared)) this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.#onClose(this);
  }
}

/**
 * Fans the event log out to subscribers, in seq order, with no gap and no duplicate. One read per
 * wake-up serves every live subscriber; a subscriber that starts behind catches up from the store on
 * its own, then joins the live set. Delivery never awaits a subscriber, so a slow one cannot stall others.
 */
export class EventHub {
  readonly #store: Store;
  readonly #subs = new Set<HubSubscription>();
  readonly #listeners = new Set<(e: EventRecord) => void>();
  readonly #pollMs: number;
  readonly #onError: (e: unknown) => void;
  #cursor = 0;
  #reading: Promise<void> | null = null;
  #again = false;
  #poll: NodeJS.Timeout | null = null;
  #unlisten: (() => void) | null = null;
  #stopped = false;

  constructor(store: Store, opts: { pollMs: number; onError: (e: unknown) => void }) {
    this.#store = store;
    this.#pollMs = opts.pollMs;
    this.#onError = opts.onError;
  }

  /** Seq of the newest event this hub has read. */
  get head(): number {
    return this.#cursor;
  }

  get subscriberCount(): number {
    return this.#subs.size;
  }

  async start(): Promise<void> {
    this.#cursor = await this.#store.headSeq();
    this.#unlisten = this.#store.onCommitted((what) => {
      if (!what.events) return;
      if (
        what.appended !== undefined &&
        this.#reading === null &&
        what.appended[0]?.seq === this.#cursor + 1
      ) {
        // This process committed them and nothing is missing before them: deliver without reading back.
        this.#deliver(what.appended);
      } else this.wake();
    });
    // A safety net: a lost notification costs at most one poll interval.
    this.#poll = setInterval(() => this.wake(), this.#pollMs);
    this.#poll.unref();
  }

  /** Listeners inside the server (metrics, caches, other engines) see every event, in order. */
  onEvent(listener: (e: EventRecord) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  wake(): void {
    if (this.#stopped) return;
    if (this.#reading !== null) {
      this.#again = true;
      return;
    }
    this.#reading = this.#readNew()
      .catch((e: unknown) => this.#onError(e))
      .finally(() => {
        this.#reading = null;
        if (this.#again) {
          this.#again = false;
          this.wake();
        }
      });
  }

  /** Resolves once every event committed before the call has been read and delivered. */
  async settle(): Promise<void> {
    const target = await this.#store.headSeq();
    while (this.#cursor < target && !this.#stopped) {
      this.wake();
      await (this.#reading ?? new Promise((r) => setTimeout(r, 1)));
    }
  }

  async #readNew(): Promise<void> {
    for (;;) {
      const rows = await this.#store.eventsAfter(this.#cursor, PAGE);
      this.#deliver(rows);
      if (rows.length < PAGE) return;
    }
  }

  /** Hands events, in seq order, to the listeners and the live subscribers; skips those already handed. */
  #deliver(events: readonly EventRecord[]): void {
    for (const e of events) {
      if (e.seq <= this.#cursor) continue;
      this.#cursor = e.seq;
      for (const l of this.#listeners) {
        try {
          l(e);
        } catch (err) {
          this.#onError(err);
        }
      }
      for (const s of this.#subs) if (s.live) s.push(e, true);
    }
  }

  /** Delivers every event with seq > `after` that matches `filter`, then every new one, until closed. */
  subscribe(after: number, filter: EventFilter, sink: SubscriberSink): Subscription {
    const sub = new HubSubscription(Math.max(0, after), filter, sink, (s) => this.#subs.delete(s));
    this.#subs.add(sub);
    if (sub.cursor >= this.#cursor) sub.live = true;
    else void this.#catchUp(sub);
    return sub;
  }

  async #catchUp(sub: HubSubscription): Promise<void> {
    try {
      while (!sub.closed) {
        const upTo = this.#cursor;
        if (sub.cursor >= upTo) {
          // Same tick as the check: no hub read can deliver between it and going live.
          sub.live = true;
          return;
        }
        await sub.sink.ready();
        if (sub.closed) return;
        const rows = await this.#store.eventsAfter(sub.cursor, PAGE, sub.filter);
        let reached = false;
        for (const e of rows) {
          if (e.seq > upTo) {
            reached = true;
            break;
          }
          sub.push(e, false);
        }
        // Everything up to `upTo` that matched was delivered; the non-matching rest is skipped.
        if (!sub.closed && (reached || rows.length < PAGE)) sub.cursor = Math.max(sub.cursor, upTo);
      }
    } catch (e) {
      this.#onError(e);
      sub.sink.end('read_failed');
      sub.close();
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#poll !== null) clearInterval(this.#poll);
    this.#unlisten?.();
    await this.#reading;
    for (const s of [...this.#subs]) {
      s.sink.end('shutting_down');
      s.close();
    }
  }
}

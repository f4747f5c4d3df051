import {
  WEBHOOK_EVENTS,
  deliveryBody,
  matchesPatterns,
  nextAttempt,
  parseEventPatterns,
  signBody,
  type EventPattern,
  type RetryPolicy,
} from '../../domain/webhooks.js';
import type { IdGenerator } from '../ids.js';
import type { Clock, Store } from '../ports.js';
import type { DeliveryRecord, NewDelivery, WebhookRecord, WebhookTransport } from './webhook-ports.js';

export type DeliveryOutcome = 'delivered' | 'retried' | 'failed';

export interface OutboxOptions {
  readonly retry: RetryPolicy;
  /** Each POST is abandoned after this long (and counts as a failed attempt). */
  readonly timeoutMs: number;
  /** Attempts in flight at once on this instance (each for a different webhook). */
  readonly concurrency: number;
  /** Longest wait between looks at the outbox (work made by another instance is found this way). */
  readonly pollMs: number;
  readonly clock: Clock;
  readonly random?: () => number;
  readonly onError: (e: unknown, context: string) => void;
  readonly onOutcome?: (outcome: DeliveryOutcome) => void;
}

/** Events read per filler transaction. */
const FILL_PAGE = 500;

/**
 * The durable outbox (docs/webhooks.md). The **filler** follows the event log: in one transaction it
 * locks the outbox cursor, turns the committed events after it into delivery rows for every webhook whose
 * patterns match, and moves the cursor, so a crash either keeps all of that or none of it, and two
 * instances take turns on the lock: each delivery row is made exactly once. The **dispatcher** sends
 * them: it claims a webhook's oldest pending delivery with a compare-and-set on its attempt count and a
 * lease, POSTs it, and records the outcome; a failure is retried with exponential backoff and jitter, and
 * the webhook's later deliveries wait behind it (order per webhook). Each attempt in flight holds one of
 * `concurrency` slots and is bounded by `timeoutMs`, so a dead endpoint slows only its own webhook.
 */
export class WebhookOutbox {
  readonly #store: Store;
  readonly #transport: WebhookTransport;
  readonly #ids: IdGenerator;
  readonly #opts: OutboxOptions;
  readonly #random: () => number;
  readonly #patterns = new Map<string, { key: string; patterns: readonly EventPattern[] }>();
  /** Webhook id → the attempt in flight for it here. */
  readonly #inFlight = new Map<string, Promise<void>>();
  readonly #abort = new AbortController();
  #filling: Promise<void> | null = null;
  #fillAgain = false;
  #pumping: Promise<void> | null = null;
  #pumpAgain = false;
  #timer: NodeJS.Timeout | null = null;
  #poll: NodeJS.Timeout | null = null;
  #unlisten: (() => void) | null = null;
  #stopped = true;

  constructor(store: Store, transport: WebhookTransport, ids: IdGenerator, opts: OutboxOptions) {
    this.#store = store;
    this.#transport = transport;
    this.#ids = ids;
    this.#opts = opts;
    this.#random = opts.random ?? Math.random;
  }

  start(): void {
    this.#stopped = false;
    // Any commit with events (here or, on PostgreSQL, on another instance) may concern a webhook.
    this.#unlisten = this.#store.onCommitted((what) => {
      if (what.events) this.wakeFill();
    });
    this.#poll = setInterval(() => {
      this.wakeFill();
      this.wakeDispatch();
    }, this.#opts.pollMs);
    this.#poll.unref();
    this.wakeFill();
    this.wakeDispatch();
  }

  wakeFill(): void {
    if (this.#stopped) return;
    if (this.#filling !== null) {
      this.#fillAgain = true;
      return;
    }
    this.#filling = this.#fill()
      .then((made) => {
        if (made) this.wakeDispatch();
      })
      .catch((e: unknown) => this.#opts.onError(e, 'webhook outbox filler'))
      .finally(() => {
        this.#filling = null;
        if (this.#fillAgain) {
          this.#fillAgain = false;
          this.wakeFill();
        }
      });
  }

  /** Turns committed events into delivery rows; true when it made any. */
  async #fill(): Promise<boolean> {
    // No webhook anywhere: nothing to do (creating the first one moves the cursor past the history).
    if ((await this.#store.webhooks.webhooks({ limit: 1 })).length === 0) return false;
    let made = false;
    for (;;) {
      const { read, rows } = await this.#store.transaction(async (tx) => {
        const cursor = await tx.webhooks.lockCursor();
        const hooks = await tx.webhooks.allWebhooks();
        if (hooks.length === 0) return { read: 0, rows: 0 };
        const events = await tx.webhooks.eventsAfter(cursor, FILL_PAGE);
        if (events.length === 0) return { read: 0, rows: 0 };
        const now = this.#opts.clock.now();
        const deliveries: NewDelivery[] = [];
        for (const e of events) {
          for (const h of hooks) {
            if (e.seq <= h.afterSeq || !matchesPatterns(this.#patternsOf(h), e, h.id)) continue;
            const id = this.#ids.next('whd');
            deliveries.push({
              id,
              webhookId: h.id,
              seq: e.seq,
              eventType: e.type,
              body: deliveryBody(id, h.id, e),
              createdAt: now,
            });
          }
        }
        await tx.webhooks.insertDeliveries(deliveries);
        await tx.webhooks.setCursor(events[events.length - 1]!.seq);
        return { read: events.length, rows: deliveries.length };
      });
      if (rows > 0) made = true;
      if (read < FILL_PAGE || this.#stopped) return made;
    }
  }

  #patternsOf(h: WebhookRecord): readonly EventPattern[] {
    const key = h.events.join('\n');
    const cached = this.#patterns.get(h.id);
    if (cached?.key === key) return cached.patterns;
    const parsed = parseEventPatterns(h.events);
    // Stored patterns were checked at creation; one that no longer parses matches nothing.
    const patterns = 'patterns' in parsed ? parsed.patterns : [];
    this.#patterns.set(h.id, { key, patterns });
    return patterns;
  }

  wakeDispatch(): void {
    if (this.#stopped) return;
    if (this.#pumping !== null) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = this.#pump()
      .then(() => this.#arm())
      .catch((e: unknown) => {
        this.#opts.onError(e, 'webhook dispatcher');
        this.#armIn(this.#opts.pollMs);
      })
      .finally(() => {
        this.#pumping = null;
        if (this.#pumpAgain) {
          this.#pumpAgain = false;
          this.wakeDispatch();
        }
      });
  }

  /** Claims due deliveries (one per webhook) while slots are free, and starts their attempts. */
  async #pump(): Promise<void> {
    for (let round = 0; round < 10 && !this.#stopped; round += 1) {
      const free = this.#opts.concurrency - this.#inFlight.size;
      if (free <= 0) return;
      const now = this.#opts.clock.now();
      const heads = await this.#store.webhooks.dueHeads(now, free, [...this.#inFlight.keys()]);
      for (const d of heads) {
        if (this.#stopped || this.#inFlight.has(d.webhookId)) continue;
        // Past the request timeout, with room to record the outcome; a lapsed lease only means another attempt.
        const leaseUntil = now + this.#opts.timeoutMs + 5_000;
        const claimed = await this.#store.transaction((tx) =>
          tx.webhooks.claimDelivery(d.id, d.attempts, now, leaseUntil),
        );
        if (!claimed) continue; // another instance started this attempt
        const attempt = this.#attempt(d, d.attempts + 1)
          .catch((e: unknown) => this.#opts.onError(e, 'webhook delivery'))
          .finally(() => {
            this.#inFlight.delete(d.webhookId);
            this.wakeDispatch();
          });
        this.#inFlight.set(d.webhookId, attempt);
      }
      if (heads.length < free) return;
    }
  }

  async #attempt(d: DeliveryRecord, attempt: number): Promise<void> {
    const webhook = await this.#store.webhooks.webhook(d.webhookId);
    if (webhook === null) return; // deleted meanwhile, with its deliveries
    const result = await this.#transport.post(
      webhook.url,
      d.body,
      {
        'content-type': 'application/json',
        'user-agent': 'fabrica-webhooks',
        'x-fabrica-signature': signBody(webhook.secret, d.body),
        'x-fabrica-delivery': d.id,
        'x-fabrica-event': d.eventType,
        'x-fabrica-attempt': String(attempt),
      },
      this.#opts.timeoutMs,
      this.#abort.signal,
    );
    // Stopping abandons the attempt unrecorded: its lease runs out and the next start tries again.
    if (this.#stopped) return;
    const now = this.#opts.clock.now();
    if ('status' in result && result.status >= 200 && result.status < 300) {
      const recorded = await this.#store.transaction((tx) =>
        tx.webhooks.recordAttempt(d.id, attempt, { kind: 'delivered', status: result.status, at: now }),
      );
      if (recorded) this.#opts.onOutcome?.('delivered');
      return;
    }
    const status = 'status' in result ? result.status : null;
    const error =
      'error' in result
        ? result.error
        : result.status >= 300 && result.status < 400
          ? `HTTP ${result.status} (redirects are not followed)`
          : `HTTP ${result.status}`;
    const retryAt = nextAttempt(attempt, d.createdAt, now, this.#opts.retry, this.#random());
    const recorded = await this.#store.transaction(async (tx) => {
      const done = await tx.webhooks.recordAttempt(d.id, attempt, { kind: 'failed', status, error, retryAt });
      if (done && retryAt === null) {
        await tx.appendEvent({
          type: WEBHOOK_EVENTS.gaveUp,
          subjectKind: 'webhook',
          subjectId: d.webhookId,
          actor: 'system',
          data: {
            delivery_id: d.id,
            seq: d.seq,
            event_type: d.eventType,
            attempts: attempt,
            last_status: status,
            last_error: error,
          },
        });
      }
      return done;
    });
    if (recorded) this.#opts.onOutcome?.(retryAt === null ? 'failed' : 'retried');
  }

  async #arm(): Promise<void> {
    if (this.#stopped) return;
    const next = await this.#store.webhooks.nextDeliveryWake();
    const wait = next === null ? this.#opts.pollMs : Math.max(0, next - this.#opts.clock.now());
    this.#armIn(Math.min(wait, this.#opts.pollMs));
  }

  #armIn(ms: number): void {
    if (this.#stopped) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.wakeDispatch(), ms);
    this.#timer.unref();
  }

  /** Stops filling and claiming, abandons the attempts in flight (they are retried after a restart). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unlisten?.();
    if (this.#poll !== null) clearInterval(this.#poll);
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#abort.abort();
    await Promise.allSettled([this.#filling, this.#pumping, ...this.#inFlight.values()]);
  }
}

import type { EventRecord } from '../../domain/event.js';

/** A registered webhook. The secret signs deliveries and never leaves the server in an answer. */
export interface WebhookRecord {
  readonly id: string;
  readonly url: string;
  /** The event patterns as given (or the defaults), in order. */
  readonly events: readonly string[];
  readonly secret: string;
  /** Events with a greater seq are delivered: those before the webhook existed are not. */
  readonly afterSeq: number;
  readonly createdAt: string;
  readonly createdBy: string;
}

/** `pending` until a 2xx answer (`delivered`) or until given up (`failed`). */
export type DeliveryState = 'pending' | 'delivered' | 'failed';

export interface DeliveryRecord {
  readonly id: string;
  readonly webhookId: string;
  /** The event's seq: deliveries of one webhook go out in this order. */
  readonly seq: number;
  readonly eventType: string;
  /** The exact JSON sent on every attempt. */
  readonly body: string;
  readonly state: DeliveryState;
  /** Attempts started (a claim counts one, even if the process died before it finished). */
  readonly attempts: number;
  /** ms since the epoch: when the next attempt may start. */
  readonly nextAttemptAt: number;
  /** ms since the epoch: an attempt in flight holds the delivery until then. */
  readonly leaseUntil: number | null;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  /** ms since the epoch. */
  readonly createdAt: number;
  readonly deliveredAt: number | null;
}

export interface NewDelivery {
  readonly id: string;
  readonly webhookId: string;
  readonly seq: number;
  readonly eventType: string;
  readonly body: string;
  readonly createdAt: number;
}

export interface DeliveryCounts {
  readonly pending: number;
  readonly delivered: number;
  readonly failed: number;
}

export interface WebhooksReads {
  webhook(id: string): Promise<WebhookRecord | null>;
  /** Oldest first, after the id `after`. */
  webhooks(opts: { after?: string; limit: number }): Promise<WebhookRecord[]>;
  deliveryCounts(webhookIds: readonly string[]): Promise<Map<string, DeliveryCounts>>;
  /** Newest first (by seq), before the seq `before`. */
  deliveries(
    webhookId: string,
    opts: { before?: number; limit: number; state?: DeliveryState },
  ): Promise<DeliveryRecord[]>;
  countPendingDeliveries(): Promise<number>;
  /**
   * Deliveries that may be attempted now: pending, due, not held by an attempt in flight, and the first
   * pending one of their webhook (a webhook's deliveries go out one after the other, in seq order).
   */
  dueHeads(now: number, limit: number, excludeWebhooks: readonly string[]): Promise<DeliveryRecord[]>;
  /** The earliest time a pending delivery becomes due or its lease runs out; null when none is pending. */
  nextDeliveryWake(): Promise<number | null>;
}

export interface WebhooksRepo extends WebhooksReads {
  /**
   * Reads the outbox cursor (the seq of the last event turned into deliveries), locked until commit on
   * PostgreSQL: the filler, and webhook creation and deletion, take turns on it across instances.
   */
  lockCursor(): Promise<number>;
  setCursor(seq: number): Promise<void>;
  /** The event log's head seq as this transaction sees it. */
  eventHead(): Promise<number>;
  eventsAfter(seq: number, limit: number): Promise<EventRecord[]>;
  allWebhooks(): Promise<WebhookRecord[]>;
  insertWebhook(w: WebhookRecord): Promise<void>;
  /** Deletes the webhook and every delivery of it; false when there was none. */
  deleteWebhook(id: string): Promise<boolean>;
  insertDeliveries(rows: readonly NewDelivery[]): Promise<void>;
  /**
   * Starts attempt `attempts + 1` if the delivery is still pending, still at `attempts` and not held:
   * a compare-and-set, so that of two instances reading the same head only one starts the attempt.
   */
  claimDelivery(id: string, attempts: number, now: number, leaseUntil: number): Promise<boolean>;
  /** Records the outcome of attempt `attempt`; false when the delivery moved on meanwhile (or is gone). */
  recordAttempt(
    id: string,
    attempt: number,
    outcome:
      | { readonly kind: 'delivered'; readonly status: number; readonly at: number }
      | {
          readonly kind: 'failed';
          readonly status: number | null;
          readonly error: string;
          /** null: give up. */
          readonly retryAt: number | null;
        },
  ): Promise<boolean>;
}

/** What delivering needs from the outside world (`runtime/webhook-http.ts`). */
export interface WebhookTransport {
  /** Null when the host resolves; otherwise why not (`ENOTFOUND`, a timeout). */
  resolve(host: string): Promise<string | null>;
  /** One POST; the HTTP status, or why there was none. Aborting `signal` abandons it. */
  post(
    url: string,
    body: string,
    headers: Readonly<Record<string, string>>,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<{ readonly status: number } | { readonly error: string }>;
}

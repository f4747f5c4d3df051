import type { Kysely, Selectable } from 'kysely';
import type { EventRecord } from '../../domain/event.js';
import type { StoreKind } from '../../engine/ports.js';
import type {
  DeliveryCounts,
  DeliveryRecord,
  DeliveryState,
  NewDelivery,
  WebhookRecord,
  WebhooksRepo,
} from '../../engine/webhooks/webhook-ports.js';
import type { Database, WebhookDeliveriesTable, WebhooksTable } from '../schema.js';
import { eventsAfter, headSeq } from './event-log.repo.js';

const toWebhook = (r: Selectable<WebhooksTable>): WebhookRecord => ({
  id: r.id,
  url: r.url,
  events: JSON.parse(r.events) as string[],
  secret: r.secret,
  afterSeq: Number(r.after_seq),
  createdAt: r.created_at,
  createdBy: r.created_by,
});

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

const toDelivery = (r: Selectable<WebhookDeliveriesTable>): DeliveryRecord => ({
  id: r.id,
  webhookId: r.webhook_id,
  seq: Number(r.seq),
  eventType: r.event_type,
  body: r.body,
  state: r.state as DeliveryState,
  attempts: Number(r.attempts),
  nextAttemptAt: Number(r.next_attempt_at),
  leaseUntil: num(r.lease_until),
  lastStatus: num(r.last_status),
  lastError: r.last_error,
  createdAt: Number(r.created_at),
  deliveredAt: num(r.delivered_at),
});

/** Rows per insert: 6 columns each stays far below both databases' parameter limits. */
const INSERT_PAGE = 500;

/** Webhooks and their outbox, over the handle it is given (a transaction or the reader). */
export class WebhookQueries implements WebhooksRepo {
  readonly #db: Kysely<Database>;
  readonly #kind: StoreKind;

  constructor(db: Kysely<Database>, kind: StoreKind) {
    this.#db = db;
    this.#kind = kind;
  }

  async webhook(id: string): Promise<WebhookRecord | null> {
    const r = await this.#db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
    return r === undefined ? null : toWebhook(r);
  }

  async webhooks(opts: { after?: string; limit: number }): Promise<WebhookRecord[]> {
    let q = this.#db.selectFrom('webhooks').selectAll();
    if (opts.after !== undefined) q = q.where('id', '>', opts.after);
    return (await q.orderBy('id').limit(opts.limit).execute()).map(toWebhook);
  }

  async allWebhooks(): Promise<WebhookRecord[]> {
    return (await this.#db.selectFrom('webhooks').selectAll().orderBy('id').execute()).map(toWebhook);
  }

  async deliveryCounts(webhookIds: readonly string[]): Promise<Map<string, DeliveryCounts>> {
    const counts = new Map<string, { pending: number; delivered: number; failed: number }>();
    for (const id of webhookIds) counts.set(id, { pending: 0, delivered: 0, failed: 0 });
    if (webhookIds.length === 0) return counts;
    const rows = await this.#db
      .selectFrom('webhook_deliveries')
      .select(['webhook_id', 'state', (eb) => eb.fn.countAll().as('n')])
      .where('webhook_id', 'in', [...webhookIds])
      .groupBy(['webhook_id', 'state'])
      .execute();
    for (const r of rows) {
      const c = counts.get(r.webhook_id);
      if (c !== undefined && (r.state === 'pending' || r.state === 'delivered' || r.state === 'failed'))
        c[r.state] = Number(r.n);
    }
    return counts;
  }

  async deliveries(
    webhookId: string,
    opts: { before?: number; limit: number; state?: DeliveryState },
  ): Promise<DeliveryRecord[]> {
    let q = this.#db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', webhookId);
    if (opts.before !== undefined) q = q.where('seq', '<', opts.before);
    if (opts.state !== undefined) q = q.where('state', '=', opts.state);
    return (await q.orderBy('seq', 'desc').limit(opts.limit).execute()).map(toDelivery);
  }

  async countPendingDeliveries(): Promise<number> {
    const r = await this.#db
      .selectFrom('webhook_deliveries')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('state', '=', 'pending')
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  async dueHeads(now: number, limit: number, excludeWebhooks: readonly string[]): Promise<DeliveryRecord[]> {
    let q = this.#db
      .selectFrom('webhook_deliveries as d')
      .selectAll('d')
      .where('d.state', '=', 'pending')
      .where('d.next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('d.lease_until', 'is', null), eb('d.lease_until', '<=', now)]))
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('webhook_deliveries as p')
              .select('p.id')
              .whereRef('p.webhook_id', '=', 'd.webhook_id')
              .where('p.state', '=', 'pending')
              .whereRef('p.seq', '<', 'd.seq'),
          ),
        ),
      );
    if (excludeWebhooks.length > 0) q = q.where('d.webhook_id', 'not in', [...excludeWebhooks]);
    return (await q.orderBy('d.next_attempt_at').limit(limit).execute()).map(toDelivery);
  }

  async nextDeliveryWake(): Promise<number | null> {
    const r = await this.#db
      .selectFrom('webhook_deliveries')
      .select((eb) => [eb.fn.min('next_attempt_at').as('due'), eb.fn.min('lease_until').as('lease')])
      .where('state', '=', 'pending')
      .executeTakeFirst();
    const times = [r?.due, r?.lease].filter((v) => v !== null && v !== undefined).map(Number);
    return times.length === 0 ? null : Math.min(...times);
  }

  async lockCursor(): Promise<number> {
    let q = this.#db.selectFrom('webhook_cursor').select('seq').where('id', '=', 1);
    if (this.#kind === 'postgres') q = q.forUpdate();
    const r = await q.executeTakeFirst();
    if (r === undefined) throw new Error('the webhook outbox has no cursor row');
    return Number(r.seq);
  }

  async setCursor(seq: number): Promise<void> {
    await this.#db.updateTable('webhook_cursor').set({ seq }).where('id', '=', 1).execute();
  }

  eventHead(): Promise<number> {
    return headSeq(this.#db);
  }

  eventsAfter(seq: number, limit: number): Promise<EventRecord[]> {
    return eventsAfter(this.#db, seq, limit);
  }

  async insertWebhook(w: WebhookRecord): Promise<void> {
    await this.#db
      .insertInto('webhooks')
      .values({
        id: w.id,
        url: w.url,
        events: JSON.stringify(w.events),
        secret: w.secret,
        after_seq: w.afterSeq,
        created_at: w.createdAt,
        created_by: w.createdBy,
      })
      .execute();
  }

  async deleteWebhook(id: string): Promise<boolean> {
    await this.#db.deleteFrom('webhook_deliveries').where('webhook_id', '=', id).execute();
    const r = await this.#db.deleteFrom('webhooks').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async insertDeliveries(rows: readonly NewDelivery[]): Promise<void> {
    for (let i = 0; i < rows.length; i += INSERT_PAGE) {
      await this.#db
        .insertInto('webhook_deliveries')
        .values(
          rows.slice(i, i + INSERT_PAGE).map((d) => ({
            id: d.id,
            webhook_id: d.webhookId,
            seq: d.seq,
            event_type: d.eventType,
            body: d.body,
            state: 'pending',
            attempts: 0,
            next_attempt_at: d.createdAt,
            lease_until: null,
            last_status: null,
            last_error: null,
            created_at: d.createdAt,
            delivered_at: null,
          })),
        )
        .execute();
    }
  }

  async claimDelivery(id: string, attempts: number, now: number, leaseUntil: number): Promise<boolean> {
    const r = await this.#db
      .updateTable('webhook_deliveries')
      .set({ attempts: attempts + 1, lease_until: leaseUntil })
      .where('id', '=', id)
      .where('state', '=', 'pending')
      .where('attempts', '=', attempts)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async recordAttempt(
    id: string,
    attempt: number,
    outcome: Parameters<WebhooksRepo['recordAttempt']>[2],
  ): Promise<boolean> {
    const set =
      outcome.kind === 'delivered'
        ? {
            state: 'delivered',
            lease_until: null,
            last_status: outcome.status,
            last_error: null,
            delivered_at: outcome.at,
          }
        : {
            ...(outcome.retryAt === null
              ? { state: 'failed' }
              : { next_attempt_at: Math.round(outcome.retryAt) }),
            lease_until: null,
            last_status: outcome.status,
            last_error: outcome.error.slice(0, 500),
          };
    const r = await this.#db
      .updateTable('webhook_deliveries')
      .set(set)
      .where('id', '=', id)
      .where('state', '=', 'pending')
      .where('attempts', '=', attempt)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}

import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { fail, ok, type Result } from '../../domain/errors.js';
import {
  DEFAULT_WEBHOOK_EVENTS,
  WEBHOOK_EVENTS,
  checkWebhookUrl,
  parseEventPatterns,
} from '../../domain/webhooks.js';
import type { IdGenerator } from '../ids.js';
import type { Clock, Store } from '../ports.js';
import type {
  DeliveryCounts,
  DeliveryRecord,
  DeliveryState,
  WebhookRecord,
  WebhookTransport,
} from './webhook-ports.js';

export interface NewWebhook {
  readonly url: string;
  readonly events?: readonly string[];
  readonly secret?: string;
}

export interface WebhookWithCounts {
  readonly webhook: WebhookRecord;
  readonly counts: DeliveryCounts;
}

const NO_COUNTS: DeliveryCounts = { pending: 0, delivered: 0, failed: 0 };

/**
 * Registers, lists and removes webhooks (admin only, docs/webhooks.md). Creation and deletion take the
 * outbox cursor's lock, so the filler on any instance sees a webhook either before an event or not at
 * all for it: an event after the creation is never missed, one before it is never sent.
 */
export class WebhookService {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #ids: IdGenerator;
  readonly #transport: Pick<WebhookTransport, 'resolve'>;

  constructor(store: Store, clock: Clock, ids: IdGenerator, transport: Pick<WebhookTransport, 'resolve'>) {
    this.#store = store;
    this.#clock = clock;
    this.#ids = ids;
    this.#transport = transport;
  }

  /** The new webhook, and its secret when fabrica generated it (the only time it is shown). */
  async create(
    input: NewWebhook,
    actor: string,
  ): Promise<Result<{ webhook: WithCounts; generatedSecret: string | null }>> {
    const checked = checkWebhookUrl(input.url);
    if ('problem' in checked) return urlFailure(checked.problem, checked.reason);
    const events = [...new Set(input.events ?? DEFAULT_WEBHOOK_EVENTS)];
    const parsed = parseEventPatterns(events);
    if ('problem' in parsed) {
      return fail('invalid_event_pattern', `body.events[${parsed.index}]: ${parsed.problem}`, {
        details: { field: `body.events.${parsed.index}` },
      });
    }
    const host = checked.url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) === 0) {
      const problem = await this.#transport.resolve(host);
      if (problem !== null) {
        return urlFailure('unresolvable', `the webhook url's host does not resolve (${problem})`);
      }
    }
    const generatedSecret =
      input.secret === undefined ? `whsec_${randomBytes(24).toString('base64url')}` : null;
    const webhook = await this.#store.transaction(async (tx) => {
      const cursor = await tx.webhooks.lockCursor();
      const head = await tx.webhooks.eventHead();
      // With no webhook, the filler has had nothing to do: move its cursor past the history now.
      if ((await tx.webhooks.webhooks({ limit: 1 })).length === 0 && head > cursor)
        await tx.webhooks.setCursor(head);
      const w: WebhookRecord = {
        id: this.#ids.next('whk'),
        url: checked.url.toString(),
        events,
        secret: input.secret ?? generatedSecret!,
        afterSeq: head,
        createdAt: new Date(this.#clock.now()).toISOString(),
        createdBy: actor,
      };
      await tx.webhooks.insertWebhook(w);
      await tx.appendEvent({
        type: WEBHOOK_EVENTS.created,
        subjectKind: 'webhook',
        subjectId: w.id,
        actor,
        data: { url: w.url, events, secret_generated: generatedSecret !== null },
      });
      return w;
    });
    return ok({ webhook: { webhook, counts: NO_COUNTS }, generatedSecret });
  }

  async list(opts: { after?: string; limit: number }): Promise<WithCounts[]> {
    const hooks = await this.#store.webhooks.webhooks(opts);
    const counts = await this.#store.webhooks.deliveryCounts(hooks.map((h) => h.id));
    return hooks.map((webhook) => ({ webhook, counts: counts.get(webhook.id) ?? NO_COUNTS }));
  }

  async get(id: string): Promise<Result<WithCounts>> {
    const webhook = await this.#store.webhooks.webhook(id);
    if (webhook === null) return notFound(id);
    const counts = await this.#store.webhooks.deliveryCounts([id]);
    return ok({ webhook, counts: counts.get(id) ?? NO_COUNTS });
  }

  /** Removes the webhook and its deliveries (pending ones are not sent); answers it as it was. */
  async delete(id: string, actor: string): Promise<Result<WithCounts>> {
    const before = await this.get(id);
    if (!before.ok) return before;
    const deleted = await this.#store.transaction(async (tx) => {
      await tx.webhooks.lockCursor();
      if (!(await tx.webhooks.deleteWebhook(id))) return false;
      await tx.appendEvent({
        type: WEBHOOK_EVENTS.deleted,
        subjectKind: 'webhook',
        subjectId: id,
        actor,
        data: { url: before.value.webhook.url },
      });
      return true;
    });
    return deleted ? before : notFound(id);
  }

  async deliveries(
    id: string,
    opts: { before?: number; limit: number; state?: DeliveryState },
  ): Promise<Result<DeliveryRecord[]>> {
    if ((await this.#store.webhooks.webhook(id)) === null) return notFound(id);
    return ok(await this.#store.webhooks.deliveries(id, opts));
  }
}

type WithCounts = WebhookWithCounts;

const notFound = (id: string) => fail('not_found', `no webhook ${id.slice(0, 100)}`);

const urlFailure = (problem: string, reason: string) =>
  fail('invalid_webhook_url', reason, { details: { field: 'body.url', problem } });

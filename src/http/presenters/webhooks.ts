import type { Delivery, Webhook } from '../../contract/webhooks.js';
import type { DeliveryRecord } from '../../engine/webhooks/webhook-ports.js';
import type { WebhookWithCounts } from '../../engine/webhooks/webhook-service.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/** A webhook as answered: its secret stays on the server. */
export const webhookView = ({ webhook: w, counts }: WebhookWithCounts): Webhook => ({
  id: w.id,
  url: w.url,
  events: [...w.events],
  secret_set: w.secret !== '',
  created_at: w.createdAt,
  created_by: w.createdBy,
  deliveries: { pending: counts.pending, delivered: counts.delivered, failed: counts.failed },
});

export const deliveryView = (d: DeliveryRecord): Delivery => ({
  id: d.id,
  seq: d.seq,
  event_type: d.eventType,
  state: d.state,
  attempts: d.attempts,
  next_attempt_at: d.state === 'pending' ? iso(Math.max(d.nextAttemptAt, d.leaseUntil ?? 0)) : null,
  last_status: d.lastStatus,
  last_error: d.lastError,
  created_at: iso(d.createdAt),
  delivered_at: d.deliveredAt === null ? null : iso(d.deliveredAt),
});

import type { IdGenerator } from '../ids.js';
import type { Metrics } from '../observability/metrics.js';
import type { Store } from '../ports.js';
import { WebhookOutbox, type DeliveryOutcome, type OutboxOptions } from './webhook-outbox.js';
import type { WebhookTransport } from './webhook-ports.js';

/** The webhook series (docs/metrics.md), and the outbox that feeds them (not started yet). */
export function webhookOutbox(
  store: Store,
  transport: WebhookTransport,
  ids: IdGenerator,
  metrics: Metrics,
  opts: Omit<OutboxOptions, 'onOutcome'>,
): WebhookOutbox {
  const outcomes = metrics.counter<'outcome'>(
    'fabrica_webhook_deliveries_total',
    'Webhook delivery attempts finished by this instance, by outcome: delivered, retried (another attempt is scheduled) or failed (given up).',
    { labelNames: ['outcome'] },
  );
  for (const o of ['delivered', 'retried', 'failed'] satisfies DeliveryOutcome[]) outcomes.labels(o).inc(0);
  metrics.gauge(
    'fabrica_webhook_deliveries_pending',
    'Webhook deliveries not yet delivered nor given up (read from the store at scrape).',
    {
      async collect() {
        this.set(await store.webhooks.countPendingDeliveries());
      },
    },
  );
  const outbox = new WebhookOutbox(store, transport, ids, {
    ...opts,
    onOutcome: (o) => outcomes.labels(o).inc(),
  });
  return outbox;
}

import type { Command } from 'commander';
import type { DeliveryPage, Webhook, WebhookCreated, WebhookPage } from '../contract/webhooks.js';
import { intArg, print, withClientOptions, type ClientOpts } from './command-kit.js';
import { call, type Client } from './http-client.js';
import { table } from './table.js';

const counts = (w: Webhook) =>
  `${w.deliveries.pending} pending, ${w.deliveries.delivered} delivered, ${w.deliveries.failed} failed`;

/** `fabrica webhooks …`: register, list and remove webhooks, and read their deliveries (admin). */
export function registerWebhooksCommands(program: Command, client: (o: ClientOpts) => Client): void {
  const webhooks = program.command('webhooks').description('Signed event notifications (admin).');
  withClientOptions(
    webhooks
      .command('add')
      .description('Register a webhook; a generated secret is printed once.')
      .argument('<url>', 'http:// or https:// URL that receives the POSTs')
      .option('--events <patterns>', 'comma-separated event patterns (default: see docs/webhooks.md)')
      .option('--secret <secret>', 'signing secret (16+ characters); generated when omitted'),
  ).action(async (url: string, o: ClientOpts & { events?: string; secret?: string }) => {
    const events = o.events
      ?.split(',')
      .map((e) => e.trim())
      .filter((e) => e !== '');
    const created = await call<WebhookCreated>(client(o), 'POST', '/webhooks', {
      url,
      ...(events === undefined ? {} : { events }),
      ...(o.secret === undefined ? {} : { secret: o.secret }),
    });
    print(o, created, () =>
      [
        `webhook ${created.id} → ${created.url}`,
        `events: ${created.events.join(', ')}`,
        created.generated_secret === null
          ? 'secret: the one you gave'
          : `secret (shown once): ${created.generated_secret}`,
      ].join('\n'),
    );
  });
  withClientOptions(webhooks.command('list').description('List webhooks; never shows secrets.')).action(
    async (o: ClientOpts) => {
      const r = await call<WebhookPage>(client(o), 'GET', '/webhooks?limit=1000');
      print(o, r, () =>
        table(
          r.webhooks.map((w) => ({ ...w, events: w.events.join(','), deliveries: counts(w) })),
          ['id', 'url', 'events', 'deliveries'],
        ),
      );
    },
  );
  withClientOptions(
    webhooks.command('rm').description('Remove a webhook and its pending deliveries.').argument('<id>'),
  ).action(async (id: string, o: ClientOpts) => {
    const r = await call<Webhook>(client(o), 'DELETE', `/webhooks/${encodeURIComponent(id)}`);
    print(o, r, () => `webhook ${r.id} removed`);
  });
  withClientOptions(
    webhooks
      .command('deliveries')
      .description('A webhook’s deliveries, newest first.')
      .argument('<id>')
      .option('--state <state>', 'pending | delivered | failed')
      .option('--limit <n>', 'how many (default 100)', intArg),
  ).action(async (id: string, o: ClientOpts & { state?: string; limit?: number }) => {
    const q = new URLSearchParams();
    if (o.state !== undefined) q.set('state', o.state);
    if (o.limit !== undefined) q.set('limit', String(o.limit));
    const qs = q.size === 0 ? '' : `?${q.toString()}`;
    const r = await call<DeliveryPage>(
      client(o),
      'GET',
      `/webhooks/${encodeURIComponent(id)}/deliveries${qs}`,
    );
    print(o, r, () =>
      table(r.deliveries, [
        'id',
        'seq',
        'event_type',
        'state',
        'attempts',
        'last_status',
        'next_attempt_at',
        'last_error',
      ]),
    );
  });
}

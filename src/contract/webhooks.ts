import { Type, type Static } from 'typebox';
import { DEFAULT_WEBHOOK_EVENTS, MAX_EVENT_PATTERNS } from '../domain/webhooks.js';
import { NextCursor, Nullable, StringEnum, Timestamp, View } from './common.js';

/** `POST /webhooks` (docs/webhooks.md). */
export const WebhookBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2000, description: 'An http:// or https:// URL.' }),
    events: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
        minItems: 1,
        maxItems: MAX_EVENT_PATTERNS,
        description: `Event patterns (globs over the type, optionally \`[field=value]\`); default: ${DEFAULT_WEBHOOK_EVENTS.join(', ')}.`,
      }),
    ),
    secret: Type.Optional(
      Type.String({
        minLength: 16,
        maxLength: 256,
        pattern: '^[\\x21-\\x7e]+$',
        description: 'Signs every delivery; never shown again. Omitted: fabrica generates one.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type WebhookBody = Static<typeof WebhookBody>;

export const WebhookParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

export const WebhookListQuery = Type.Object(
  {
    after: Type.Optional(Type.String({ maxLength: 100 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);

export const DELIVERY_STATES = ['pending', 'delivered', 'failed'] as const;

export const DeliveryListQuery = Type.Object(
  {
    before: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'A `next_cursor`.' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    state: Type.Optional(StringEnum(DELIVERY_STATES)),
  },
  { additionalProperties: false },
);

/** A webhook as answered: never its secret. */
export const Webhook = View({
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  secret_set: Type.Boolean({ description: 'Always true: every webhook has a secret; it is never shown.' }),
  created_at: Timestamp,
  created_by: Type.String(),
  deliveries: View({
    pending: Type.Integer({ minimum: 0 }),
    delivered: Type.Integer({ minimum: 0 }),
    failed: Type.Integer({ minimum: 0 }),
  }),
});
export type Webhook = Static<typeof Webhook>;

export const WebhookCreated = View({
  ...Webhook.properties,
  generated_secret: Nullable(
    Type.String({
      description: 'The secret fabrica generated, shown in this answer only; null when the request gave one.',
    }),
  ),
});
export type WebhookCreated = Static<typeof WebhookCreated>;

export const WebhookPage = View({ webhooks: Type.Array(Webhook), next_cursor: NextCursor });
export type WebhookPage = Static<typeof WebhookPage>;

export const Delivery = View({
  id: Type.String({ description: 'Also the `X-Fabrica-Delivery` header and `delivery_id` of the body.' }),
  seq: Type.Integer({ description: 'The event’s seq: a webhook’s deliveries go out in this order.' }),
  event_type: Type.String(),
  state: StringEnum(DELIVERY_STATES),
  attempts: Type.Integer({ minimum: 0 }),
  next_attempt_at: Nullable(Timestamp),
  last_status: Nullable(Type.Integer({ description: 'HTTP status of the last attempt; null: no answer.' })),
  last_error: Nullable(Type.String()),
  created_at: Timestamp,
  delivered_at: Nullable(Timestamp),
});
export type Delivery = Static<typeof Delivery>;

export const DeliveryPage = View({
  deliveries: Type.Array(Delivery, { description: 'Newest first.' }),
  next_cursor: NextCursor,
});
export type DeliveryPage = Static<typeof DeliveryPage>;

import { intSetting as setting } from './setting-kit.js';

/** Webhook deliveries: retries, timeouts and concurrency (docs/webhooks.md). */
export const webhookSettings = {
  webhookRetryBaseMs: setting(
    'FABRICA_WEBHOOK_RETRY_BASE_MS',
    1000,
    1,
    3_600_000,
    'ms',
    'Wait before the first retry of a failed webhook delivery; each later retry waits twice as long (±20% jitter).',
  ),
  webhookRetryMaxMs: setting(
    'FABRICA_WEBHOOK_RETRY_MAX_MS',
    300_000,
    1,
    86_400_000,
    'ms',
    'Longest wait between two attempts of a webhook delivery.',
  ),
  webhookMaxAttempts: setting(
    'FABRICA_WEBHOOK_MAX_ATTEMPTS',
    25,
    1,
    1000,
    'attempts',
    'A webhook delivery is given up (`failed`, event `webhook.gave_up`) after this many attempts…',
  ),
  webhookMaxAgeMs: setting(
    'FABRICA_WEBHOOK_MAX_AGE_MS',
    86_400_000,
    1000,
    2_592_000_000,
    'ms',
    '…or once its next attempt would start later than this after the event, whichever comes first.',
  ),
  webhookTimeoutMs: setting(
    'FABRICA_WEBHOOK_TIMEOUT_MS',
    10_000,
    100,
    600_000,
    'ms',
    'Each webhook POST is abandoned (a failed attempt) after this long.',
  ),
  webhookConcurrency: setting(
    'FABRICA_WEBHOOK_CONCURRENCY',
    16,
    1,
    1000,
    'requests',
    'Webhook POSTs in flight at once per instance (at most one per webhook).',
  ),
};

import { createHmac } from 'node:crypto';
import type { EventRecord } from './event.js';

/**
 * Webhooks (docs/webhooks.md): which events a webhook wants, whether its URL is acceptable, the body a
 * delivery carries and when a failed delivery is tried again. Pure: the store, DNS and HTTP live elsewhere.
 */

/**
 * What a webhook receives when it names no events: a revision or organ awaiting approval, a failing
 * analysis verdict, automatic rollbacks, quarantines, and organs reaching stable (an approval of a HITL
 * organ, or the end of an automatic build).
 */
export const DEFAULT_WEBHOOK_EVENTS = [
  '*.awaiting_approval',
  'cell.analysis[verdict=fail]',
  'factory.auto_rollback',
  'immune.quarantine',
  'organ.stage_changed[to=stable]',
] as const;

export const MAX_EVENT_PATTERNS = 50;

/**
 * An event pattern: a glob over the event type (`*` is any run of characters, dots included), optionally
 * followed by `[field=value]`, which also asks a field of the event's data (a dotted path into nested
 * objects, like `after.level`) to equal the value (compared as text). `cell.*`, `*.awaiting_approval`, `cell.analysis[verdict=fail]`.
 */
const PATTERN =
  /^([a-z0-9_.*-]{1,100})(?:\[([a-z0-9_]{1,64}(?:\.[a-z0-9_]{1,64}){0,4})=([A-Za-z0-9_.:-]{1,100})\])?$/;

export interface EventPattern {
  readonly source: string;
  readonly type: RegExp;
  /** The literal text before the first `*`: `webhook.` events match only patterns that name the prefix. */
  readonly prefix: string;
  readonly field: { readonly name: string; readonly value: string } | null;
}

/** Parses one pattern; a string saying what is wrong when it is not one. */
export function parseEventPattern(source: string): EventPattern | string {
  const m = PATTERN.exec(source);
  if (m === null) {
    return 'a pattern is an event type glob of lower-case letters, digits, `_`, `-`, `.` and `*`, optionally followed by [field=value]';
  }
  const glob = m[1]!;
  if (glob.replace(/\*/g, '') === '' && glob.length > 1) return 'a pattern of stars alone is just `*`';
  if (glob.includes('**')) return '`**` means nothing more than `*`: use one star';
  const escaped = glob.replace(/[.+?^${}()|[\]\\-]/g, '\\$&').replace(/\*/g, '.*');
  return {
    source,
    type: new RegExp(`^${escaped}$`),
    prefix: glob.split('*')[0]!,
    field: m[2] === undefined ? null : { name: m[2], value: m[3]! },
  };
}

/** Parses a webhook's patterns: all of them, or the first problem with its index. */
export function parseEventPatterns(
  sources: readonly string[],
): { patterns: EventPattern[] } | { index: number; problem: string } {
  const patterns: EventPattern[] = [];
  for (const [index, source] of sources.entries()) {
    const p = parseEventPattern(source);
    if (typeof p === 'string') return { index, problem: p };
    patterns.push(p);
  }
  return { patterns };
}

/** The events about webhooks themselves (their own audit trail). */
export const WEBHOOK_EVENTS = {
  created: 'webhook.created',
  deleted: 'webhook.deleted',
  /** A delivery was given up after its last attempt or its maximum age. */
  gaveUp: 'webhook.gave_up',
} as const;

/**
 * Whether a webhook with these patterns receives the event. `webhook.*` events reach only patterns whose
 * literal prefix starts with `webhook.` (so `*` never feeds a webhook its own give-ups), and never the
 * webhook the event is about: a failing endpoint cannot make deliveries about itself.
 */
export function matchesPatterns(
  patterns: readonly EventPattern[],
  event: Pick<EventRecord, 'type' | 'subjectKind' | 'subjectId' | 'data'>,
  webhookId: string,
): boolean {
  const aboutWebhooks = event.type.startsWith('webhook.');
  if (aboutWebhooks && event.subjectKind === 'webhook' && event.subjectId === webhookId) return false;
  let data: Record<string, unknown> | null = null;
  for (const p of patterns) {
    if (aboutWebhooks && !p.prefix.startsWith('webhook.')) continue;
    if (!p.type.test(event.type)) continue;
    if (p.field === null) return true;
    data ??= parseData(event.data);
    let v: unknown = data;
    for (const key of p.field.name.split('.'))
      v =
        typeof v === 'object' && v !== null && !Array.isArray(v)
          ? (v as Record<string, unknown>)[key]
          : undefined;
    if (
      (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') &&
      String(v) === p.field.value
    )
      return true;
  }
  return false;
}

function parseData(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Why a webhook URL is refused (`invalid_webhook_url`'s `problem`). */
export type WebhookUrlProblem = 'malformed' | 'scheme' | 'credentials' | 'query_secret' | 'unresolvable';

/** Query parameter names that carry credentials: they would be stored and listed in clear. */
const SECRET_PARAM = /(token|secret|passw|pwd|api[_-]?key|^key$|auth|sig|signature|credential|session)/i;

/**
 * Checks what can be checked without the network: an absolute http(s) URL, no user or password in it,
 * no credential in its query (the signature authenticates deliveries; the URL is listed in clear). The
 * reason never repeats the URL, which may hold what the caller meant to keep secret.
 */
export function checkWebhookUrl(raw: string): { url: URL } | { problem: WebhookUrlProblem; reason: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { problem: 'malformed', reason: 'the webhook url is not an absolute URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { problem: 'scheme', reason: 'the webhook url must use http or https' };
  }
  if (url.username !== '' || url.password !== '') {
    return {
      problem: 'credentials',
      reason:
        'the webhook url must not carry a user or password; deliveries are signed with the webhook secret',
    };
  }
  for (const name of url.searchParams.keys()) {
    if (SECRET_PARAM.test(name)) {
      return {
        problem: 'query_secret',
        reason: `the webhook url's query parameter "${name.slice(0, 40)}" looks like a credential; URLs are listed in clear, so authenticate deliveries by their signature instead`,
      };
    }
  }
  if (url.hostname === '') return { problem: 'malformed', reason: 'the webhook url has no host' };
  url.hash = '';
  return { url };
}

/** Retry settings (`FABRICA_WEBHOOK_*`). */
export interface RetryPolicy {
  /** The wait after the first failed attempt; each later one doubles. */
  readonly baseMs: number;
  /** No wait is longer than this. */
  readonly capMs: number;
  /** Given up after this many attempts… */
  readonly maxAttempts: number;
  /** …or once the delivery is this old, whichever comes first. */
  readonly maxAgeMs: number;
}

/**
 * The wait before attempt `failed + 1`: `base · 2^(failed − 1)`, capped, times a jitter factor in
 * [0.8, 1.2) drawn from `random` (in [0, 1)), so that receivers coming back are not hit in lockstep.
 */
export function retryDelay(failed: number, policy: RetryPolicy, random: number): number {
  const exp = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, Math.min(failed - 1, 40)));
  return Math.min(policy.capMs, Math.round(exp * (0.8 + 0.4 * random)));
}

/** After a failed attempt: the time of the next one, or null to give the delivery up. */
export function nextAttempt(
  attempts: number,
  createdAt: number,
  now: number,
  policy: RetryPolicy,
  random: number,
): number | null {
  if (attempts >= policy.maxAttempts) return null;
  const at = now + retryDelay(attempts, policy, random);
  return at - createdAt > policy.maxAgeMs ? null : at;
}

/** The JSON a delivery POSTs; the same bytes on every attempt (receivers dedupe by `delivery_id`). */
export function deliveryBody(deliveryId: string, webhookId: string, e: EventRecord): string {
  return JSON.stringify({
    delivery_id: deliveryId,
    webhook_id: webhookId,
    event: {
      seq: e.seq,
      type: e.type,
      subject: { kind: e.subjectKind, id: e.subjectId },
      tenant: e.tenant,
      actor: e.actor,
      at: e.ts,
      data: JSON.parse(e.data) as unknown,
    },
  });
}

/** `X-Fabrica-Signature`: `sha256=` and the hex HMAC-SHA256 of the exact body bytes under the secret. */
export const signBody = (secret: string, body: string): string =>
  `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;

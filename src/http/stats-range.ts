import type { Failure } from '../domain/errors.js';

const HOUR_MS = 3_600_000;

/**
 * The span and step of a statistics read (`?from=&to=&step=`): `to` defaults to now, `from` to an hour
 * before it, `step` to a minute. A reversed span or more than 10,000 steps is refused.
 */
export function statsRange(q: {
  from?: string;
  to?: string;
  step?: number;
}): { ok: true; from: number; to: number; stepMs: number } | { ok: false; error: Failure } {
  const to = q.to === undefined ? Date.now() : Date.parse(q.to);
  const from = q.from === undefined ? to - HOUR_MS : Date.parse(q.from);
  const stepMs = q.step ?? 60_000;
  if (from > to)
    return {
      ok: false,
      error: {
        code: 'invalid_request',
        reason: 'from must not be after to',
        details: { field: 'querystring.from' },
      },
    };
  if ((to - from) / stepMs > 10_000)
    return {
      ok: false,
      error: {
        code: 'invalid_request',
        reason: 'more than 10000 steps between from and to: widen step',
        details: { field: 'querystring.step' },
      },
    };
  return { ok: true, from, to, stepMs };
}

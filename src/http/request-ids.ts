import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const GIVEN_ID = /^[\w.-]{1,128}$/;

/**
 * Request ids: the caller's `X-Request-Id` when it is a sane token, else this process's random prefix and
 * a counter (`k3Jx9Qa2-1f`). Unique across instances and restarts through the prefix, and far cheaper
 * per request than a random UUID.
 */
export function newRequestIds(): (req: IncomingMessage) => string {
  const prefix = randomBytes(6).toString('base64url');
  let counter = 0;
  return (req) => {
    const given = req.headers['x-request-id'];
    if (typeof given === 'string' && GIVEN_ID.test(given)) return given;
    counter += 1;
    return `${prefix}-${counter.toString(36)}`;
  };
}

import type { FastifyRequest } from 'fastify';
import type { Principal } from '../domain/access.js';
import type { ActionSpec } from '../domain/policy.js';
import { redact } from './redact.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the route does; the auth hook authorizes every request against it. */
    action?: ActionSpec;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

const TOKEN_PROTOCOL_PREFIX = 'bearer.';

/** The bearer secret from the Authorization header, `?token=`, or a `bearer.<token>` WebSocket sub-protocol. */
export function bearerOf(req: FastifyRequest): string | null {
  const header = req.headers.authorization;
  if (typeof header === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return m?.[1] ?? '';
  }
  const q = (req.query as Record<string, unknown> | undefined)?.token;
  if (typeof q === 'string' && q !== '') return q;
  const protocols = req.headers['sec-websocket-protocol'];
  if (typeof protocols === 'string') {
    for (const p of protocols.split(',')) {
      const t = p.trim();
      if (t.startsWith(TOKEN_PROTOCOL_PREFIX)) return t.slice(TOKEN_PROTOCOL_PREFIX.length);
    }
  }
  return null;
}

/** The URL with any `token` query parameter masked, for logs (the rules are redact.ts's). */
export function redactUrl(url: string): string {
  return redact(url);
}

import cors from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ActionSpec } from '../domain/policy.js';

/** Headers a browser page may send across origins: the token, JSON bodies, and the ones routes read. */
const ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'if-match',
  'last-event-id',
  'x-fabrica-revision',
  'x-request-id',
];
/** Headers a page may read from an answer besides the simple ones. */
const EXPOSED_HEADERS = ['x-request-id', 'deprecation', 'link', 'x-fabrica-revision'];
const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

export type CorsRouteKind = 'public' | 'guarded' | 'preflight';

export interface CorsAnswer {
  readonly origin: string;
  readonly credentials: boolean;
  readonly methods: readonly string[];
  readonly allowedHeaders: readonly string[];
  readonly exposedHeaders: readonly string[];
  readonly maxAge: number;
}

/**
 * Who may read fabrica's answers from another origin (`FABRICA_CORS_ORIGINS`). A listed origin may call
 * every route, with the token, and is told so with credentials allowed. `*` opens only the public routes
 * (`/metrics` when it needs no token, health, the docs) to any page: never with credentials, and a
 * preflight under `*` allows no Authorization header, so no other page can send a token across.
 * Anything else gets no CORS header at all, and the browser keeps the answer from the page.
 */
export function decideCors(
  allowed: readonly string[],
  origin: string | undefined,
  route: CorsRouteKind,
): CorsAnswer | false {
  if (origin === undefined || origin === '') return false;
  if (allowed.includes(origin)) {
    return {
      origin,
      credentials: true,
      methods: ALL_METHODS,
      allowedHeaders: ALLOWED_HEADERS,
      exposedHeaders: EXPOSED_HEADERS,
      maxAge: 600,
    };
  }
  if (allowed.includes('*') && route !== 'guarded') {
    return {
      origin: '*',
      credentials: false,
      methods: ['GET', 'HEAD'],
      allowedHeaders: ['content-type'],
      exposedHeaders: ['x-request-id'],
      maxAge: 600,
    };
  }
  return false;
}

const kindOf = (req: FastifyRequest): CorsRouteKind => {
  if (req.method === 'OPTIONS' && req.routeOptions.url === '*') return 'preflight';
  const action: ActionSpec | undefined = req.routeOptions.config?.action;
  return action?.public === true ? 'public' : 'guarded';
};

/** Registers `@fastify/cors` with the decision above; with no origins configured nothing is registered. */
export async function registerCors(app: FastifyInstance, allowed: readonly string[]): Promise<void> {
  if (allowed.length === 0) return;
  await app.register(cors, {
    hook: 'onRequest',
    delegator: (req, cb) => {
      const d = decideCors(allowed, req.headers.origin, kindOf(req));
      cb(
        null,
        d === false
          ? { origin: false }
          : {
              origin: d.origin,
              credentials: d.credentials,
              methods: [...d.methods],
              allowedHeaders: [...d.allowedHeaders],
              exposedHeaders: [...d.exposedHeaders],
              maxAge: d.maxAge,
              strictPreflight: true,
            },
      );
    },
  });
}

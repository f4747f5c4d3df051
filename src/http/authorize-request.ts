import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { ActionSpec } from '../domain/policy.js';
import type { AccessService } from '../engine/access/access-service.js';
import type { AuthResult } from '../engine/access/token-authenticator.js';
import { sendFailure } from './errors.js';
import { bearerOf } from './request-context.js';

/**
 * Authenticates a request and authorizes it against its route's declared action, through the one policy
 * function; refusals are answered here and written to the decision log. Called by each non-public route's
 * entry hook (route-hooks.ts), which knows the route's action without asking Fastify per request.
 * Returns without calling `done` when it answered the request itself.
 */
export function authorizeRequest(
  req: FastifyRequest,
  reply: FastifyReply,
  done: HookHandlerDoneFunction,
  access: AccessService,
  action: ActionSpec,
  route: string,
): void {
  // Nearly every request is decided without waiting on anything (the token was seen before), and then
  // costs no promise.
  const secret = bearerOf(req);
  const known = access.authenticateKnown(secret);
  if (known !== undefined) {
    if (decideRequest(req, reply, access, action, route, known)) done();
    return;
  }
  access.authenticate(secret).then(
    (auth) => {
      if (decideRequest(req, reply, access, action, route, auth)) done();
    },
    (e: unknown) => done(e instanceof Error ? e : new Error(String(e))),
  );
}

/** Sets the principal and returns true when the request may go on; otherwise answers it (and logs why). */
function decideRequest(
  req: FastifyRequest,
  reply: FastifyReply,
  access: AccessService,
  action: ActionSpec,
  route: string,
  auth: AuthResult,
): boolean {
  if ('principal' in auth) req.principal = auth.principal;
  const decision =
    'denied' in auth
      ? ({ allow: false, code: 'unauthorized', reason: auth.denied } as const)
      : access.decide(req.principal, action);
  if (decision.allow) return true;
  access
    .recordDenial(req.principal, action, decision, { method: req.method, route })
    .catch((e: unknown) => req.log.error({ err: e }, 'could not record an access denial'))
    .finally(() => sendFailure(req, reply, decision));
  return false;
}

/**
 * A route that declares no action is admin-only (deny by default); only the docs UI and the CORS
 * plugin's catch-all `OPTIONS *` (a preflight carries no token; it answers allowed origins or 404) are
 * exempt.
 */
export const defaultAction = (url: string): ActionSpec =>
  url.startsWith('/docs')
    ? { name: 'docs', public: true }
    : url === '*'
      ? { name: 'cors.preflight', public: true }
      : { name: `route ${url}`, adminOnly: true };

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ActionSpec } from '../domain/policy.js';
import type { AccessService, AuthResult } from '../engine/access/access-service.js';
import { sendFailure } from './errors.js';
import { bearerOf } from './request-context.js';

/**
 * Authenticates every request and authorizes it against its route's declared action, through the one
 * policy function. Refusals are answered here and written to the decision log.
 */
export function registerAuth(app: FastifyInstance, access: AccessService): void {
  app.decorateRequest('principal', null);
  // A callback hook, not an async one: nearly every request is decided without waiting on anything (the
  // token was seen before), and then costs no promise.
  app.addHook('onRequest', (req, reply, done) => {
    // A route that declares no action is admin-only (deny by default); only the docs UI is exempt.
    const action = req.routeOptions.config.action ?? defaultAction(req.routeOptions.url);
    if (action.public === true) return done();
    const known = access.authenticateKnown(bearerOf(req));
    if (known !== undefined) {
      if (decideRequest(req, reply, access, action, known)) done();
      return;
    }
    access.authenticate(bearerOf(req)).then(
      (auth) => {
        if (decideRequest(req, reply, access, action, auth)) done();
      },
      (e: unknown) => done(e instanceof Error ? e : new Error(String(e))),
    );
  });
}

/** Sets the principal and returns true when the request may go on; otherwise answers it (and logs why). */
function decideRequest(
  req: FastifyRequest,
  reply: FastifyReply,
  access: AccessService,
  action: ActionSpec,
  auth: AuthResult,
): boolean {
  if ('principal' in auth) req.principal = auth.principal;
  const decision =
    'denied' in auth
      ? ({ allow: false, code: 'unauthorized', reason: auth.denied } as const)
      : access.decide(req.principal, action);
  if (decision.allow) return true;
  access
    .recordDenial(req.principal, action, decision, {
      method: req.method,
      route: req.routeOptions.url ?? req.url,
    })
    .catch((e: unknown) => req.log.error({ err: e }, 'could not record an access denial'))
    .finally(() => sendFailure(req, reply, decision));
  return false;
}

const defaultAction = (url: string | undefined): ActionSpec =>
  url?.startsWith('/docs') === true
    ? { name: 'docs', public: true }
    : { name: `route ${url ?? 'unknown'}`, adminOnly: true };

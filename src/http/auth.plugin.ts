import type { FastifyInstance } from 'fastify';
import type { ActionSpec } from '../domain/policy.js';
import type { AccessService } from '../engine/access/access-service.js';
import { sendFailure } from './errors.js';
import { bearerOf } from './request-context.js';

/**
 * Authenticates every request and authorizes it against its route's declared action, through the one
 * policy function. Refusals are answered here and written to the decision log.
 */
export function registerAuth(app: FastifyInstance, access: AccessService): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req, reply) => {
    // A route that declares no action is admin-only (deny by default); only the docs UI is exempt.
    const action = req.routeOptions.config.action ?? defaultAction(req.routeOptions.url);
    if (action.public === true) return;
    const auth = await access.authenticate(bearerOf(req));
    if ('principal' in auth) req.principal = auth.principal;
    const decision =
      'denied' in auth
        ? ({ allow: false, code: 'unauthorized', reason: auth.denied } as const)
        : access.decide(req.principal, action);
    if (decision.allow) return;
    await access
      .recordDenial(req.principal, action, decision, {
        method: req.method,
        route: req.routeOptions.url ?? req.url,
      })
      .catch((e: unknown) => req.log.error({ err: e }, 'could not record an access denial'));
    return sendFailure(req, reply, decision);
  });
}

const defaultAction = (url: string | undefined): ActionSpec =>
  url?.startsWith('/docs') === true
    ? { name: 'docs', public: true }
    : { name: `route ${url ?? 'unknown'}`, adminOnly: true };

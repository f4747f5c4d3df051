import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MetricsText } from '../../contract/operator.js';
import type { ActionSpec, Decision } from '../../domain/policy.js';
import { hashSecret, sameHash } from '../../engine/access/token-secrets.js';
import type { AppDeps } from '../app-deps.js';
import { sendFailure } from '../errors.js';
import { bearerOf } from '../request-context.js';

/** Scrapers rarely hold an admin token: public unless FABRICA_METRICS_TOKEN is set. */
const PUBLIC_ACTION: ActionSpec = { name: 'metrics.read', public: true };
/** With a metrics token configured: that token, or the admin token (checked as an admin-only action). */
const GUARDED_ACTION: ActionSpec = { name: 'metrics.read', adminOnly: true };

export const metricsRoutes =
  (deps: AppDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const tokenHash = deps.metricsToken === null ? null : hashSecret(deps.metricsToken);

    // The app-wide auth hook passes public routes through; this one then asks for the metrics token,
    // falling back to the one policy function (and its decision log) for any other token.
    const requireMetricsToken = async (req: FastifyRequest, reply: FastifyReply) => {
      const secret = bearerOf(req);
      if (tokenHash !== null && secret !== null && sameHash(hashSecret(secret), tokenHash)) return;
      const auth = await deps.access.authenticate(secret);
      if ('principal' in auth) req.principal = auth.principal;
      const decision: Decision =
        'denied' in auth
          ? { allow: false, code: 'unauthorized', reason: auth.denied }
          : deps.access.decide(req.principal, GUARDED_ACTION);
      if (decision.allow) return;
      await deps.access
        .recordDenial(req.principal, GUARDED_ACTION, decision, { method: req.method, route: '/metrics' })
        .catch((e: unknown) => req.log.error({ err: e }, 'could not record an access denial'));
      return sendFailure(req, reply, decision);
    };

    app.get(
      '/metrics',
      {
        schema: {
          tags: ['operator'],
          summary:
            'Prometheus metrics (text format). Public unless FABRICA_METRICS_TOKEN is set; then that token or the admin token.',
          response: { 200: MetricsText },
        },
        config: { action: PUBLIC_ACTION },
        ...(tokenHash === null ? {} : { onRequest: requireMetricsToken }),
      },
      async (_req, reply) =>
        reply.header('content-type', deps.metrics.contentType).send(await deps.metrics.text()),
    );
  };

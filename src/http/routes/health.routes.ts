import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app-deps.js';
import { Health, Ready } from '../../contract/operator.js';
import { sendFailure } from '../errors.js';

export const healthRoutes =
  (deps: AppDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/healthz',
      {
        schema: { tags: ['operator'], summary: 'Liveness: the process answers.', response: { 200: Health } },
        config: { action: { name: 'healthz', public: true } },
      },
      () => ({
        status: 'ok' as const,
        version: deps.version,
        uptime_s: Math.round((Date.now() - deps.startedAt) / 1000),
      }),
    );

    app.get(
      '/readyz',
      {
        schema: {
          tags: ['operator'],
          summary: 'Readiness: the store answers and every migration is applied.',
          response: { 200: Ready },
        },
        config: { action: { name: 'readyz', public: true } },
      },
      async (req, reply) => {
        if (deps.lifecycle.shuttingDown) {
          return sendFailure(req, reply, { code: 'unavailable', reason: 'shutting down' });
        }
        const r = await deps.storeHealth.readiness();
        if (!r.ready) {
          if (r.error !== undefined) req.log.warn({ err: r.error }, 'readiness check failed');
          return sendFailure(req, reply, { code: 'unavailable', reason: r.reason });
        }
        return {
          status: 'ready' as const,
          store: r.kind,
          migrations: [...r.migrations],
          head_seq: r.headSeq,
        };
      },
    );
  };

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app-deps.js';
import { sendFailure } from '../errors.js';

export const healthRoutes =
  (deps: AppDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/healthz',
      {
        schema: { tags: ['operator'], summary: 'Liveness: the process answers.' },
        config: { action: { name: 'healthz', public: true } },
      },
      () => ({
        status: 'ok',
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
        },
        config: { action: { name: 'readyz', public: true } },
      },
      async (req, reply) => {
        if (deps.lifecycle.shuttingDown) {
          return sendFailure(req, reply, { code: 'unavailable', reason: 'shutting down' });
        }
        try {
          await deps.store.ping();
          const m = await deps.store.migrationStatus();
          if (m.pending.length > 0) {
            return sendFailure(req, reply, {
              code: 'unavailable',
              reason: `migrations pending: ${m.pending.join(', ')} (run fabrica migrate)`,
            });
          }
          return { status: 'ready', store: deps.store.kind, migrations: m.applied, head_seq: deps.hub.head };
        } catch (e) {
          req.log.warn({ err: e }, 'readiness check failed');
          return sendFailure(req, reply, { code: 'unavailable', reason: 'store unreachable' });
        }
      },
    );
  };

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IntrospectionStatus } from '../../contract/operator.js';
import { isEnabled } from '../../domain/capabilities.js';
import type { AppDeps } from '../app-deps.js';

/** The Neira path and its short alias answer the same. */
const PATHS = ['/api/neira/introspection/status', '/introspection/status'] as const;

export const introspectionRoutes =
  (deps: AppDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    for (const path of PATHS) {
      app.get(
        path,
        {
          schema: {
            tags: ['operator'],
            summary: 'What this instance is and how it is doing: capabilities, store, watchdogs, counts.',
            response: { 200: IntrospectionStatus },
          },
          config: { action: { name: 'introspection.read', access: 'read' } },
        },
        async (req) => {
          const onError = (e: unknown) => req.log.error({ err: e }, 'an introspection provider failed');
          const { access, introspection, watchdog } = deps;
          return {
            version: deps.version,
            uptime_s: Math.max(0, Math.round((Date.now() - deps.startedAt) / 1000)),
            safe_mode: access.safeMode.on,
            capabilities: Object.fromEntries(
              access.capabilityList().map((c) => [c.name, { enabled: isEnabled(c.level), level: c.level }]),
            ),
            store: await deps.storeHealth.status(onError),
            watchdogs: {
              soft_ms: watchdog.softMs,
              hard_ms: watchdog.hardMs,
              alarms: watchdog.alarms,
              grace_ms: watchdog.graceMs,
              checks: watchdog.checks,
            },
            counts: await introspection.counts(onError),
            pending_approvals: await introspection.pendingApprovals(onError),
            event_log: { head_seq: await deps.storeHealth.headSeq() },
          };
        },
      );
    }
  };

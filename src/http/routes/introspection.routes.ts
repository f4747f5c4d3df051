import { Type } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CAPABILITY_LEVELS, isEnabled } from '../../domain/capabilities.js';
import type { AppDeps } from '../app-deps.js';
import { StringEnum } from '../../contract/common.js';

const CountMap = Type.Record(Type.String(), Type.Integer({ minimum: 0 }));

const Status = Type.Object({
  version: Type.String(),
  uptime_s: Type.Integer({ minimum: 0 }),
  safe_mode: Type.Boolean(),
  capabilities: Type.Record(
    Type.String(),
    Type.Object({ enabled: Type.Boolean(), level: StringEnum(CAPABILITY_LEVELS) }),
  ),
  store: Type.Object({
    kind: Type.String(),
    healthy: Type.Boolean(),
    migrations_pending: Type.Array(Type.String()),
  }),
  watchdogs: Type.Object({
    soft_ms: Type.Integer(),
    hard_ms: Type.Integer(),
    alarms: Type.Object(
      { soft: Type.Integer(), hard: Type.Integer() },
      { description: 'Alarms this instance raised since it started.' },
    ),
  }),
  counts: Type.Object({ cells: CountMap, organs: CountMap, runs: CountMap }),
  pending_approvals: Type.Integer({ minimum: 0 }),
  event_log: Type.Object({ head_seq: Type.Integer({ minimum: 0 }) }),
});

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
            response: { 200: Status },
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
            store: await storeHealth(deps, onError),
            watchdogs: { soft_ms: watchdog.softMs, hard_ms: watchdog.hardMs, alarms: watchdog.alarms },
            counts: await introspection.counts(onError),
            pending_approvals: await introspection.pendingApprovals(onError),
            event_log: { head_seq: await headSeq(deps) },
          };
        },
      );
    }
  };

/** An unreachable store is a fact to report here, not a reason to fail the status request. */
async function storeHealth(deps: AppDeps, onError: (e: unknown) => void) {
  try {
    const m = await deps.store.migrationStatus();
    return { kind: deps.store.kind, healthy: true, migrations_pending: [...m.pending] };
  } catch (e) {
    onError(e);
    return { kind: deps.store.kind, healthy: false, migrations_pending: [] };
  }
}

/** The committed head when the store answers, else the newest event this instance has read. */
const headSeq = (deps: AppDeps): Promise<number> => deps.store.headSeq().catch(() => deps.hub.head);

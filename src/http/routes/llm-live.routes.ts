import { Type } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { WebSocket } from 'ws';
import type { EventFilter } from '../../domain/event.js';
import type { Failure } from '../../domain/errors.js';
import { readScope, type ActionSpec } from '../../domain/policy.js';
import { statusView } from '../../engine/runs/run-views.js';
import type { AppDeps } from '../app-deps.js';
import { guardOf } from '../streams/token-watch.js';
import { webSocketOnly } from '../streams/ws-subject.js';
import { ERROR_STATUS } from '../error-status.js';
import { callerOf } from '../llm-envelope.js';
import { openRunLiveStream } from '../streams/run-live-stream.js';
import { resumePoint } from './events.routes.js';
import {
  FactoryEventFrame,
  FactorySnapshotFrame,
  HelloFrame,
  LIVE_STREAM_DESCRIPTION,
  LiveQuery,
  type RunStatusView,
} from '../../contract/run-live.js';

const plainHttp = webSocketOnly('/llm/live');

const LIVE_READ: ActionSpec = { name: 'runs.read', access: 'read' };

/** A refusal after the upgrade: an `error` frame, then close code 4000 + the HTTP status (4404: no such run). */
function refuse(socket: WebSocket, f: Failure): void {
  socket.send(JSON.stringify({ type: 'error', code: f.code, message: f.reason }));
  // A close reason may hold at most 123 bytes.
  socket.close(4000 + ERROR_STATUS[f.code], Buffer.from(f.reason).subarray(0, 120).toString());
}

/**
 * `WS /llm/live`: the LLM live bus. Run events as `factory.event` frames, each followed by the run's
 * status aggregate as a `factory.snapshot` frame; `?run_id=` narrows to one run (and a snapshot of it
 * comes right after `hello`), `?after=<seq>` resumes (beyond the log's head: closed 4400).
 * A tenant token sees its tenant's runs; the admin token sees every run.
 */
export const llmLiveRoutes =
  (deps: AppDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.route({
      method: 'GET',
      url: '/llm/live',
      schema: {
        tags: ['llm factory'],
        summary:
          'Live run events and status snapshots (WebSocket only): factory.event, factory.snapshot, heartbeat.',
        querystring: LiveQuery,
        response: {
          101: {
            description: LIVE_STREAM_DESCRIPTION,
            content: {
              'application/json': {
                schema: Type.Union([HelloFrame, FactoryEventFrame, FactorySnapshotFrame]),
              },
            },
          },
        },
      },
      config: { action: LIVE_READ },
      handler: (req, reply) => {
        plainHttp(req, reply);
      },
      wsHandler: async (socket: WebSocket, req) => {
        if (deps.lifecycle.shuttingDown) {
          socket.close(1001, 'shutting_down');
          return;
        }
        // Taken before any await: events committed while the run is checked are not missed.
        const after = resumePoint(req, deps.hub.head);
        const runId = (req.query as { run_id?: string }).run_id ?? null;
        const caller = callerOf(req, deps.access);
        if (after > deps.hub.head) {
          // This instance may not have read the newest events yet (another instance wrote them): look again.
          await deps.hub.settle();
          if (after > deps.hub.head) {
            refuse(socket, {
              code: 'invalid_request',
              reason: `after=${after} is beyond the head of the event log (${deps.hub.head})`,
              details: { field: 'querystring.after' },
            });
            return;
          }
        }
        let initial: RunStatusView | null = null;
        if (runId !== null) {
          const found = await deps.runs.get(runId, caller);
          if (!found.ok) {
            refuse(socket, found.error);
            return;
          }
          // Read after `after` was taken: at least as new as the resume point, so the client starts from
          // the run as it stands and the events that follow bring it forward.
          initial = statusView(found.value);
        }
        if (socket.readyState !== socket.OPEN) return;
        const tenant = readScope(caller.principal);
        const filter: EventFilter = {
          subjectKind: 'run',
          ...(runId === null ? {} : { subjectId: runId }),
          ...(tenant === undefined ? {} : { tenant }),
        };
        openRunLiveStream(
          socket,
          {
            hub: deps.hub,
            guard: guardOf(deps.access, req),
            heartbeatMs: deps.heartbeatMs,
            bufferLimitBytes: deps.streamBufferBytes,
            snapshot: async (id) => {
              const r = await deps.runs.get(id, caller);
              return r.ok ? statusView(r.value) : null;
            },
            onError: (e) => req.log.error({ err: e }, 'run live stream: snapshot read failed'),
          },
          after,
          filter,
          runId,
          initial,
        );
      },
    });
  };

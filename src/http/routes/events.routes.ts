import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { EventsQuery, EventsStream } from '../../contract/operator.js';
import type { EventFilter } from '../../domain/event.js';
import { readScope, type ActionSpec } from '../../domain/policy.js';
import type { AppDeps } from '../app-deps.js';
import { guardOf } from '../streams/token-watch.js';
import { sendFailure } from '../errors.js';
import { openSseStream, openWsStream, type StreamOptions } from '../streams/streams.js';

const READ_EVENTS: ActionSpec = { name: 'events.read', access: 'read' };

const scoped = (tenant: string | undefined) => (tenant === undefined ? {} : { tenant });

function filterOf(req: FastifyRequest): EventFilter {
  const q = req.query as { subject_kind?: string; subject_id?: string; type?: string };
  const p = req.principal;
  return {
    ...(q.subject_kind === undefined ? {} : { subjectKind: q.subject_kind }),
    ...(q.subject_id === undefined ? {} : { subjectId: q.subject_id }),
    ...(q.type === undefined
      ? {}
      : {
          types: q.type
            .split(',')
            .map((t) => t.trim())
            .filter(Boolean),
        }),
    // A tenant token sees its tenant's events only.
    ...(p === null ? {} : scoped(readScope(p))),
  };
}

/** `Last-Event-ID` (set by a reconnecting EventSource) wins over `?after=`; neither means "from now on". */
export function resumePoint(req: FastifyRequest, head: number): number {
  const header = req.headers['last-event-id'];
  if (typeof header === 'string' && /^\d+$/.test(header.trim())) return Number(header.trim());
  const after = (req.query as { after?: number }).after;
  return after ?? head;
}

export const eventsRoutes =
  (deps: AppDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const options = (req: FastifyRequest): StreamOptions => ({
      guard: guardOf(deps.access, req),
      hub: deps.hub,
      heartbeatMs: deps.heartbeatMs,
      bufferLimitBytes: deps.streamBufferBytes,
    });
    app.route({
      method: 'GET',
      url: '/events',
      schema: {
        tags: ['operator'],
        summary: 'The event log as a live stream: Server-Sent Events, or a WebSocket on the same path.',
        querystring: EventsQuery,
        response: { 200: EventsStream },
      },
      config: { action: READ_EVENTS },
      handler: (req, reply) => {
        if (deps.lifecycle.shuttingDown)
          return sendFailure(req, reply, { code: 'unavailable', reason: 'shutting down' });
        openSseStream(req, reply, options(req), resumePoint(req, deps.hub.head), filterOf(req));
        return reply;
      },
      wsHandler: (socket: WebSocket, req) => {
        if (deps.lifecycle.shuttingDown) {
          socket.close(1001, 'shutting_down');
          return;
        }
        openWsStream(socket, options(req), resumePoint(req, deps.hub.head), filterOf(req));
      },
    });
  };

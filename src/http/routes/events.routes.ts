import { Type } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { EventFilter } from '../../domain/event.js';
import type { ActionSpec } from '../../domain/policy.js';
import type { AppDeps } from '../app.js';
import { sendFailure } from '../errors.js';
import { openSseStream, openWsStream, type StreamOptions } from '../streams.js';
import { guardOf } from '../token-watch.js';

const EventsQuery = Type.Object(
  {
    after: Type.Optional(
      Type.Integer({ minimum: 0, description: 'Deliver events with seq greater than this.' }),
    ),
    subject_kind: Type.Optional(Type.String({ minLength: 1 })),
    subject_id: Type.Optional(Type.String({ minLength: 1 })),
    type: Type.Optional(Type.String({ minLength: 1, description: 'Comma-separated event types.' })),
    token: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const READ_EVENTS: ActionSpec = { name: 'events.read', access: 'read' };

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
    ...(p?.kind === 'tenant' ? { tenant: p.tenant } : {}),
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
      hub: deps.hub,
      heartbeatMs: deps.heartbeatMs,
      bufferLimitBytes: deps.streamBufferBytes,
      guard: guardOf(deps.access, req),
    });
    app.route({
      method: 'GET',
      url: '/events',
      schema: {
        tags: ['operator'],
        summary: 'The event log as a live stream: Server-Sent Events, or a WebSocket on the same path.',
        querystring: EventsQuery,
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

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { EventHub } from '../../engine/event-hub.js';
import { sendFailure } from '../errors.js';
import { resumePoint } from '../routes/events.routes.js';
import { refuseWs } from './streams.js';

/** The plain-HTTP answer of a route that is a WebSocket endpoint only. */
export const webSocketOnly =
  (url: string) =>
  (req: FastifyRequest, reply: FastifyReply): FastifyReply =>
    sendFailure(req, reply, {
      code: 'invalid_request',
      reason: `${url} is a WebSocket endpoint: connect with Upgrade: websocket`,
    });

/**
 * How every stream of one subject (a cell, an organ) opens: refused while the server shuts down; the
 * resume point taken before any await, so that nothing committed while the subject is read is missed;
 * then the subject read — a failed read closes with 1011, an unknown subject is refused with 4404.
 * Resolves to what was read and the resume point, or to null when the stream has already ended.
 */
export async function openSubjectStream<T>(
  socket: WebSocket,
  req: FastifyRequest,
  deps: { readonly hub: EventHub; readonly lifecycle: { readonly shuttingDown: boolean } },
  subject: string,
  read: (after: number) => Promise<T | null>,
): Promise<{ readonly value: T; readonly after: number } | null> {
  if (deps.lifecycle.shuttingDown) {
    socket.close(1001, 'shutting_down');
    return null;
  }
  const after = resumePoint(req, deps.hub.head);
  let value: T | null;
  try {
    value = await read(after);
  } catch (e) {
    req.log.error({ err: e }, `${subject} stream: reading the ${subject} failed`);
    socket.close(1011, 'read_failed');
    return null;
  }
  if (value === null) {
    refuseWs(socket, { code: 'not_found', reason: `no ${subject} ${(req.params as { id: string }).id}` });
    return null;
  }
  return socket.readyState === socket.OPEN ? { value, after } : null;
}

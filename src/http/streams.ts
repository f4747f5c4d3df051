import type { FastifyReply, FastifyRequest } from 'fastify';
import { once } from 'node:events';
import type { WebSocket } from 'ws';
import { toPublicEvent, type EventFilter, type EventRecord } from '../domain/event.js';
import type { EventHub, SubscriberSink } from '../engine/event-hub.js';

export interface StreamOptions {
  readonly hub: EventHub;
  readonly heartbeatMs: number;
  readonly bufferLimitBytes: number;
}

/** Close code for a WebSocket client that fell too far behind; it may reconnect and resume. */
export const WS_CLOSE_SLOW_CONSUMER = 4008;

/** Why a stream ended, sent as its last frame so the client knows how to resume. */
export interface StreamEnd {
  readonly reason: 'slow_consumer' | 'shutting_down' | 'read_failed';
  readonly resume_after: number;
}

/**
 * The hub hands a client a whole page of events within one tick, so its unsent bytes may pass the limit
 * during a burst. What counts is the backlog at the start of a burst: a client still over the limit when
 * the next burst comes has not drained since, so it is too slow. Memory per client stays below the limit
 * plus one page.
 */
function slowConsumerCheck(limitBytes: number): (unsent: () => number) => boolean {
  let inBurst = false;
  return (unsent) => {
    if (inBurst) return false;
    inBurst = true;
    setImmediate(() => (inBurst = false));
    return unsent() > limitBytes;
  };
}

/**
 * Server-Sent Events: `id` is the event's seq, so a reconnecting EventSource resumes by itself through
 * `Last-Event-ID`. Heartbeats are comments. A client whose unsent bytes pass the limit gets a final
 * `fabrica.close` event and the connection is closed; nothing it missed is lost, since it can resume.
 */
export function openSseStream(
  req: FastifyRequest,
  reply: FastifyReply,
  opts: StreamOptions,
  after: number,
  filter: EventFilter,
): void {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-request-id': req.id,
  });
  res.write(`retry: 2000\n: stream open after=${after} head=${opts.hub.head}\n\n`);
  let last = after;
  let ended = false;
  const tooSlow = slowConsumerCheck(opts.bufferLimitBytes);
  const finish = (end: StreamEnd | null) => {
    if (ended) return;
    ended = true;
    clearInterval(heartbeat);
    sub.close();
    if (end !== null && !res.destroyed) {
      res.write(`event: fabrica.close\ndata: ${JSON.stringify(end)}\n\n`);
      res.end();
      // A client that reads nothing would hold the buffered bytes forever.
      setTimeout(() => res.destroy(), 5000).unref();
    }
  };
  const sink: SubscriberSink = {
    deliver: (e: EventRecord) => {
      if (ended) return false;
      if (tooSlow(() => res.writableLength)) {
        finish({ reason: 'slow_consumer', resume_after: last });
        return false;
      }
      res.write(`id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(toPublicEvent(e))}\n\n`);
      last = e.seq;
      return true;
    },
    ready: async () => {
      if (res.writableNeedDrain && !ended) await once(res, 'drain');
    },
    end: (reason) =>
      finish({ reason: reason === 'read_failed' ? 'read_failed' : 'shutting_down', resume_after: last }),
  };
  const sub = opts.hub.subscribe(after, filter, sink);
  const heartbeat = setInterval(() => {
    if (!ended) res.write(`: heartbeat head=${opts.hub.head}\n\n`);
  }, opts.heartbeatMs);
  heartbeat.unref();
  res.on('close', () => finish(null));
}

/**
 * WebSocket: every frame is JSON — `{type: "event", event}`, `{type: "heartbeat", head}`, and a last
 * `{type: "close", reason, resume_after}` before the server closes (code 4008 for a slow consumer).
 */
export function openWsStream(
  socket: WebSocket,
  opts: StreamOptions,
  after: number,
  filter: EventFilter,
): void {
  let last = after;
  let ended = false;
  const tooSlow = slowConsumerCheck(opts.bufferLimitBytes);
  const finish = (end: StreamEnd | null) => {
    if (ended) return;
    ended = true;
    clearInterval(heartbeat);
    sub.close();
    if (end !== null && socket.readyState === socket.OPEN) {
      socket.send(JSON.stringify({ type: 'close', ...end }));
      const code =
        end.reason === 'slow_consumer'
          ? WS_CLOSE_SLOW_CONSUMER
          : end.reason === 'shutting_down'
            ? 1001
            : 1011;
      socket.close(code, end.reason);
      setTimeout(() => socket.terminate(), 5000).unref();
    }
  };
  const sink: SubscriberSink = {
    deliver: (e) => {
      if (ended || socket.readyState !== socket.OPEN) return false;
      if (tooSlow(() => socket.bufferedAmount)) {
        finish({ reason: 'slow_consumer', resume_after: last });
        return false;
      }
      socket.send(JSON.stringify({ type: 'event', event: toPublicEvent(e) }));
      last = e.seq;
      return true;
    },
    ready: async () => {
      while (!ended && socket.bufferedAmount > opts.bufferLimitBytes / 2) {
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    end: (reason) =>
      finish({ reason: reason === 'read_failed' ? 'read_failed' : 'shutting_down', resume_after: last }),
  };
  socket.send(JSON.stringify({ type: 'hello', after, head: opts.hub.head }));
  const sub = opts.hub.subscribe(after, filter, sink);
  const heartbeat = setInterval(() => {
    if (!ended && socket.readyState === socket.OPEN) {
      socket.send(JSON.stringify({ type: 'heartbeat', head: opts.hub.head }));
      socket.ping();
    }
  }, opts.heartbeatMs);
  heartbeat.unref();
  socket.on('close', () => finish(null));
  socket.on('error', () => finish(null));
}

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { toPublicEvent, type EventFilter, type EventRecord } from '../../domain/event.js';
import type { Failure } from '../../domain/errors.js';
import type { EventHub, SubscriberSink, Subscription } from '../../engine/event-hub.js';
import { ERROR_STATUS } from '../error-status.js';
import { SseOutbox } from './sse-outbox.js';
import type { StreamGuard, TokenEndReason } from './token-watch.js';

export interface StreamOptions {
  readonly hub: EventHub;
  readonly heartbeatMs: number;
  readonly bufferLimitBytes: number;
  /** Ends the stream when its token is revoked or expires, or no longer allows it (token-watch.ts). */
  readonly guard?: StreamGuard | undefined;
}

/** Close code for a WebSocket client that fell too far behind; it may reconnect and resume. */
export const WS_CLOSE_SLOW_CONSUMER = 4008;
/** Close code for a stream whose token was revoked or expired, or no longer allows it: 4000 + 401. */
export const WS_CLOSE_TOKEN = 4401;

/** Why a stream ended, sent as its last frame so the client knows how to resume. */
export interface StreamEnd {
  readonly reason: 'slow_consumer' | 'shutting_down' | 'read_failed' | TokenEndReason;
  readonly resume_after: number;
}

/** The end reason the hub gives a sink, as a stream tells its client. */
export const endReasonOf = (reason: string): StreamEnd['reason'] =>
  reason === 'read_failed' ? 'read_failed' : 'shutting_down';

/**
 * The hub hands a client a whole page of events within one tick, so its unsent bytes may pass the limit
 * during a burst. What counts is the backlog at the start of a burst: a client still over the limit when
 * the next burst comes has not drained since, so it is too slow. Memory per client stays below the limit
 * plus one page.
 */
function slowConsumerCheck(limitBytes: number): (unsent: () => number) => boolean {
  let checkedIn = -1;
  return (unsent) => {
    const burst = currentBurst();
    if (checkedIn === burst) return false;
    checkedIn = burst;
    return unsent() > limitBytes;
  };
}

let burst = 0;
let burstEnding = false;

/** A number that moves on once per turn of the event loop: one timer for every stream, not one each. */
function currentBurst(): number {
  if (!burstEnding) {
    burstEnding = true;
    setImmediate(() => {
      burst += 1;
      burstEnding = false;
    });
  }
  return burst;
}

/** Resolves when the socket can take more, or is gone (a catch-up must not wait for a closed client). */
function drainedOrClosed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
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
  const head = req.method === 'HEAD';
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    ...(head ? {} : { connection: 'keep-alive' }),
    'x-accel-buffering': 'no',
    'x-request-id': req.id,
  });
  // HEAD asks for the headers only: a stream has no end to wait for.
  if (head) {
    res.end();
    return;
  }
  res.write(`retry: 2000\n: stream open after=${after} head=${opts.hub.head}\n\n`);
  // That write put the headers in the socket's queue: events may now go to the socket itself.
  const outbox = res.socket === null ? null : new SseOutbox(res.socket, res.chunkedEncoding);
  let last = after;
  let ended = false;
  // Set once the stream is open; a stream that ended while subscribing has nothing to watch.
  let unwatch: (() => void) | undefined;
  const tooSlow = slowConsumerCheck(opts.bufferLimitBytes);
  const finish = (end: StreamEnd | null) => {
    if (ended) return;
    ended = true;
    clearInterval(heartbeat);
    unwatch?.();
    sub.close();
    if (end !== null && !res.destroyed) {
      outbox?.flush();
      res.write(`event: fabrica.close\ndata: ${JSON.stringify(end)}\n\n`);
      res.end();
      // A client that reads nothing would hold the buffered bytes forever.
      setTimeout(() => res.destroy(), 5000).unref();
    } else {
      outbox?.drop();
    }
  };
  const sink: SubscriberSink = {
    deliver: (e: EventRecord, shared: boolean) => {
      if (ended || outbox === null) return false;
      if (tooSlow(() => res.writableLength + outbox.pendingBytes)) {
        finish({ reason: 'slow_consumer', resume_after: last });
        return false;
      }
      outbox.add(e, shared);
      last = e.seq;
      return true;
    },
    ready: async () => {
      outbox?.flush();
      const socket = res.socket;
      if (socket !== null && socket.writableNeedDrain && !ended) await drainedOrClosed(socket);
    },
    end: (reason) => finish({ reason: endReasonOf(reason), resume_after: last }),
  };
  const sub = opts.hub.subscribe(after, filter, sink);
  if (!ended) unwatch = opts.guard?.((reason) => finish({ reason, resume_after: last }));
  const heartbeat = setInterval(() => {
    if (ended) return;
    outbox?.flush();
    res.write(`: heartbeat head=${opts.hub.head}\n\n`);
  }, opts.heartbeatMs);
  heartbeat.unref();
  res.on('close', () => finish(null));
}

/** A WebSocket stream seen from the code that feeds it. */
export interface WsChannel {
  /** True once the stream has ended, by either side. */
  readonly ended: boolean;
  /** Sends one JSON frame (nothing once the stream has ended). */
  send(frame: unknown): void;
  /**
   * The slow-consumer check, made before each delivery: true when the client is too slow. `pendingBytes`
   * counts what the feeder accepted but has not sent yet.
   */
  tooSlow(pendingBytes?: number): boolean;
  /** Resolves once the client's backlog (plus `pendingBytes()`) is below half the limit (or the stream ended). */
  drained(pendingBytes?: () => number): Promise<void>;
  /** Ends the stream; with a reason, the client gets a last `close` frame and the fitting close code. */
  finish(end: StreamEnd | null): void;
}

const wsCloseCode = (reason: StreamEnd['reason']): number =>
  reason === 'slow_consumer'
    ? WS_CLOSE_SLOW_CONSUMER
    : reason === 'shutting_down'
      ? 1001
      : reason === 'read_failed'
        ? 1011
        : WS_CLOSE_TOKEN;

/**
 * What every WebSocket stream shares: JSON frames, `{type: "heartbeat", head}` (and a ping) every
 * heartbeat interval, the slow-consumer rule, and a clean end: a last `{type: "close", reason,
 * resume_after}` frame before the server closes (code 4008 for a slow consumer, 1001 on shutdown, 1011
 * when the log could not be read, 4401 when its token no longer allows it). `onEnd` runs once, however the
 * stream ends. `resumeAfter` tells a token end which seq the client last got.
 */
export function openWsChannel(
  socket: WebSocket,
  opts: StreamOptions,
  onEnd: () => void,
  resumeAfter: () => number = () => 0,
): WsChannel {
  let ended = false;
  let unwatch: (() => void) | undefined;
  const slow = slowConsumerCheck(opts.bufferLimitBytes);
  const open = () => !ended && socket.readyState === socket.OPEN;
  const heartbeat = setInterval(() => {
    if (open()) {
      socket.send(JSON.stringify({ type: 'heartbeat', head: opts.hub.head }));
      socket.ping();
    }
  }, opts.heartbeatMs);
  heartbeat.unref();
  const channel: WsChannel = {
    get ended() {
      return !open();
    },
    send: (frame) => {
      if (open()) socket.send(JSON.stringify(frame));
    },
    tooSlow: (pendingBytes = 0) => slow(() => socket.bufferedAmount + pendingBytes),
    drained: async (pendingBytes = () => 0) => {
      while (!ended && socket.bufferedAmount + pendingBytes() > opts.bufferLimitBytes / 2) {
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    finish: (end) => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      unwatch?.();
      onEnd();
      if (end !== null && socket.readyState === socket.OPEN) {
        socket.send(JSON.stringify({ type: 'close', ...end }));
        socket.close(wsCloseCode(end.reason), end.reason);
        setTimeout(() => socket.terminate(), 5000).unref();
      }
    },
  };
  socket.on('close', () => channel.finish(null));
  socket.on('error', () => channel.finish(null));
  if (socket.readyState !== socket.OPEN) channel.finish(null);
  else unwatch = opts.guard?.((reason) => channel.finish({ reason, resume_after: resumeAfter() }));
  return channel;
}

/**
 * A WebSocket stream of one JSON frame per event: `first` at once, then `toFrame(e)` for each event after
 * `after` that matches `filter` (seq order, no gap, no duplicate), with the heartbeats, the slow-consumer
 * rule and the clean end of every WebSocket stream (`openWsChannel`); `resume_after` in the last frame is
 * the seq of the last event sent. For frames that need no store read (those that do send from a queue,
 * as `openCellStream` does).
 */
export function openWsEventFrames(
  socket: WebSocket,
  opts: StreamOptions,
  after: number,
  filter: EventFilter,
  first: unknown,
  toFrame: (e: EventRecord) => unknown,
): void {
  let last = after;
  let sub: Subscription | null = null;
  const channel = openWsChannel(
    socket,
    opts,
    () => sub?.close(),
    () => last,
  );
  const sink: SubscriberSink = {
    deliver: (e) => {
      if (channel.ended) return false;
      if (channel.tooSlow()) {
        channel.finish({ reason: 'slow_consumer', resume_after: last });
        return false;
      }
      channel.send(toFrame(e));
      last = e.seq;
      return true;
    },
    ready: () => channel.drained(),
    end: (reason) => channel.finish({ reason: endReasonOf(reason), resume_after: last }),
  };
  channel.send(first);
  sub = opts.hub.subscribe(after, filter, sink);
  if (channel.ended) sub.close();
}

/**
 * WebSocket: every frame is JSON — `{type: "hello", after, head}` first, then `{type: "event", event}`,
 * `{type: "heartbeat", head}`, and a last `{type: "close", reason, resume_after}` before the server closes
 * (code 4008 for a slow consumer).
 */
export function openWsStream(
  socket: WebSocket,
  opts: StreamOptions,
  after: number,
  filter: EventFilter,
): void {
  openWsEventFrames(socket, opts, after, filter, { type: 'hello', after, head: opts.hub.head }, (e) => ({
    type: 'event',
    event: toPublicEvent(e),
  }));
}

/**
 * Refuses a WebSocket after the upgrade (the subject is unknown, say): an `{type: "error", code, message}`
 * frame, then close code 4000 + the HTTP status of the code (4404: not found) with the reason.
 */
export function refuseWs(socket: WebSocket, f: Failure): void {
  socket.send(JSON.stringify({ type: 'error', code: f.code, message: f.reason }));
  // A close reason may hold at most 123 bytes.
  socket.close(4000 + ERROR_STATUS[f.code], Buffer.from(f.reason).subarray(0, 120).toString());
}

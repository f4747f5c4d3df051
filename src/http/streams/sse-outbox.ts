import type { Socket } from 'node:net';
import { toPublicEvent, type EventRecord } from '../../domain/event.js';

/**
 * Each event's SSE frame as bytes, built once however many clients it goes to (the hub hands all of them
 * the same record): plain, and framed as one HTTP/1.1 chunk. Clients' frames go to their sockets as they
 * are: no string to encode and no chunk header to make per client and event.
 */
const frames = new WeakMap<EventRecord, { plain: Buffer; chunk: Buffer }>();
const CRLF = Buffer.from('\r\n');

export function sseFrame(e: EventRecord, chunked: boolean): Buffer {
  let frame = frames.get(e);
  if (frame === undefined) {
    const plain = Buffer.from(
      `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(toPublicEvent(e))}\n\n`,
    );
    frame = { plain, chunk: Buffer.concat([Buffer.from(`${plain.length.toString(16)}\r\n`), plain, CRLF]) };
    frames.set(e, frame);
  }
  return chunked ? frame.chunk : frame.plain;
}

/** Outboxes with frames waiting, flushed together once the current tick's work is done. */
const due: SseOutbox[] = [];

function flushDue(): void {
  // An outbox flushed early (before a heartbeat, say) is still listed: flushing it again is a no-op.
  for (const outbox of due.splice(0)) outbox.flush();
}

/**
 * One SSE client's frames of the current tick, written to its socket in one system call when the tick's
 * work is done. The hub hands events a commit (or a page) at a time; with a hundred clients, one write
 * per client per tick instead of one per client and event, and one scheduled flush for all of them,
 * is most of what fan-out costs the server.
 *
 * Frames go to the response's socket itself, framed as the response's body is (HTTP/1.1 chunks, or
 * plain for an HTTP/1.0 client): the response's headers must already be on their way. Anything the
 * stream writes through the response (heartbeats, the closing frame) must `flush()` first, so that the
 * socket sees everything in order.
 */
export class SseOutbox {
  readonly #socket: Socket;
  readonly #chunked: boolean;
  #frames: Buffer[] = [];
  #bytes = 0;

  constructor(socket: Socket, chunked: boolean) {
    this.#socket = socket;
    this.#chunked = chunked;
  }

  /** Bytes added but not yet handed to the socket. */
  get pendingBytes(): number {
    return this.#bytes;
  }

  add(e: EventRecord): void {
    const frame = sseFrame(e, this.#chunked);
    if (this.#frames.length === 0 && due.push(this) === 1) process.nextTick(flushDue);
    this.#frames.push(frame);
    this.#bytes += frame.length;
  }

  flush(): void {
    const pending = this.#frames;
    if (pending.length === 0) return;
    this.#frames = [];
    this.#bytes = 0;
    if (this.#socket.destroyed) return;
    this.#socket.write(pending.length === 1 ? pending[0]! : Buffer.concat(pending));
  }

  /** Forgets what is waiting (the client is gone). */
  drop(): void {
    this.#frames = [];
    this.#bytes = 0;
  }
}

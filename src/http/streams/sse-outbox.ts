import type { Socket } from 'node:net';
import { toPublicEvent, type EventRecord } from '../../domain/event.js';

/**
 * Each live event's SSE frame as bytes, built once however many clients it goes to (the hub hands all
 * of them the same record): plain, and framed as one HTTP/1.1 chunk. Clients' frames go to their sockets
 * as they are: no string to encode and no chunk header to make per client and event.
 */
const frames = new WeakMap<EventRecord, { plain: Buffer; chunk: Buffer }>();
const CRLF = Buffer.from('\r\n');

function frameText(e: EventRecord): string {
  return `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(toPublicEvent(e))}\n\n`;
}

export function sseFrame(e: EventRecord, chunked: boolean): Buffer {
  let frame = frames.get(e);
  if (frame === undefined) {
    const plain = Buffer.from(frameText(e));
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
  /** Frames in order: shared live frames as bytes, this client's own (catch-up) frames as text. */
  #frames: (Buffer | string)[] = [];
  #bytes = 0;

  constructor(socket: Socket, chunked: boolean) {
    this.#socket = socket;
    this.#chunked = chunked;
  }

  /** Bytes added but not yet handed to the socket. */
  get pendingBytes(): number {
    return this.#bytes;
  }

  /**
   * `shared`: the hub hands this record to every live client, so its bytes are built once and cached.
   * A record of this client's own catch-up is kept as text and written with the rest of its page as one
   * string: replaying a long log makes no small Buffer per event. Those would come from Node's 8 KiB
   * pool slabs (malloc), freed only when V8 next collects, which it does for memory outside its heap
   * only after some 64 MiB of it: under replays the allocator's heap grew by that much and kept it.
   */
  add(e: EventRecord, shared: boolean): void {
    if (this.#frames.length === 0 && due.push(this) === 1) process.nextTick(flushDue);
    if (shared) {
      const frame = sseFrame(e, this.#chunked);
      this.#frames.push(frame);
      this.#bytes += frame.length;
      return;
    }
    const text = frameText(e);
    const last = this.#frames.length - 1;
    if (typeof this.#frames[last] === 'string') this.#frames[last] += text;
    else this.#frames.push(text);
    this.#bytes += Buffer.byteLength(text);
  }

  flush(): void {
    const pending = this.#frames;
    if (pending.length === 0) return;
    this.#frames = [];
    this.#bytes = 0;
    if (this.#socket.destroyed) return;
    if (pending.every((f) => typeof f !== 'string')) {
      this.#socket.write(pending.length === 1 ? pending[0]! : Buffer.concat(pending));
      return;
    }
    // Text goes to the socket as text: it is encoded into a buffer freed when the write completes.
    this.#socket.cork();
    for (const f of pending) {
      if (typeof f !== 'string') this.#socket.write(f);
      else if (this.#chunked) this.#socket.write(`${Buffer.byteLength(f).toString(16)}\r\n${f}\r\n`);
      else this.#socket.write(f);
    }
    this.#socket.uncork();
  }

  /** Forgets what is waiting (the client is gone). */
  drop(): void {
    this.#frames = [];
    this.#bytes = 0;
  }
}

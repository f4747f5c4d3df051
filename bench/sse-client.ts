import http from 'node:http';
import { nowMs } from './stats.js';

/** What one subscriber saw: the seq of every `bench.tick` event, in arrival order, and its latency. */
export interface SubscriberTrace {
  readonly seqs: Float64Array;
  /** Arrival time minus the producer's publish timestamp (`data.t`), in ms. */
  readonly latencies: Float64Array;
  /** Arrival times on the process-wide monotonic clock, to compare with commit times. */
  readonly arrivals: Float64Array;
  /** Why the stream ended early (server `fabrica.close` frame or socket error), if it did. */
  readonly ended: string | null;
}

const TICK = 'bench.tick';
const PUBLISHED_AT = '"data":{"t":';

/**
 * The producer's timestamp (`data.t`) of a tick's public event. The event's other fields are the server's
 * business, so only that number is read; anything shaped otherwise is parsed whole.
 */
function publishedAt(json: string): number {
  const at = json.indexOf(PUBLISHED_AT);
  if (at !== -1) {
    const from = at + PUBLISHED_AT.length;
    const t = Number(json.slice(from, json.indexOf('}', from)));
    if (Number.isFinite(t)) return t;
  }
  return (JSON.parse(json) as { data: { t: number } }).data.t;
}

class Subscriber {
  readonly seqs: number[] = [];
  readonly latencies: number[] = [];
  readonly arrivals: number[] = [];
  ended: string | null = null;
  lastSeq = 0;
  #buffer = '';
  #req: http.ClientRequest | null = null;

  /** Resolves once the server has sent the stream's opening comment. */
  open(url: string, token: string, agent: http.Agent): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = http.get(
        `${url}/events`,
        { agent, headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` } },
        (res) => {
          if (res.statusCode !== 200) {
            reject(new Error(`GET /events answered ${res.statusCode}`));
            res.resume();
            return;
          }
          res.setEncoding('utf8');
          let opened = false;
          res.on('data', (chunk: string) => {
            this.#take(chunk, nowMs());
            if (!opened && this.#buffer === '') {
              opened = true;
              resolve();
            }
          });
          res.on('end', () => (this.ended ??= 'server ended the stream'));
        },
      );
      req.on('error', (e) => {
        this.ended ??= `socket error: ${e.message}`;
        reject(e);
      });
      this.#req = req;
    });
  }

  /** Splits the text into SSE frames (blank-line separated) and records each `bench.tick` event. */
  #take(chunk: string, at: number): void {
    this.#buffer += chunk;
    let end = this.#buffer.indexOf('\n\n');
    while (end !== -1) {
      const frame = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      this.#frame(frame, at);
      end = this.#buffer.indexOf('\n\n');
    }
  }

  #frame(frame: string, at: number): void {
    let id: string | null = null;
    let event = 'message';
    let data = '';
    // Line by line without splitting: this parser shares the machine with the server it measures.
    for (let start = 0; start < frame.length;) {
      let stop = frame.indexOf('\n', start);
      if (stop === -1) stop = frame.length;
      if (frame.startsWith('id:', start)) id = frame.slice(start + 3, stop).trim();
      else if (frame.startsWith('event:', start)) event = frame.slice(start + 6, stop).trim();
      else if (frame.startsWith('data:', start)) data += frame.slice(start + 5, stop).trimStart();
      start = stop + 1;
    }
    if (event === 'fabrica.close') {
      this.ended = `server closed the stream: ${data}`;
      return;
    }
    if (event !== TICK || id === null) return;
    const seq = Number(id);
    this.seqs.push(seq);
    this.latencies.push(at - publishedAt(data));
    this.arrivals.push(at);
    this.lastSeq = seq;
  }

  close(): void {
    this.#req?.destroy();
  }

  trace(): SubscriberTrace {
    return {
      seqs: Float64Array.from(this.seqs),
      latencies: Float64Array.from(this.latencies),
      arrivals: Float64Array.from(this.arrivals),
      ended: this.ended,
    };
  }
}

/** N plain `node:http` SSE clients on `GET /events`, each on its own connection. */
export class SseSubscribers {
  readonly #subs: Subscriber[];
  readonly #agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });

  constructor(count: number) {
    this.#subs = Array.from({ length: count }, () => new Subscriber());
  }

  async connect(url: string, token: string): Promise<void> {
    await Promise.all(this.#subs.map((s) => s.open(url, token, this.#agent)));
  }

  /** Resolves when every subscriber has seen `lastSeq` (or ended), or when `timeoutMs` has passed. */
  async waitFor(lastSeq: number, timeoutMs: number): Promise<boolean> {
    const deadline = nowMs() + timeoutMs;
    for (;;) {
      if (this.#subs.every((s) => s.lastSeq >= lastSeq || s.ended !== null)) return true;
      if (nowMs() > deadline) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): SubscriberTrace[] {
    for (const s of this.#subs) s.close();
    this.#agent.destroy();
    return this.#subs.map((s) => s.trace());
  }
}

import http from 'node:http';

export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
}

export interface SseClient {
  readonly frames: SseFrame[];
  /** Comment lines (`: heartbeat head=N`, `: stream open …`) in arrival order, without the colon. */
  readonly comments: string[];
  /** Event payloads (frames with an id), parsed. */
  events(): { seq: number; type: string; data: any; subject_id: string }[];
  readonly status: Promise<number>;
  readonly ended: Promise<void>;
  pause(): void;
  resume(): void;
  close(): void;
  waitFor(predicate: (c: SseClient) => boolean, timeoutMs?: number): Promise<void>;
}

/** A minimal EventSource for tests: raw frames, with pause/resume to play a slow consumer. */
export function openSse(url: string, headers: Record<string, string> = {}): SseClient {
  const frames: SseFrame[] = [];
  const comments: string[] = [];
  let res: http.IncomingMessage | null = null;
  let resolveStatus!: (s: number) => void;
  let resolveEnded!: () => void;
  const status = new Promise<number>((r) => (resolveStatus = r));
  const ended = new Promise<void>((r) => (resolveEnded = r));
  const req = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (r) => {
    res = r;
    resolveStatus(r.statusCode ?? 0);
    let buffer = '';
    r.setEncoding('utf8');
    r.on('data', (chunk: string) => {
      buffer += chunk;
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const raw = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const frame: SseFrame = {};
        for (const line of raw.split('\n')) {
          if (line.startsWith(':')) {
            comments.push(line.slice(1).replace(/^ /, ''));
            continue;
          }
          const i = line.indexOf(':');
          const k = line.slice(0, i);
          const v = line.slice(i + 1).replace(/^ /, '');
          if (k === 'id' || k === 'event' || k === 'data') frame[k] = v;
        }
        if (Object.keys(frame).length > 0) frames.push(frame);
      }
    });
    r.on('end', () => resolveEnded());
    r.on('close', () => resolveEnded());
    r.on('error', () => resolveEnded());
  });
  req.on('error', () => resolveEnded());
  const client: SseClient = {
    frames,
    comments,
    events: () => frames.filter((f) => f.id !== undefined).map((f) => JSON.parse(f.data!)),
    status,
    ended,
    pause: () => res?.pause(),
    resume: () => res?.resume(),
    close: () => req.destroy(),
    async waitFor(predicate, timeoutMs = 30_000) {
      const start = Date.now();
      while (!predicate(client)) {
        if (Date.now() - start > timeoutMs) throw new Error(`timed out; ${frames.length} frames so far`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
  return client;
}

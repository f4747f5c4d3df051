import WebSocket from 'ws';
import { ADMIN } from './app.js';

/** A WebSocket client that keeps every JSON frame it receives. */
export interface WsClient {
  readonly ws: WebSocket;
  readonly frames: any[];
  readonly closed: Promise<{ code: number; reason: string }>;
  /** HTTP status when the upgrade was refused. */
  readonly refused: Promise<number>;
  /** The frames but heartbeats. */
  data(): any[];
  /** The `{type: "event"}` frames. */
  events(): any[];
  waitFor(what: string, predicate: (c: WsClient) => boolean, timeoutMs?: number): Promise<void>;
}

/** Connects to `path` on `base` (http://…) with the admin token (`null`: none) as `?token=`. */
export function connectWs(base: string, path: string, query = '', token: string | null = ADMIN): WsClient {
  const q = [query, token === null ? '' : `token=${token}`].filter((x) => x !== '').join('&');
  const ws = new WebSocket(`${base.replace('http', 'ws')}${path}${q === '' ? '' : `?${q}`}`);
  const frames: any[] = [];
  ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
  ws.on('error', () => undefined);
  const closed = new Promise<{ code: number; reason: string }>((r) =>
    ws.on('close', (code, reason) => r({ code, reason: reason.toString() })),
  );
  const refused = new Promise<number>((r) =>
    ws.on('unexpected-response', (_q, res) => r(res.statusCode ?? 0)),
  );
  const c: WsClient = {
    ws,
    frames,
    closed,
    refused,
    data: () => frames.filter((f) => f.type !== 'heartbeat'),
    events: () => frames.filter((f) => f.type === 'event'),
    async waitFor(what, predicate, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(c)) {
        if (Date.now() > deadline) {
          throw new Error(`timed out waiting for ${what}; frames: ${JSON.stringify(c.data())}`);
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
  return c;
}

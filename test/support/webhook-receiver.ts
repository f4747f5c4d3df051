import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One POST as the receiver saw it. */
export interface Received {
  readonly deliveryId: string;
  readonly attempt: number;
  readonly eventType: string;
  readonly signature: string;
  readonly body: string;
  readonly json: any;
  /** What the receiver answered (null: it never answered). */
  status: number | null;
}

/** What to answer the nth request (0-based): a status, or `hang` to never answer. */
export type Respond = (n: number, r: Received) => number | 'hang';

export interface Receiver {
  readonly url: string;
  readonly received: Received[];
  /** Requests answered with a 2xx, in the order they were answered. */
  ok(): Received[];
  /** Requests still open (the receiver is holding them). */
  hanging(): number;
  waitFor(what: string, pred: () => boolean, deadlineMs?: number): Promise<void>;
  close(): Promise<void>;
}

export const validSignature = (secret: string, r: Received): boolean =>
  r.signature === `sha256=${createHmac('sha256', secret).update(r.body).digest('hex')}`;

/** A webhook receiver on loopback that records every request and answers as `respond` says. */
export async function startReceiver(respond: Respond = () => 200): Promise<Receiver> {
  const received: Received[] = [];
  const open = new Set<ServerResponse>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = null;
      }
      const r: Received = {
        deliveryId: String(req.headers['x-fabrica-delivery']),
        attempt: Number(req.headers['x-fabrica-attempt']),
        eventType: String(req.headers['x-fabrica-event']),
        signature: String(req.headers['x-fabrica-signature']),
        body,
        json,
        status: null,
      };
      const n = received.length;
      received.push(r);
      const answer = respond(n, r);
      if (answer === 'hang') {
        open.add(res);
        res.on('close', () => open.delete(res));
        return;
      }
      r.status = answer;
      res.writeHead(answer, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    ok: () => received.filter((r) => r.status !== null && r.status >= 200 && r.status < 300),
    hanging: () => open.size,
    async waitFor(what, pred, deadlineMs = 60_000) {
      const deadline = Date.now() + deadlineMs;
      while (!pred()) {
        if (Date.now() > deadline) {
          throw new Error(
            `receiver: gave up waiting for ${what}; got ${JSON.stringify(received.map((r) => [r.deliveryId, r.attempt, r.status]))}`,
          );
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

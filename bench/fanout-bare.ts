import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { toPublicEvent } from '../src/domain/event.js';
import {
  check,
  mainThreadClients,
  workerClients,
  type Checked,
  type Clients,
  type Produced,
} from './fanout.js';
import type { BenchSettings } from './settings.js';
import { nowMs } from './stats.js';

/** The bare broadcast's side of the fan-out case: what fabrica's figures are set against. */
export interface BareFanoutResult extends Omit<Checked, 'commitToDelivery' | 'publishToCommit'> {
  readonly subscribers: number;
  readonly targetRate: number;
  readonly achievedRate: number;
  readonly produced: number;
  /** Bytes of one event's SSE frame (fabrica's frames for the same event are the same size). */
  readonly frameBytes: number;
  readonly eventLoopUtilization: number;
  readonly cpuMs: number;
}

/**
 * One `bench.tick` event's SSE frame as fabrica writes it (`id`, `event`, and `data` holding the public
 * event: seq, ts, type, subject, tenant, actor, data, hash), built from memory: no store, no hub.
 */
function frame(seq: number, t: number): Buffer {
  const event = toPublicEvent({
    seq,
    ts: new Date().toISOString(),
    type: 'bench.tick',
    subjectKind: 'bench',
    subjectId: 'x',
    tenant: null,
    actor: 'bench',
    data: JSON.stringify({ t }),
    prevHash: '',
    // A SHA-256 in hex, as long as the real chain's.
    hash: seq.toString(16).padStart(64, '0'),
  });
  return Buffer.from(`id: ${seq}\nevent: bench.tick\ndata: ${JSON.stringify(event)}\n\n`);
}

/**
 * The fan-out floor: a bare `node:http` server in this process, as fabrica's is, that keeps the open
 * `GET /events` responses in a list and writes each event's frame (built once) to every one of them the
 * moment it is published. The same subscribers, on the same thread, at the same rate, for the same time
 * as fabrica's fan-out; publish-to-delivery latency is what a broadcast costs on this machine with nothing
 * durable in the way.
 */
export async function runBareFanout(settings: BenchSettings): Promise<BareFanoutResult> {
  const { subscribers, rate, seconds, clients: where } = settings.fanout;
  const open = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/events') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
    });
    res.write('retry: 2000\n: stream open\n\n');
    open.add(res);
    res.on('close', () => open.delete(res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let clients: Clients | null = null;
  try {
    clients = where === 'worker' ? workerClients(url, subscribers) : mainThreadClients(url, subscribers);
    await clients.connected;
    if (open.size < subscribers) throw new Error('not every bare subscriber is live');

    const produced: Produced[] = [];
    let frameBytes = 0;
    const cpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    const start = nowMs();
    let seq = 0;
    while (nowMs() - start < seconds * 1000) {
      const due = Math.floor(((nowMs() - start) * rate) / 1000);
      while (seq < due) {
        seq += 1;
        const t = nowMs();
        const bytes = frame(seq, t);
        frameBytes = bytes.length;
        for (const res of open) res.write(bytes);
        // "Committed" when published: there is no store, so commit-to-delivery is publish-to-delivery.
        produced.push({ seq, t, committedAt: t });
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    const elapsed = nowMs() - start;
    const elu = performance.eventLoopUtilization(elu0).utilization;
    const used = process.cpuUsage(cpu0);
    const { traces } = await clients.finish(seq, 10_000);
    const { commitToDelivery: _c, publishToCommit: _p, ...checked } = check(produced, traces);
    return {
      ...checked,
      subscribers,
      targetRate: rate,
      achievedRate: produced.length / (elapsed / 1000),
      produced: produced.length,
      frameBytes,
      eventLoopUtilization: elu,
      cpuMs: (used.user + used.system) / 1000,
    };
  } finally {
    await clients?.abort();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

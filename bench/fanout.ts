import { performance } from 'node:perf_hooks';
import { nextMessage, startTsWorker } from './ts-worker.js';
import { SseSubscribers, type SubscriberTrace } from './sse-client.js';
import type { WorkerInput, WorkerMessage, WorkerRequest } from './sse-worker.js';
import { BENCH_ADMIN_TOKEN, type BenchSettings } from './settings.js';
import { concat, distribution, nowMs, Samples, type Distribution } from './stats.js';
import { benchFabrica, listen } from './targets.js';

export interface FanoutResult {
  readonly subscribers: number;
  readonly clients: 'worker' | 'main';
  readonly targetRate: number;
  /** Events appended per transaction. */
  readonly batch: number;
  readonly achievedRate: number;
  readonly produced: number;
  /** Publish timestamp (taken just before the transaction) to arrival at the subscriber. */
  readonly publishToDelivery: Distribution;
  /** Commit (the transaction's promise resolved) to arrival at the subscriber. */
  readonly commitToDelivery: Distribution;
  /** Publish timestamp to commit: the store's share. */
  readonly publishToCommit: Distribution;
  readonly delivered: number;
  readonly expected: number;
  readonly missing: number;
  readonly duplicates: number;
  readonly outOfOrder: number;
  readonly endedEarly: readonly string[];
  readonly exactlyOnceInOrder: boolean;
  /** Main-thread (server + producer) event-loop utilization and process CPU during production. */
  readonly eventLoopUtilization: number;
  readonly cpuMs: number;
}

export interface Produced {
  readonly seq: number;
  readonly t: number;
  readonly committedAt: number;
}

/** Caps queued transactions, so a store slower than the target rate shows up as a lower achieved rate. */
const MAX_IN_FLIGHT = 64;

/** Subscribers on a worker thread (default) or on the main thread; either way the same clock. */
export interface Clients {
  connected: Promise<void>;
  finish(lastSeq: number, timeoutMs: number): Promise<{ complete: boolean; traces: SubscriberTrace[] }>;
  /** Drops every connection (and the worker); safe to call after `finish`. */
  abort(): Promise<void>;
}

export function mainThreadClients(url: string, count: number): Clients {
  const subs = new SseSubscribers(count);
  return {
    connected: subs.connect(url, BENCH_ADMIN_TOKEN),
    finish: async (lastSeq, timeoutMs) => {
      const complete = await subs.waitFor(lastSeq, timeoutMs);
      return { complete, traces: subs.close() };
    },
    abort: async () => {
      subs.close();
    },
  };
}

export function workerClients(url: string, count: number): Clients {
  const worker = startTsWorker(new URL('./sse-worker.ts', import.meta.url), {
    url,
    token: BENCH_ADMIN_TOKEN,
    count,
  } satisfies WorkerInput);
  const connected = nextMessage<WorkerMessage>(worker).then((m) => {
    if (m.type !== 'connected') throw new Error(m.type === 'failed' ? m.error : `unexpected ${m.type}`);
  });
  return {
    connected,
    finish: async (lastSeq, timeoutMs) => {
      const m = await nextMessage<WorkerMessage>(worker, {
        type: 'wait',
        lastSeq,
        timeoutMs,
      } satisfies WorkerRequest);
      await worker.terminate();
      if (m.type !== 'done') throw new Error(`unexpected ${m.type}`);
      return { complete: m.complete, traces: m.traces };
    },
    abort: async () => {
      await worker.terminate();
    },
  };
}

/**
 * Event fan-out: N SSE subscribers on a fabrica (SQLite, in this process) while the producer appends
 * `bench.tick` events at the target rate, one transaction per event (or per BENCH_FANOUT_BATCH
 * events). Checks every subscriber got every event exactly once, in order, and measures
 * publish-to-delivery latency.
 */
export async function runFanout(settings: BenchSettings): Promise<FanoutResult> {
  const { subscribers, rate, seconds, batch, clients: where } = settings.fanout;
  const { fabrica, cleanup } = await benchFabrica({});
  let clients: Clients | null = null;
  try {
    const url = await listen(fabrica.app);
    clients = where === 'worker' ? workerClients(url, subscribers) : mainThreadClients(url, subscribers);
    await clients.connected;
    if (fabrica.hub.subscriberCount < subscribers) throw new Error('not every subscriber is live');

    // Events are numbered at commit: the commit listener records each tick's seq and commit time.
    const produced: Produced[] = [];
    const unlisten = fabrica.store.onCommitted(({ appended = [] }) => {
      const committedAt = nowMs();
      for (const e of appended) {
        if (e.type === 'bench.tick')
          produced.push({ seq: e.seq, t: (JSON.parse(e.data) as { t: number }).t, committedAt });
      }
    });
    const cpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    const start = nowMs();
    let issued = 0;
    let inFlight = 0;
    const pending = new Set<Promise<void>>();
    while (nowMs() - start < seconds * 1000) {
      const due = Math.floor(((nowMs() - start) * rate) / 1000);
      while (issued + batch <= due && inFlight < MAX_IN_FLIGHT) {
        issued += batch;
        inFlight += 1;
        const t = nowMs();
        const p = fabrica.store
          .transaction(async (tx) => {
            for (let i = 0; i < batch; i++) {
              await tx.appendEvent({
                type: 'bench.tick',
                subjectKind: 'bench',
                subjectId: 'x',
                actor: 'bench',
                data: { t },
              });
            }
          })
          .finally(() => {
            inFlight -= 1;
            pending.delete(p);
          });
        pending.add(p);
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(pending);
    unlisten();
    const elapsed = nowMs() - start;
    const elu = performance.eventLoopUtilization(elu0).utilization;
    const used = process.cpuUsage(cpu0);

    produced.sort((a, b) => a.seq - b.seq);
    const lastSeq = produced.at(-1)?.seq ?? 0;
    const { traces } = await clients.finish(lastSeq, 10_000);
    return {
      ...check(produced, traces),
      subscribers,
      clients: where,
      targetRate: rate,
      batch,
      achievedRate: produced.length / (elapsed / 1000),
      produced: produced.length,
      eventLoopUtilization: elu,
      cpuMs: (used.user + used.system) / 1000,
    };
  } finally {
    await clients?.abort();
    await cleanup();
  }
}

export type Checked = Pick<
  FanoutResult,
  | 'publishToDelivery'
  | 'commitToDelivery'
  | 'publishToCommit'
  | 'delivered'
  | 'expected'
  | 'missing'
  | 'duplicates'
  | 'outOfOrder'
  | 'endedEarly'
  | 'exactlyOnceInOrder'
>;

/** Compares what each subscriber received with what was committed, and computes the latencies. */
export function check(produced: readonly Produced[], traces: readonly SubscriberTrace[]): Checked {
  const first = produced[0]?.seq ?? 0;
  const span = produced.length === 0 ? 0 : produced.at(-1)!.seq - first + 1;
  const committedAt = new Float64Array(span).fill(NaN);
  for (const p of produced) committedAt[p.seq - first] = p.committedAt;
  let missing = 0;
  let duplicates = 0;
  let outOfOrder = 0;
  let delivered = 0;
  const sinceCommit = new Samples();
  for (const tr of traces) {
    const seen = new Uint8Array(span);
    let prev = -Infinity;
    for (let i = 0; i < tr.seqs.length; i++) {
      const seq = tr.seqs[i]!;
      if (seq <= prev) outOfOrder += 1;
      prev = seq;
      const k = seq - first;
      if (k < 0 || k >= span || Number.isNaN(committedAt[k]!)) continue;
      if (seen[k] === 1) duplicates += 1;
      else delivered += 1;
      seen[k] = 1;
      sinceCommit.push(tr.arrivals[i]! - committedAt[k]!);
    }
    for (const p of produced) if (seen[p.seq - first] !== 1) missing += 1;
  }
  const publishToCommit = Float64Array.from(produced, (p) => p.committedAt - p.t);
  return {
    publishToDelivery: distribution(concat(traces.map((t) => t.latencies))),
    commitToDelivery: distribution(sinceCommit.toArray()),
    publishToCommit: distribution(publishToCommit),
    delivered,
    expected: produced.length * traces.length,
    missing,
    duplicates,
    outOfOrder,
    endedEarly: traces.flatMap((t) => (t.ended === null ? [] : [t.ended])),
    exactlyOnceInOrder: missing === 0 && duplicates === 0 && outOfOrder === 0,
  };
}

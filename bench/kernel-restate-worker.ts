/**
 * Worker-thread entry hosting the Restate peer of the run-kernel benchmark: the SDK service (an HTTP/2
 * endpoint on 127.0.0.1 that the Restate server calls) and the clients that start its invocations
 * through the server's HTTP ingress. Both live here, off fabrica's event loop, so each system runs in a
 * runtime of its own, and each `ctx.run` can be timed as one durable step by the case's meter.
 */
// First: the SDK needs Promise.withResolvers, which Node 20 lacks.
import './promise-with-resolvers.js';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import * as restate from '@restatedev/restate-sdk';
import { Driver, type SliceResult, type Steps } from './kernel-stats.js';

export interface RestateWorkerInput {
  /** The Restate server's HTTP ingress, e.g. `http://127.0.0.1:18080`. */
  readonly ingressUrl: string;
  /** Durable steps per invocation (the DBOS workflow's step count). */
  readonly steps: number;
}
export type RestateWorkerRequest =
  | { type: 'probe'; timeoutMs: number }
  | { type: 'slice'; concurrency: number; seconds: number }
  | { type: 'stop' };
export type RestateWorkerMessage =
  | { type: 'listening'; port: number }
  | { type: 'probed' }
  | { type: 'slice'; result: SliceResult }
  | { type: 'stopped' }
  | { type: 'error'; message: string };

export const SERVICE = 'FabricaKernelBench';
/** What each step returns, journaled by the server: the size of the row a DBOS step writes. */
const PAYLOAD = JSON.stringify({ status: 'passed', summary: 'a small durable row', notes: ['bench'] });

const input = workerData as RestateWorkerInput;
const port = parentPort!;
const post = (m: RestateWorkerMessage) => port.postMessage(m);
const failed = (e: unknown) => post({ type: 'error', message: e instanceof Error ? e.message : String(e) });

/** Invocations find their case's meter by name (an invocation's input is journaled: no objects). */
const meters = new Map<string, Steps>();
const unmetered: Steps = { step: (_kind, work) => work(), read: (work) => work() };

const bench = restate.service({
  name: SERVICE,
  handlers: {
    run: async (ctx: restate.Context, req: { steps: number; meter: string }): Promise<number> => {
      const meter = meters.get(req.meter) ?? unmetered;
      for (let i = 0; i < req.steps; i++) {
        // A no-op step: its result is journaled by the server before `ctx.run` resolves.
        await meter.step('step', () => ctx.run(`step_${i}`, () => PAYLOAD));
      }
      return req.steps;
    },
  },
  options: {
    // The benchmark pauses a case's invocations between two steps while the other cases run; without
    // this the server would ask a paused invocation to suspend after a minute, and replay it later.
    inactivityTimeout: { hours: 1 },
  },
});

const server = http2.createServer(
  restate.createEndpointHandler({ services: [bench], logger: () => undefined }),
);

async function invoke(meter: string, signal?: AbortSignal): Promise<void> {
  const res = await fetch(`${input.ingressUrl}/${SERVICE}/run`, {
    ...(signal === undefined ? {} : { signal }),
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ steps: input.steps, meter }),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`Restate ingress answered ${res.status}: ${text.slice(0, 300)}`);
  if (Number(text) !== input.steps) throw new Error(`Restate invocation returned ${text.slice(0, 100)}`);
}

/** One unmeasured invocation, retried while the ingress does not know the new deployment yet. */
async function probe(timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      await invoke('none', AbortSignal.timeout(Math.round(Math.max(1000, deadline - performance.now()))));
      return;
    } catch (e) {
      if (performance.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

const drivers = new Map<number, Driver>();
function driverFor(concurrency: number): Driver {
  let d = drivers.get(concurrency);
  if (d === undefined) {
    const name = `c${concurrency}`;
    d = new Driver(concurrency, () => invoke(name));
    meters.set(name, d);
    drivers.set(concurrency, d);
  }
  return d;
}

const sessions = new Set<http2.ServerHttp2Session>();
server.on('session', (s) => {
  sessions.add(s);
  s.on('close', () => sessions.delete(s));
});
server.on('error', failed);
server.listen(0, '127.0.0.1', () => {
  post({ type: 'listening', port: (server.address() as AddressInfo).port });
});

port.on('message', (m: RestateWorkerRequest) => {
  if (m.type === 'probe') {
    probe(m.timeoutMs).then(() => post({ type: 'probed' }), failed);
  } else if (m.type === 'slice') {
    driverFor(m.concurrency)
      .slice(m.seconds)
      .then((result) => post({ type: 'slice', result }), failed);
  } else {
    // Paused invocations stay open on the server's side: drop their streams, then stop listening.
    server.close(() => {
      post({ type: 'stopped' });
      port.close();
    });
    for (const s of sessions) s.destroy();
  }
});

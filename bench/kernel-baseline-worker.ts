/**
 * Worker-thread entry hosting the PostgreSQL baselines (DBOS and the bare INSERT loop), so that each
 * system is measured in a runtime of its own, as it runs in production. DBOS keeps its context in
 * AsyncLocalStorage, which puts a hook on every promise of the isolate that hosts it: a fabrica engine
 * measured in the same isolate paid for DBOS's hooks (about a sixth more CPU per step).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openBaselines, type Baselines } from './kernel-dbos.js';
import { Driver, type SliceResult } from './kernel-stats.js';

export interface BaselineWorkerInput {
  readonly serverUrl: string;
  readonly poolSize: number;
  /** Durable steps per workflow (and per bare loop). */
  readonly steps: number;
}
export type BaselineKind = 'dbos' | 'bare';
export type BaselineWorkerRequest =
  { type: 'slice'; kind: BaselineKind; concurrency: number; seconds: number } | { type: 'stop' };
export type BaselineWorkerMessage =
  | { type: 'ready'; info: Record<string, unknown> }
  | { type: 'slice'; result: SliceResult }
  | { type: 'stopped' }
  | { type: 'error'; message: string };

const input = workerData as BaselineWorkerInput;
const port = parentPort!;
const post = (m: BaselineWorkerMessage) => port.postMessage(m);
const failed = (e: unknown) => post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
const drivers = new Map<string, Driver>();

function driverFor(b: Baselines, kind: BaselineKind, concurrency: number): Driver {
  const key = `${kind}/${concurrency}`;
  let d = drivers.get(key);
  if (d === undefined) {
    d =
      kind === 'dbos'
        ? new Driver(concurrency, (m) => b.dbosLifecycle(m, input.steps))
        : new Driver(concurrency, (m) => b.bareLifecycle(m, input.steps));
    drivers.set(key, d);
  }
  return d;
}

openBaselines(input.serverUrl, input.poolSize).then((b) => {
  port.on('message', (m: BaselineWorkerRequest) => {
    if (m.type === 'stop') {
      b.close().then(() => {
        post({ type: 'stopped' });
        port.close();
      }, failed);
      return;
    }
    driverFor(b, m.kind, m.concurrency)
      .slice(m.seconds)
      .then((result) => post({ type: 'slice', result }), failed);
  });
  post({ type: 'ready', info: b.info });
}, failed);

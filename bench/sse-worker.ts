/**
 * Worker-thread entry for the fan-out case: runs the SSE subscribers off the main thread, so that parsing
 * 100 streams does not compete with the server for the same event loop. Timestamps use the process-wide
 * monotonic clock, so they compare directly with the producer's.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SseSubscribers } from './sse-client.js';

export interface WorkerInput {
  readonly url: string;
  readonly token: string;
  readonly count: number;
}

export type WorkerRequest = { type: 'wait'; lastSeq: number; timeoutMs: number };
export type WorkerMessage =
  | { type: 'connected' }
  | { type: 'failed'; error: string }
  | { type: 'done'; complete: boolean; traces: ReturnType<SseSubscribers['close']> };

const port = parentPort!;
const input = workerData as WorkerInput;
const subs = new SseSubscribers(input.count);

subs.connect(input.url, input.token).then(
  () => port.postMessage({ type: 'connected' } satisfies WorkerMessage),
  (e: unknown) => port.postMessage({ type: 'failed', error: String(e) } satisfies WorkerMessage),
);

port.on('message', (m: WorkerRequest) => {
  void subs.waitFor(m.lastSeq, m.timeoutMs).then((complete) => {
    const traces = subs.close();
    const transfer = traces.flatMap(
      (t) => [t.seqs.buffer, t.latencies.buffer, t.arrivals.buffer] as ArrayBuffer[],
    );
    port.postMessage({ type: 'done', complete, traces } satisfies WorkerMessage, transfer);
    port.close();
  });
});

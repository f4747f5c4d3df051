/** The PostgreSQL baselines of the run-kernel benchmark, run in a worker thread (bench/kernel-baseline-worker.ts). */
import type {
  BaselineKind,
  BaselineWorkerInput,
  BaselineWorkerMessage,
  BaselineWorkerRequest,
} from './kernel-baseline-worker.js';
import type { SliceResult } from './kernel-stats.js';
import { nextMessage, startTsWorker } from './ts-worker.js';

export interface BaselineHost {
  readonly info: Record<string, unknown>;
  slice(kind: BaselineKind, concurrency: number, seconds: number): Promise<SliceResult>;
  close(): Promise<void>;
}

/** Starts the worker; it creates DBOS's fresh database and launches DBOS before this resolves. */
export async function openBaselineHost(input: BaselineWorkerInput): Promise<BaselineHost> {
  const w = startTsWorker(new URL('./kernel-baseline-worker.ts', import.meta.url), input);
  const ask = (request?: BaselineWorkerRequest) => nextMessage<BaselineWorkerMessage>(w, request);
  let ready: BaselineWorkerMessage;
  try {
    ready = await ask();
  } catch (e) {
    await w.terminate();
    throw e;
  }
  if (ready.type !== 'ready') throw new Error(`baseline worker: unexpected ${ready.type}`);
  return {
    info: ready.info,
    async slice(kind, concurrency, seconds) {
      const m = await ask({ type: 'slice', kind, concurrency, seconds });
      if (m.type !== 'slice') throw new Error(`baseline worker: unexpected ${m.type}`);
      return m.result;
    },
    async close() {
      try {
        await ask({ type: 'stop' });
      } finally {
        await w.terminate();
      }
    },
  };
}

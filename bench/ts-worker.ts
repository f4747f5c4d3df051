/** Worker threads of the benchmarks: TypeScript entries, and one request answered by one message. */
import { Worker } from 'node:worker_threads';

/** A worker thread running the TypeScript module `entry` (through tsx's API: `--import tsx` does not reach workers). */
export function startTsWorker(entry: URL, workerData: unknown): Worker {
  const api = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(api)}).then(({ tsImport }) => tsImport(${JSON.stringify(entry.href)}, ${JSON.stringify(entry.href)}));`;
  return new Worker(code, { eval: true, workerData });
}

/** The worker's next message (`request`, if given, is posted first); a message of type `error` or the worker failing rejects. */
export function nextMessage<M extends { type: string }>(w: Worker, request?: unknown): Promise<M> {
  return new Promise<M>((resolve, reject) => {
    const onError = (e: Error) => {
      w.off('message', onMessage);
      reject(e);
    };
    const onMessage = (m: M | { type: 'error'; message: string }) => {
      w.off('error', onError);
      if (m.type === 'error' && 'message' in m) reject(new Error(m.message));
      else resolve(m as M);
    };
    w.once('error', onError);
    w.once('message', onMessage);
    if (request !== undefined) w.postMessage(request);
  });
}

/**
 * The HTTP cases of the run-kernel benchmark: a fabrica made with `createFabrica` listens on loopback
 * (port 0) in this process; the clients run in a worker thread (bench/kernel-http-worker.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { loadConfig } from '../src/config/config.js';
import { createFabrica } from '../src/fabrica.js';
import type { HttpWorkerInput, HttpWorkerMessage, HttpWorkerRequest } from './kernel-http-worker.js';
import type { SliceResult } from './kernel-stats.js';

const TOKEN = 'fab_bench_kernel_admin_token_0123456789abcdef';

export interface HttpTarget {
  readonly label: string;
  slice(seconds: number, concurrency: number): Promise<SliceResult>;
  close(): Promise<void>;
}

export async function openHttpTarget(
  label: string,
  shape: { stages: number; issues: number },
  databaseUrl: string | null,
): Promise<HttpTarget> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fabrica-kernel-bench-http-'));
  const config = loadConfig({
    env: {
      FABRICA_ADMIN_TOKEN: TOKEN,
      FABRICA_DATA_DIR: dataDir,
      FABRICA_LOG_LEVEL: 'warn',
      ...(databaseUrl === null ? {} : { DATABASE_URL: databaseUrl }),
    },
    cwd: process.cwd(),
  });
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (logs.length < 20) logs.push(chunk.toString());
      cb();
    },
  });
  const fabrica = await createFabrica(config, { version: 'bench', logStream });
  let address: string;
  try {
    address = await fabrica.app.listen({ port: 0, host: '127.0.0.1' });
  } catch (e) {
    await fabrica.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  const w = startWorker({ baseUrl: address, token: TOKEN, ...shape });
  return {
    label,
    slice(seconds, concurrency) {
      return new Promise<SliceResult>((resolve, reject) => {
        const onError = (e: Error) => reject(e);
        w.once('error', onError);
        w.once('message', (m: HttpWorkerMessage) => {
          w.off('error', onError);
          if (m.type === 'slice') resolve(m.result);
          else
            reject(
              new Error(`${label}: ${m.message}${logs.length > 0 ? `\nserver log:\n${logs.join('')}` : ''}`),
            );
        });
        w.postMessage({ type: 'slice', seconds, concurrency } satisfies HttpWorkerRequest);
      });
    },
    async close() {
      w.postMessage({ type: 'stop' } satisfies HttpWorkerRequest);
      await w.terminate();
      await fabrica.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function startWorker(input: HttpWorkerInput): Worker {
  // The worker loads its TypeScript through tsx's API: `--import tsx` does not reach worker threads.
  const entry = new URL('./kernel-http-worker.ts', import.meta.url).href;
  const api = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(api)}).then(({ tsImport }) => tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}));`;
  return new Worker(code, { eval: true, workerData: input });
}

/**
 * The HTTP cases of the run-kernel benchmark: a fabrica made with `createFabrica` listens on loopback
 * (port 0) in this process; the clients run in a worker thread (bench/kernel-http-worker.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../src/config/config.js';
import { createFabrica } from '../src/fabrica.js';
import type { HttpWorkerInput, HttpWorkerMessage, HttpWorkerRequest } from './kernel-http-worker.js';
import type { SliceResult } from './kernel-stats.js';
import { nextMessage, startTsWorker } from './ts-worker.js';

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
  const workerInput: HttpWorkerInput = { baseUrl: address, token: TOKEN, ...shape };
  const w = startTsWorker(new URL('./kernel-http-worker.ts', import.meta.url), workerInput);
  return {
    label,
    async slice(seconds, concurrency) {
      try {
        const request: HttpWorkerRequest = { type: 'slice', seconds, concurrency };
        return (await nextMessage<Extract<HttpWorkerMessage, { type: 'slice' }>>(w, request)).result;
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        throw new Error(`${label}: ${why}${logs.length > 0 ? `\nserver log:\n${logs.join('')}` : ''}`, {
          cause: e,
        });
      }
    },
    async close() {
      w.postMessage({ type: 'stop' } satisfies HttpWorkerRequest);
      await w.terminate();
      await fabrica.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

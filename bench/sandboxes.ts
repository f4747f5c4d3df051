// Script and WASM cells against their bare engines, in one run (figures in docs/benchmarks.md):
//  - in process: a script cell's call through CellInvoker vs the same function called in a bare QuickJS
//    context (on this thread, and in a worker thread with one message per call); a WASM cell's call vs a
//    bare call of the same WASI module in a worker (instantiate + start per call, one message per call);
//  - over HTTP (autocannon, in this process): script, WASM and adapter cell invoke, and a bare Fastify POST;
//  - cold start of a revision (first call) and memory per QuickJS context and per worker.
// Sequential calls measure latency; `concurrency` calls at once measure what the pool of workers gives.
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { getQuickJS } from 'quickjs-emscripten';
import wabtInit from 'wabt';
import { loadConfig } from '../src/config/config.js';
import { ADMIN_PRINCIPAL } from '../src/domain/access.js';
import type { CellTemplate } from '../src/domain/cells/cell-template.js';
import { createFabrica } from '../src/fabrica.js';
import { ScriptBackend } from '../src/runtime/script/script-backend.js';
import { WasmBackend } from '../src/runtime/wasm/wasm-backend.js';

const N = Number(process.env.BENCH_CALLS ?? 3000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const CONCURRENCY = 8;
const ADMIN = 'fab_bench_admin_token_0123456789';
const SOURCE = 'function run(input) { return { n: input.n + 1, s: input.s.toUpperCase() }; }';
const INPUT = { n: 41, s: 'hello' };

const wabt = await wabtInit();
const parsed = wabt.parseWat(
  'echo.wat',
  `(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (func (export "_start") (local $n i32)
    (i32.store (i32.const 0) (i32.const 1024)) (i32.store (i32.const 4) (i32.const 60000))
    (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
    (local.set $n (i32.load (i32.const 8)))
    (i32.store (i32.const 0) (i32.const 1024)) (i32.store (i32.const 4) (local.get $n))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`,
);
const wasmBytes = new Uint8Array(parsed.toBinary({}).buffer);
parsed.destroy();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** Calls per second of `call`, sequentially and with CONCURRENCY at once (medians of 3 rounds). */
async function rate(call: () => unknown): Promise<{ seq: number; par: number }> {
  for (let i = 0; i < 200; i++) await call();
  const seq: number[] = [];
  const par: number[] = [];
  for (let r = 0; r < 3; r++) {
    let t = performance.now();
    for (let i = 0; i < N; i++) await call();
    seq.push(N / ((performance.now() - t) / 1000));
    t = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next++ < N) await call();
      }),
    );
    par.push(N / ((performance.now() - t) / 1000));
  }
  return { seq: median(seq), par: median(par) };
}

/** A bare QuickJS context on this thread: the function defined once, called with the input's JSON. */
async function bareQuickJs() {
  const Q = await getQuickJS();
  const rt = Q.newRuntime();
  const ctx = rt.newContext();
  ctx.unwrapResult(ctx.evalCode(SOURCE)).dispose();
  const fn = ctx.unwrapResult(ctx.evalCode('(s) => JSON.stringify(run(JSON.parse(s)))'));
  return {
    call() {
      const arg = ctx.newString(JSON.stringify(INPUT));
      const r = ctx.unwrapResult(ctx.callFunction(fn, ctx.undefined, arg));
      arg.dispose();
      const out = JSON.parse(ctx.getString(r)) as unknown;
      r.dispose();
      return out;
    },
  };
}

/** A request/answer worker: one message out, one back (the pools' pattern, without the pool). */
function bareWorker(source: string, workerData: unknown) {
  const w = new Worker(source, { eval: true, workerData });
  const waiting: ((v: unknown) => void)[] = [];
  w.on('message', (m) => waiting.shift()!(m));
  return {
    call: (m: unknown) =>
      new Promise((resolve) => {
        waiting.push(resolve);
        w.postMessage(m);
      }),
    close: () => w.terminate(),
  };
}

const BARE_QUICKJS_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
require(workerData.quickjs).getQuickJS().then((Q) => {
  const ctx = Q.newRuntime().newContext();
  ctx.unwrapResult(ctx.evalCode(workerData.source)).dispose();
  const fn = ctx.unwrapResult(ctx.evalCode('(s) => JSON.stringify(run(JSON.parse(s)))'));
  parentPort.on('message', (s) => {
    const arg = ctx.newString(s);
    const r = ctx.unwrapResult(ctx.callFunction(fn, ctx.undefined, arg));
    arg.dispose();
    parentPort.postMessage(ctx.getString(r));
    r.dispose();
  });
});`;

const BARE_WASI_WORKER = `
const { parentPort } = require('node:worker_threads');
const { WASI } = require('node:wasi');
let mod = null;
parentPort.on('message', (m) => {
  if (m.module) mod = m.module;
  const input = m.input;
  const wasi = new WASI({ version: 'preview1', args: [], env: {}, preopens: {}, returnOnExit: true });
  const host = wasi.getImportObject().wasi_snapshot_preview1;
  let memory; let out = '';
  const imports = { ...host,
    fd_read(fd, iovs, n, nread) {
      const v = new DataView(memory.buffer);
      const buf = v.getUint32(iovs, true);
      new Uint8Array(memory.buffer).set(input, buf);
      v.setUint32(nread, input.length, true);
      return 0;
    },
    fd_write(fd, iovs, n, nw) {
      const v = new DataView(memory.buffer);
      const buf = v.getUint32(iovs, true), len = v.getUint32(iovs + 4, true);
      out += Buffer.from(memory.buffer, buf, len).toString();
      v.setUint32(nw, len, true);
      return 0;
    } };
  const inst = new WebAssembly.Instance(mod, { wasi_snapshot_preview1: imports });
  memory = inst.exports.memory;
  wasi.start(inst);
  parentPort.postMessage(out);
});`;

async function http(url: string, body: unknown, headers: Record<string, string>) {
  const r = await autocannon({
    url,
    method: 'POST',
    connections: 10,
    duration: SECONDS,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.non2xx + r.errors };
}

const dir = mkdtempSync(join(tmpdir(), 'fabrica-bench-sandbox-'));
const config = loadConfig({
  env: {
    FABRICA_DATA_DIR: dir,
    FABRICA_ADMIN_TOKEN: ADMIN,
    FABRICA_LOG_LEVEL: 'silent',
    FABRICA_CAPABILITIES: 'factory_script=experimental,factory_wasm=experimental',
  },
  cwd: process.cwd(),
});
const fabrica = await createFabrica(config, { version: 'bench' });
const out: string[] = [];
const say = (s: string) => {
  out.push(s);
  process.stdout.write(`${s}\n`);
};
try {
  const make = async (backend: 'adapter' | 'script' | 'wasm', tpl: CellTemplate) => {
    const r = await fabrica.cells.fabricate(backend, tpl, false, ADMIN_PRINCIPAL);
    if (!r.ok) throw new Error(`${backend}: ${r.error.reason}`);
    for (let i = 0; i < 3; i++) await fabrica.cells.command(r.value.id, 'approve', { actor: 'bench' });
    return r.value.id;
  };
  const limits = { cpu_ms: 1000 };
  const rssBefore = process.memoryUsage().rss;
  const scriptId = await make('script', {
    id: 'bench.script',
    version: '1.0.0',
    analysis_type: 'bench',
    links: [],
    metadata: { schema: 'v1', limits },
    draft_content: SOURCE,
  });
  const wasmId = await make('wasm', {
    id: 'bench.wasm',
    version: '1.0.0',
    analysis_type: 'bench',
    links: [],
    metadata: { schema: 'v1', limits, module: Buffer.from(wasmBytes).toString('base64') },
  });
  const adapterId = await make('adapter', {
    id: 'bench.echo',
    version: '1.0.0',
    analysis_type: 'echo',
    links: [],
    metadata: { schema: 'v1' },
  });
  const invoke = (id: string, input: unknown) => fabrica.cellInvoker.invoke(id, input);

  // Cold start: the first call of a revision on a fresh pool (workers start), then a second revision
  // on the warm pool (its code is compiled), then the warm call.
  const timed = async (f: () => unknown) => {
    const t = performance.now();
    await f();
    return performance.now() - t;
  };
  const coldScript = await timed(() => invoke(scriptId, INPUT));
  const coldWasm = await timed(() => invoke(wasmId, INPUT));
  const scriptId2 = await make('script', {
    id: 'bench.script2',
    version: '1.0.0',
    analysis_type: 'bench',
    links: [],
    metadata: { schema: 'v1', limits },
    draft_content: SOURCE,
  });
  const firstScript2 = await timed(() => invoke(scriptId2, INPUT));
  const warmScript = await timed(() => invoke(scriptId2, INPUT));
  say(`cold start (ms): script first call on a new pool ${coldScript.toFixed(1)}, a new revision on a warm`);
  say(
    `  worker ${firstScript2.toFixed(1)}, then warm ${warmScript.toFixed(2)}; WASM first call on a new pool ${coldWasm.toFixed(1)}`,
  );

  const bare = await bareQuickJs();
  const bareScript = await rate(() => bare.call());
  const quickjs = (await import('node:module')).createRequire(import.meta.url).resolve('quickjs-emscripten');
  const bw = bareWorker(BARE_QUICKJS_WORKER, { quickjs, source: SOURCE });
  const bareScriptWorker = await rate(() => bw.call(JSON.stringify(INPUT)));
  await bw.close();
  const cellScript = await rate(() => invoke(scriptId, INPUT));
  const ww = bareWorker(BARE_WASI_WORKER, null);
  const module = await (
    globalThis as unknown as { WebAssembly: { compile(b: Uint8Array): Promise<object> } }
  ).WebAssembly.compile(wasmBytes);
  await ww.call({ module, input: new TextEncoder().encode('1') });
  const bareWasm = await rate(() => ww.call({ input: new TextEncoder().encode(JSON.stringify(INPUT)) }));
  await ww.close();
  const cellWasm = await rate(() => invoke(wasmId, INPUT));
  const cellAdapter = await rate(() => invoke(adapterId, INPUT));
  const row = (name: string, r: { seq: number; par: number }, base?: { seq: number; par: number }) =>
    say(
      `  ${name.padEnd(44)} ${r.seq.toFixed(0).padStart(8)} ${r.par.toFixed(0).padStart(8)}` +
        (base === undefined
          ? ''
          : `   ${((r.seq / base.seq) * 100).toFixed(0).padStart(4)}% ${((r.par / base.par) * 100).toFixed(0).padStart(4)}%`),
    );
  say(
    `in process, calls/s (${N} calls x 3 rounds, medians; sequential, ${CONCURRENCY} at once; ratios to the line they follow):`,
  );
  row('bare QuickJS context, this thread', bareScript);
  row('bare QuickJS context in one worker', bareScriptWorker, bareScript);
  row('script cell (CellInvoker, pool of workers)', cellScript, bareScriptWorker);
  row('  ... against the bare context on this thread', cellScript, bareScript);
  row('bare WASI call in one worker', bareWasm);
  row('WASM cell (CellInvoker, pool of workers)', cellWasm, bareWasm);
  row('adapter echo cell (CellInvoker)', cellAdapter);

  const app = await fabrica.app.listen({ port: 0, host: '127.0.0.1' });
  const echo = Fastify();
  echo.post('/echo', async (req) => (req.body as { input: unknown }).input);
  const echoUrl = await echo.listen({ port: 0, host: '127.0.0.1' });
  const auth = { authorization: `Bearer ${ADMIN}` };
  const body = { input: INPUT };
  const h = {
    postEcho: await http(`${echoUrl}/echo`, body, {}),
    adapter: await http(`${app}/factory/cells/${adapterId}/invoke`, body, auth),
    script: await http(`${app}/factory/cells/${scriptId}/invoke`, body, auth),
    wasm: await http(`${app}/factory/cells/${wasmId}/invoke`, body, auth),
  };
  await echo.close();
  say(
    `over HTTP (autocannon, 10 connections, ${SECONDS} s each, in this process): req/s, p50/p99 ms, ratio to post-echo and adapter`,
  );
  for (const [name, r] of Object.entries(h))
    say(
      `  ${name.padEnd(10)} ${r.rps.toFixed(0).padStart(7)}  ${r.p50}/${r.p99}  ${((r.rps / h.postEcho.rps) * 100).toFixed(0)}%  ${((r.rps / h.adapter.rps) * 100).toFixed(0)}%${r.errors > 0 ? `  (${r.errors} errors)` : ''}`,
    );

  // Memory of one pooled context (QuickJS's own count) and one WASM worker's heap, on pools of their own.
  const maxima = { cpuMs: 1000, memoryMib: 64, stackKib: 1024, outputKib: 16384 };
  const sb = new ScriptBackend({ workers: 1, maxima });
  const tpl = {
    id: 'bench.mem',
    version: '1.0.0',
    links: [],
    metadata: { schema: 'v1' as const },
    draft_content: SOURCE,
  };
  const contextBytes = await sb.contextBytes('mem', tpl);
  await sb.close();
  const wb = new WasmBackend({ workers: 1, maxima });
  const wtpl = {
    id: 'bench.mem',
    version: '1.0.0',
    links: [],
    metadata: { schema: 'v1' as const, module: Buffer.from(wasmBytes).toString('base64') },
  };
  const heap = await wb.workerHeapBytes('mem', wtpl);
  await wb.close();
  say(
    `memory: a pooled script context holds ${((contextBytes ?? 0) / 1024).toFixed(0)} KiB (QuickJS's count, prelude and frozen realm included); a WASM worker's JS heap ${((heap ?? 0) / 1048576).toFixed(1)} MiB`,
  );
  const memUsage = process.memoryUsage();
  say(
    `memory: process RSS grew ${((memUsage.rss - rssBefore) / 1048576).toFixed(0)} MiB with ${config.scriptWorkers} script and ${config.wasmWorkers} WASM workers running (incl. everything above)`,
  );
} finally {
  await fabrica.close();
  rmSync(dir, { recursive: true, force: true });
}

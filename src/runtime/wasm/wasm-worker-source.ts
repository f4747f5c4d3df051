/**
 * The WASM pool's worker (CommonJS, run with `eval: true`). Each call instantiates the revision's compiled
 * module afresh under Node's WASI (preview 1) with no arguments, no environment and no preopened
 * directory. Standard input, output and error are the call's own buffers: every other operation on those
 * three descriptors is refused, so a module can never reach the host's real stdio; `poll_oneoff` is
 * refused too (nothing to wait on). Files and sockets fail as WASI says they do with nothing preopened.
 *
 * In: `{rev, setup?: {module, maxOutput}, payload: {input: Uint8Array}}`.
 * Out: `{ok: true, exit, stdout, stderr, tooLarge}` or `{ok: false, kind: 'trap', message}`.
 */
export const WASM_WORKER_SOURCE = String.raw`
'use strict';
const { parentPort } = require('node:worker_threads');
const { WASI } = require('node:wasi');
const setups = new Map();
const EBADF = 8, ENOTSUP = 58, SUCCESS = 0;
const MAX_STDERR = 64 * 1024;
const decoder = new TextDecoder();

function run(setup, input) {
  const wasi = new WASI({ version: 'preview1', args: [], env: {}, preopens: {}, returnOnExit: true });
  const host = wasi.getImportObject().wasi_snapshot_preview1;
  let memory = null;
  let inAt = 0;
  const out = [];
  let outBytes = 0;
  let tooLarge = false;
  const err = [];
  let errBytes = 0;
  const view = () => new DataView(memory.buffer);
  const iovecs = (ptr, len) => {
    const v = view();
    const list = [];
    for (let i = 0; i < len; i++) list.push([v.getUint32(ptr + i * 8, true), v.getUint32(ptr + i * 8 + 4, true)]);
    return list;
  };
  const imports = {};
  for (const [name, fn] of Object.entries(host)) {
    imports[name] = name.startsWith('fd_')
      ? (fd, ...rest) => (fd <= 2 ? EBADF : fn(fd, ...rest))
      : fn;
  }
  imports.poll_oneoff = () => ENOTSUP;
  imports.fd_read = (fd, iovs, iovsLen, nreadPtr) => {
    if (fd !== 0) return fd <= 2 ? EBADF : host.fd_read(fd, iovs, iovsLen, nreadPtr);
    let n = 0;
    const bytes = new Uint8Array(memory.buffer);
    for (const [buf, len] of iovecs(iovs, iovsLen)) {
      const chunk = input.subarray(inAt, inAt + len);
      bytes.set(chunk, buf);
      inAt += chunk.length;
      n += chunk.length;
      if (chunk.length < len) break;
    }
    view().setUint32(nreadPtr, n, true);
    return SUCCESS;
  };
  imports.fd_write = (fd, iovs, iovsLen, nwrittenPtr) => {
    if (fd !== 1 && fd !== 2) return fd === 0 ? EBADF : host.fd_write(fd, iovs, iovsLen, nwrittenPtr);
    let n = 0;
    for (const [buf, len] of iovecs(iovs, iovsLen)) {
      const chunk = new Uint8Array(memory.buffer, buf, len).slice();
      n += len;
      if (fd === 1) {
        if (outBytes + len > setup.maxOutput) tooLarge = true;
        else { out.push(chunk); outBytes += len; }
      } else if (errBytes < MAX_STDERR) {
        err.push(chunk.subarray(0, MAX_STDERR - errBytes));
        errBytes += Math.min(len, MAX_STDERR - errBytes);
      }
    }
    view().setUint32(nwrittenPtr, n, true);
    return SUCCESS;
  };
  imports.fd_fdstat_get = (fd, statPtr) => {
    if (fd > 2) return host.fd_fdstat_get(fd, statPtr);
    const v = view();
    // A character device with no flags and every right: what a program expects of its stdio.
    v.setUint8(statPtr, 2);
    v.setUint16(statPtr + 2, 0, true);
    v.setBigUint64(statPtr + 8, 0xffffffffn, true);
    v.setBigUint64(statPtr + 16, 0xffffffffn, true);
    return SUCCESS;
  };
  let instance;
  try {
    instance = new WebAssembly.Instance(setup.module, { wasi_snapshot_preview1: imports });
  } catch (e) {
    return { ok: false, kind: 'trap', message: 'the module could not be instantiated: ' + e.message };
  }
  memory = instance.exports.memory;
  let exit;
  try {
    exit = wasi.start(instance);
  } catch (e) {
    return { ok: false, kind: 'trap', message: 'the module trapped: ' + (e && e.message), stderr: decoder.decode(Buffer.concat(err)) };
  }
  return {
    ok: true,
    exit: typeof exit === 'number' ? exit : 0,
    stdout: decoder.decode(Buffer.concat(out)),
    stderr: decoder.decode(Buffer.concat(err)),
    tooLarge,
    outBytes,
  };
}

parentPort.on('message', (m) => {
  if (m.setup !== undefined) setups.set(m.rev, m.setup);
  if (m.ack === true) parentPort.postMessage({ started: true });
  const setup = setups.get(m.rev);
  let answer;
  try {
    answer = m.payload.op === 'memory'
      ? { ok: true, heap: process.memoryUsage().heapUsed }
      : run(setup, m.payload.input);
  } catch (e) {
    answer = { ok: false, kind: 'trap', message: 'the sandbox failed: ' + String(e && e.message) };
  }
  parentPort.postMessage(answer);
});
`;

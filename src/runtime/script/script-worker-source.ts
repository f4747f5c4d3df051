/**
 * The script pool's worker (CommonJS, run with `eval: true`). It keeps, per revision, the cell's setup
 * and one QuickJS runtime+context with the prelude and the cell's code evaluated (compiled once), and
 * runs each call there under an interrupt deadline. A context that hit a limit is thrown away and made
 * again for the next call; contexts of revisions not called lately are dropped past `maxContexts`.
 *
 * Messages in: `{rev, setup?: {source, metadata, limits}, payload: {op: 'call'|'check'|'memory', input?, seed?}}`.
 * Answers: `{ok: true, text}` (the prelude's string), `{ok: false, kind, message, line?}`, or for
 * `memory`, `{ok: true, bytes}`.
 */
export const SCRIPT_WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { getQuickJS } = require(workerData.quickjs);
const { prelude, file, maxContexts, logLines, logLineChars } = workerData;
const setups = new Map();
const contexts = new Map();
const factorySource = (source) =>
  "(function () { 'use strict'; " + source + "\n;return typeof run === 'function' ? run : undefined; })";

const lineOf = (err) => {
  if (err && typeof err.lineNumber === 'number' && err.fileName === file) return err.lineNumber;
  const m = err && typeof err.stack === 'string' ? err.stack.match(new RegExp(file.replace('.', '\\.') + ':(\\d+)')) : null;
  return m ? Number(m[1]) : null;
};

function create(Q, setup) {
  const rt = Q.newRuntime();
  rt.setMemoryLimit(setup.limits.memoryMib * 1024 * 1024);
  rt.setMaxStackSize(setup.limits.stackKib * 1024);
  const state = { deadline: Infinity, interrupted: false };
  rt.setInterruptHandler(() => {
    if (performance.now() > state.deadline) {
      state.interrupted = true;
      return true;
    }
    return false;
  });
  const ctx = rt.newContext();
  const entry = { rt, ctx, state, call: null, broken: null };
  const dispose = () => {
    try { ctx.dispose(); rt.dispose(); } catch { /* a runtime left by a limit may not free cleanly */ }
  };
  entry.dispose = dispose;
  // Loading (the prelude's freezing, compiling the cell) is the host's work, not the call's: a fixed budget.
  state.deadline = performance.now() + 2000;
  const bindResult = ctx.evalCode(prelude, 'prelude.js');
  if (bindResult.error) {
    const e = ctx.dump(bindResult.error);
    bindResult.error.dispose();
    dispose();
    throw new Error('the sandbox prelude failed: ' + (e && e.message));
  }
  const bind = bindResult.value;
  const factory = ctx.evalCode(factorySource(setup.source), file);
  if (factory.error) {
    entry.broken = failure(entry, factory.error);
    factory.error.dispose();
    bind.dispose();
    return entry;
  }
  state.deadline = performance.now() + setup.limits.cpuMs;
  const made = ctx.callFunction(factory.value, ctx.undefined);
  if (made.error) {
    entry.broken = failure(entry, made.error);
    made.error.dispose();
    factory.value.dispose();
    bind.dispose();
    return entry;
  }
  entry.hasRun = ctx.typeof(made.value) === 'function';
  made.value.dispose();
  state.deadline = performance.now() + 2000;
  const meta = ctx.newString(setup.metadata);
  const bound = ctx.callFunction(bind, ctx.undefined, factory.value, meta);
  meta.dispose();
  factory.value.dispose();
  bind.dispose();
  if (bound.error) {
    entry.broken = failure(entry, bound.error);
    bound.error.dispose();
    return entry;
  }
  entry.call = bound.value;
  state.deadline = Infinity;
  return entry;
}

function failure(entry, handle) {
  let err;
  try { err = entry.ctx.dump(handle); } catch { err = null; }
  const message = err && typeof err === 'object' ? String(err.message) : String(err);
  const name = err && typeof err === 'object' && err.name ? String(err.name) : 'Error';
  if (entry.state.interrupted) return { ok: false, kind: 'timeout', message: 'the call ran past its CPU time limit' };
  if (err === null || /out of memory/.test(message)) return { ok: false, kind: 'memory_limit', message: 'the call ran past its memory limit' };
  if (/stack overflow/.test(message)) return { ok: false, kind: 'stack_limit', message: 'the call ran past its stack limit' };
  if (/string too long|invalid array length/.test(message)) return { ok: false, kind: 'memory_limit', message: 'the call ran past its memory limit (' + message + ')' };
  return { ok: false, kind: 'script_error', message: name + ': ' + message, line: lineOf(err) };
}

function contextFor(Q, rev) {
  let entry = contexts.get(rev);
  if (entry !== undefined) {
    contexts.delete(rev);
    contexts.set(rev, entry);
    return entry;
  }
  const setup = setups.get(rev);
  if (setup === undefined) throw new Error('no setup for ' + rev);
  entry = create(Q, setup);
  contexts.set(rev, entry);
  while (contexts.size > maxContexts) {
    const [oldest, old] = contexts.entries().next().value;
    contexts.delete(oldest);
    old.dispose();
  }
  return entry;
}

function drop(rev, entry) {
  if (contexts.get(rev) === entry) contexts.delete(rev);
  entry.dispose();
}

function run(Q, rev, payload, ack) {
  const setup = setups.get(rev);
  if (payload.op === 'memory') {
    const entry = contextFor(Q, rev);
    const h = entry.rt.computeMemoryUsage();
    const usage = entry.ctx.dump(h);
    h.dispose();
    return { ok: true, bytes: usage.memory_used_size, contexts: contexts.size };
  }
  let entry;
  try {
    entry = contextFor(Q, rev);
  } catch (e) {
    return { ok: false, kind: 'script_error', message: String(e && e.message) };
  }
  if (ack) parentPort.postMessage({ started: true });
  if (entry.broken !== null) {
    const broken = entry.broken;
    // A limit hit while the code loaded: try afresh next time.
    if (broken.kind !== 'script_error') drop(rev, entry);
    return broken;
  }
  const ctx = entry.ctx;
  if (payload.op === 'check') {
    // The context ran the top level once when it was made (under the call's limits): did it define run?
    return { ok: true, text: 'ok', hasRun: entry.hasRun };
  }
  const args = [
    ctx.newString(payload.input),
    ctx.newNumber(payload.seed),
    ctx.newNumber(logLines),
    ctx.newNumber(logLineChars),
    ctx.newNumber(setup.limits.outputKib * 1024),
  ];
  entry.state.interrupted = false;
  entry.state.deadline = performance.now() + setup.limits.cpuMs;
  const r = ctx.callFunction(entry.call, ctx.undefined, ...args);
  entry.state.deadline = Infinity;
  for (const a of args) a.dispose();
  if (r.error) {
    const f = failure(entry, r.error);
    r.error.dispose();
    if (f.kind !== 'script_error') drop(rev, entry);
    return f;
  }
  const text = ctx.getString(r.value);
  r.value.dispose();
  return { ok: true, text };
}

getQuickJS().then(
  (Q) => {
    parentPort.on('message', (m) => {
      if (m.setup !== undefined) {
        const old = contexts.get(m.rev);
        if (old !== undefined) drop(m.rev, old);
        setups.set(m.rev, m.setup);
      }
      let answer;
      try {
        answer = run(Q, m.rev, m.payload, m.ack === true);
      } catch (e) {
        answer = { ok: false, kind: 'script_error', message: 'the sandbox failed: ' + String(e && e.message) };
      }
      parentPort.postMessage(answer);
    });
  },
  (e) => {
    throw e;
  },
);
`;

/**
 * The code every script context evaluates before the cell's own: it fixes the clock and seeds
 * `Math.random`, freezes every built-in (so prototype pollution fails instead of leaking into the next
 * call) and the global object, and returns `bind`, which the host keeps (the script never sees it).
 *
 * `bind(factory, metadataJson)` gives the per-call function: it seeds the generator, re-runs the script's
 * top level (`factory()`: its variables start afresh on every call) and calls `run(input, ctx)`. It answers
 * one string: `L<log JSON>\n<output JSON>`, or `T<length>` when the output is longer than allowed.
 */
export const PRELUDE = String.raw`(function () {
  'use strict';
  const freeze = Object.freeze;
  const parse = JSON.parse;
  const stringify = JSON.stringify;
  const RealDate = Date;
  let seed = 0;
  // mulberry32: small, fast and good enough for a cell's sampling; seeded per call by the host.
  const random = function random() {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  Math.random = random;
  // The clock stands still at the epoch: the same input gives the same output.
  class FixedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(0);
      else super(...args);
    }
    static now() {
      return 0;
    }
  }
  globalThis.Date = FixedDate;
  const seen = new Set();
  const deepFreeze = (o) => {
    if ((typeof o !== 'object' && typeof o !== 'function') || o === null || seen.has(o)) return o;
    seen.add(o);
    freeze(o);
    for (const key of Reflect.ownKeys(o)) {
      const d = Object.getOwnPropertyDescriptor(o, key);
      if (d === undefined) continue;
      if ('value' in d) deepFreeze(d.value);
      else {
        deepFreeze(d.get);
        deepFreeze(d.set);
      }
    }
    deepFreeze(Object.getPrototypeOf(o));
    return o;
  };
  // The intrinsics no global property reaches directly.
  const hidden = [
    Object.getPrototypeOf(function* () {}),
    Object.getPrototypeOf(async function () {}),
    Object.getPrototypeOf(async function* () {}),
    Object.getPrototypeOf([][Symbol.iterator]()),
    Object.getPrototypeOf(new Map().entries()),
    Object.getPrototypeOf(new Set().values()),
    Object.getPrototypeOf(''[Symbol.iterator]()),
    Object.getPrototypeOf(/x/[Symbol.matchAll]('')),
    Object.getPrototypeOf(Int8Array),
    Object.getPrototypeOf(function* () {}()),
  ];
  for (const h of hidden) deepFreeze(h);
  deepFreeze(globalThis);
  const fresh = (metadata) => parse(metadata);
  // A lower bound of the output's JSON length, walked in script (so the interrupt deadline applies) and
  // stopped past the limit: an oversized output is refused without QuickJS serialising it (which no
  // deadline interrupts).
  const leastSize = (v, limit) => {
    let total = 0;
    const stack = [v];
    const walked = new Set();
    while (stack.length > 0 && total <= limit) {
      const x = stack.pop();
      if (typeof x === 'string') total += x.length + 2;
      else if (typeof x !== 'object' || x === null) total += 1;
      else if (!walked.has(x)) {
        walked.add(x);
        total += 2;
        for (const key of Object.keys(x)) {
          if (!Array.isArray(x)) total += key.length + 3;
          stack.push(x[key]);
        }
      }
    }
    return total;
  };
  return function bind(factory, metadataJson) {
    const metadata = deepFreeze(fresh(metadataJson));
    return function call(inputJson, callSeed, maxLines, maxLineChars, maxOutput) {
      seed = callSeed | 0;
      const lines = [];
      const log = function log(...parts) {
        if (lines.length >= maxLines) return;
        const line = parts.map((p) => (typeof p === 'string' ? p : stringify(p))).join(' ');
        lines.push(line.length > maxLineChars ? line.slice(0, maxLineChars) + '…' : line);
      };
      const run = factory();
      if (typeof run !== 'function') throw new TypeError('the script defines no function run(input, ctx)');
      const out = run(parse(inputJson), freeze({ metadata, log }));
      if ((typeof out === 'object' || typeof out === 'function') && out !== null && typeof out.then === 'function')
        throw new TypeError('run returned a promise: script cells are synchronous (they have no I/O to wait on)');
      const least = leastSize(out, maxOutput);
      if (least > maxOutput) return 'T' + least;
      const text = stringify(out === undefined ? null : out);
      if (text === undefined) throw new TypeError('run returned a value JSON cannot carry');
      if (text.length > maxOutput) return 'T' + text.length;
      return 'L' + stringify(lines) + '\n' + text;
    };
  };
})()`;

/** The file name errors and stacks show; a line number there is the line of the cell's source. */
export const SCRIPT_FILE = 'cell.js';

/**
 * The cell's source as a function that runs its top level in strict mode and returns its `run`. The
 * source starts on the wrapper's first line, so line numbers are the source's own.
 */
export const scriptFactory = (source: string): string =>
  `(function () { 'use strict'; ${source}\n;return typeof run === 'function' ? run : undefined; })`;

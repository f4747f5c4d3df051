import { addStats, BUCKETS, emptyStats, normaliseHist, recordCall, type CallStats } from './call-stats.js';

/**
 * Shadow traffic (docs/rollouts.md "Shadow traffic"): what a mirrored call's comparison counts and keeps.
 * `calls` counts every mirrored call that ran; of those, `equal` and `different` answered (the same JSON
 * value as the stable revision, or another one) and `errors` failed. `dropped` counts the calls that were
 * not mirrored because the queue was full. The latency histogram is the shadow revision's own.
 */
export interface ShadowStats {
  calls: number;
  equal: number;
  different: number;
  errors: number;
  dropped: number;
  hist: number[];
}

/** One answer that differed, as the report shows it (fields cut to `SAMPLE_FIELD_CHARS`). */
export interface ShadowSample {
  readonly at: number;
  readonly input: string;
  readonly stable_output: string;
  readonly shadow_output: string;
  readonly diff: string;
}

/** Samples the report keeps: the newest differences. */
export const SHADOW_SAMPLES = 20;
/** A sample's JSON fields are cut to this many characters, so a large answer cannot bloat the rollups. */
export const SAMPLE_FIELD_CHARS = 2000;

export const emptyShadow = (): ShadowStats => ({
  calls: 0,
  equal: 0,
  different: 0,
  errors: 0,
  dropped: 0,
  hist: new Array<number>(BUCKETS).fill(0),
});

export function addShadow(into: ShadowStats, from: ShadowStats): ShadowStats {
  into.calls += from.calls;
  into.equal += from.equal;
  into.different += from.different;
  into.errors += from.errors;
  into.dropped += from.dropped;
  for (let i = 0; i < BUCKETS; i++) into.hist[i]! += from.hist[i] ?? 0;
  return into;
}

export type ShadowOutcome = 'equal' | 'different' | 'error';

export function recordShadow(s: ShadowStats, ms: number, outcome: ShadowOutcome): void {
  const calls: CallStats = { calls: 0, errors: 0, hist: s.hist };
  recordCall(calls, ms, outcome === 'error');
  s.calls += 1;
  if (outcome === 'equal') s.equal += 1;
  else if (outcome === 'different') s.different += 1;
  else s.errors += 1;
}

/** The shadow's latency as call statistics (for quantiles). */
export const shadowLatency = (s: ShadowStats): CallStats =>
  addStats(emptyStats(), { calls: s.calls, errors: s.errors, hist: s.hist });

/** A stored row read back, whatever older versions wrote. */
export const readShadow = (raw: {
  calls: unknown;
  equal: unknown;
  different: unknown;
  errors: unknown;
  dropped: unknown;
  hist: unknown;
}): ShadowStats => ({
  calls: Number(raw.calls) || 0,
  equal: Number(raw.equal) || 0,
  different: Number(raw.different) || 0,
  errors: Number(raw.errors) || 0,
  dropped: Number(raw.dropped) || 0,
  hist: normaliseHist(raw.hist),
});

/**
 * The share of mirrored calls the shadow answered otherwise than the stable revision: a different answer
 * or an error (an error is not the stable revision's answer either).
 */
export const shadowMismatches = (s: ShadowStats): { calls: number; different: number } => ({
  calls: s.calls,
  different: s.different + s.errors,
});

const cut = (s: string) => (s.length <= SAMPLE_FIELD_CHARS ? s : `${s.slice(0, SAMPLE_FIELD_CHARS)}…`);

/** JSON with object keys sorted, so two answers that differ only in key order compare equal. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_key, value: unknown) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) sorted[k] = (value as Record<string, unknown>)[k];
    return sorted;
  });
}

/**
 * A small textual diff of two JSON texts: the common head and tail are left out (a few characters of
 * context kept) and what differs is shown as `-…` then `+…`, e.g. `@@ 1 @@ "…-hi+HI…"`.
 */
export function textDiff(a: string, b: string, context = 12): string {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail++;
  const from = Math.max(0, head - context);
  const before = `${from > 0 ? '…' : ''}${a.slice(from, head)}`;
  const after = `${a.slice(a.length - tail, a.length - tail + context)}${tail > context ? '…' : ''}`;
  const removed = cut(a.slice(head, a.length - tail));
  const added = cut(b.slice(head, b.length - tail));
  return `@@ ${head} @@ ${before}[-${removed}-]{+${added}+}${after}`;
}

/** Compares the shadow's answer with the stable revision's; a sample when they differ. */
export function compareAnswers(
  input: unknown,
  stable: unknown,
  shadow: unknown,
  at: number,
): { equal: true } | { equal: false; sample: ShadowSample } {
  const a = canonicalJson(stable) ?? 'undefined';
  const b = canonicalJson(shadow) ?? 'undefined';
  if (a === b) return { equal: true };
  return {
    equal: false,
    sample: {
      at,
      input: cut(canonicalJson(input) ?? 'undefined'),
      stable_output: cut(a),
      shadow_output: cut(b),
      diff: textDiff(a, b),
    },
  };
}

/** A failed shadow call as a sample: the reason stands in the shadow's output. */
export const errorSample = (input: unknown, stable: unknown, reason: string, at: number): ShadowSample => {
  const a = canonicalJson(stable) ?? 'undefined';
  const b = `error: ${reason}`;
  return {
    at,
    input: cut(canonicalJson(input) ?? 'undefined'),
    stable_output: cut(a),
    shadow_output: cut(b),
    diff: textDiff(a, b),
  };
};

/** States a shadow revision may be in: not yet serving everyone. */
const SHADOWABLE = new Set(['canary', 'experimental', 'draft']);

/**
 * The revision that receives the mirrored calls: the newest one still on its way (canary, experimental or
 * draft), or null when there is none or no stable revision answers.
 */
export function shadowTarget<R extends { readonly state: string }>(revisions: readonly R[]): R | null {
  if (!revisions.some((r) => r.state === 'stable')) return null;
  for (let i = revisions.length - 1; i >= 0; i--)
    if (SHADOWABLE.has(revisions[i]!.state)) return revisions[i]!;
  return null;
}

import { createHash } from 'node:crypto';

/** What a use case asks to append; the log assigns `seq`, `ts` and the hash chain. */
export interface NewEvent {
  readonly type: string;
  readonly subjectKind: string;
  readonly subjectId: string;
  readonly tenant?: string | null;
  readonly actor: string;
  readonly data?: unknown;
}

/** One row of the append-only event log, as stored. `data` is the JSON text exactly as hashed. */
export interface EventRecord {
  readonly seq: number;
  readonly ts: string;
  readonly type: string;
  readonly subjectKind: string;
  readonly subjectId: string;
  readonly tenant: string | null;
  readonly actor: string;
  readonly data: string;
  readonly prevHash: string;
  readonly hash: string;
}

/** The hash the chain starts from (the `prev_hash` of event 1). */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * SHA-256 over every field but the hash itself, serialised as a JSON array so that no two different
 * rows can produce the same input: `[seq,<chainedContent>,"prevHash"]`. `data` is hashed as stored text,
 * so both stores hash the same bytes. (On PostgreSQL the store chains a transaction's events in SQL from
 * the JSON text of `chainedFields`, with this same concatenation; the store contract suite verifies
 * those chains here.)
 */
export function eventHash(e: Omit<EventRecord, 'hash'>): string {
  const input = `[${e.seq},${chainedContent(e)},${JSON.stringify(e.prevHash)}]`;
  return createHash('sha256').update(input).digest('hex');
}

type Unchained = Omit<EventRecord, 'seq' | 'prevHash' | 'hash'>;

/** The fields of an event's hash input that do not depend on its place in the chain, in their order. */
export const chainedFields = (e: Unchained) =>
  [e.ts, e.type, e.subjectKind, e.subjectId, e.tenant, e.actor, e.data] as const;

/** The part of an event's hash input that does not depend on its place in the chain. */
export function chainedContent(e: Unchained): string {
  return JSON.stringify(chainedFields(e)).slice(1, -1);
}

export interface ChainBreak {
  readonly seq: number;
  readonly problem: 'hash_mismatch' | 'prev_hash_mismatch' | 'seq_gap';
  readonly expected: string;
  readonly found: string;
}

/**
 * Checks a run of consecutive events against the link before it. Returns the first break, or null.
 * Callers walk the log page by page, passing the last verified row's seq and hash along.
 */
export function verifyChainSegment(
  events: readonly EventRecord[],
  previous: { seq: number; hash: string },
): ChainBreak | null {
  let prev = previous;
  for (const e of events) {
    if (e.seq !== prev.seq + 1) {
      return { seq: e.seq, problem: 'seq_gap', expected: String(prev.seq + 1), found: String(e.seq) };
    }
    if (e.prevHash !== prev.hash) {
      return { seq: e.seq, problem: 'prev_hash_mismatch', expected: prev.hash, found: e.prevHash };
    }
    const recomputed = eventHash(e);
    if (recomputed !== e.hash) {
      return { seq: e.seq, problem: 'hash_mismatch', expected: recomputed, found: e.hash };
    }
    prev = { seq: e.seq, hash: e.hash };
  }
  return null;
}

/** An event as the API shows it: `data` parsed back into JSON. */
export interface PublicEvent {
  readonly seq: number;
  readonly ts: string;
  readonly type: string;
  readonly subject_kind: string;
  readonly subject_id: string;
  readonly tenant: string | null;
  readonly actor: string;
  readonly data: unknown;
  readonly hash: string;
}

export function toPublicEvent(e: EventRecord): PublicEvent {
  return {
    seq: e.seq,
    ts: e.ts,
    type: e.type,
    subject_kind: e.subjectKind,
    subject_id: e.subjectId,
    tenant: e.tenant,
    actor: e.actor,
    data: JSON.parse(e.data) as unknown,
    hash: e.hash,
  };
}

export interface EventFilter {
  readonly subjectKind?: string;
  readonly subjectId?: string;
  readonly types?: readonly string[];
  readonly tenant?: string;
  readonly actor?: string;
  /** Inclusive RFC 3339 bounds on `ts`. */
  readonly from?: string;
  readonly to?: string;
}

export function matchesFilter(e: EventRecord, f: EventFilter): boolean {
  if (f.subjectKind !== undefined && e.subjectKind !== f.subjectKind) return false;
  if (f.subjectId !== undefined && e.subjectId !== f.subjectId) return false;
  if (f.types !== undefined && f.types.length > 0 && !f.types.includes(e.type)) return false;
  if (f.tenant !== undefined && e.tenant !== f.tenant) return false;
  if (f.actor !== undefined && e.actor !== f.actor) return false;
  if (f.from !== undefined && e.ts < f.from) return false;
  if (f.to !== undefined && e.ts > f.to) return false;
  return true;
}

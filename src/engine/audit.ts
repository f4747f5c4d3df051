import { GENESIS_HASH, verifyChainSegment, type ChainBreak, type EventRecord } from '../domain/event.js';
import type { Store } from './ports.js';

export interface ChainReport {
  readonly ok: boolean;
  readonly checked: number;
  readonly headSeq: number;
  readonly firstBreak: ChainBreak | null;
}

const PAGE = 1000;

/**
 * Walks the whole hash chain from event 1, page by page, and names the first row that does not link.
 * The head row's hash is checked too, so deleting the newest events is detected as well.
 */
export async function verifyChain(
  store: Store,
  onProgress?: (checked: number, head: number) => void,
): Promise<ChainReport> {
  const headSeq = await store.headSeq();
  let previous = { seq: 0, hash: GENESIS_HASH };
  let checked = 0;
  while (previous.seq < headSeq) {
    const rows = await store.eventsAfter(previous.seq, PAGE);
    if (rows.length === 0) {
      const missing = {
        seq: previous.seq + 1,
        problem: 'seq_gap' as const,
        expected: String(previous.seq + 1),
        found: 'none',
      };
      return { ok: false, checked, headSeq, firstBreak: missing };
    }
    const broken = verifyChainSegment(rows, previous);
    if (broken !== null)
      return {
        ok: false,
        checked: checked + rows.findIndex((r) => r.seq === broken.seq),
        headSeq,
        firstBreak: broken,
      };
    checked += rows.length;
    const last = rows[rows.length - 1]!;
    previous = { seq: last.seq, hash: last.hash };
    onProgress?.(checked, headSeq);
  }
  return { ok: true, checked, headSeq, firstBreak: null };
}

export interface AuditQuery {
  readonly after: number;
  readonly limit: number;
  readonly subjectKind?: string;
  readonly subjectId?: string;
  readonly actor?: string;
  readonly types?: readonly string[];
  readonly from?: string;
  readonly to?: string;
}

/** The audit trail: the event log read back by who, what and when, and its hash chain checked. */
export class AuditTrail {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  query(q: AuditQuery): Promise<EventRecord[]> {
    const { after, limit, ...filter } = q;
    return this.#store.eventsAfter(after, limit, filter);
  }

  verify(): Promise<ChainReport> {
    return verifyChain(this.#store);
  }
}

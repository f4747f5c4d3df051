import { GENESIS_HASH, verifyChainSegment, type ChainBreak, type EventRecord } from '../domain/event.js';
import type { Clock, Store } from './ports.js';

export interface ChainReport {
  readonly ok: boolean;
  readonly checked: number;
  readonly headSeq: number;
  readonly firstBreak: ChainBreak | null;
  /** Committed events the sealer has not numbered yet; `stale` when the oldest waits past `UNSEALED_STALE_MS`. */
  readonly unsealed: { readonly count: number; readonly oldestTs: string | null; readonly stale: boolean };
}

/**
 * An event is sealed within milliseconds of its commit; one still unsealed after a minute means no
 * instance is sealing (all stopped, or sealing fails): a fault, though nothing is lost.
 */
export const UNSEALED_STALE_MS = 60_000;

const PAGE = 1000;

/**
 * Walks the whole hash chain from event 1, page by page, and names the first row that does not link.
 * The head row's hash is checked too, so deleting the newest events is detected as well.
 */
export async function verifyChain(
  store: Store,
  onProgress?: (checked: number, head: number) => void,
  now: number = Date.now(),
): Promise<ChainReport> {
  const pending = await store.unsealed();
  const unsealed = {
    ...pending,
    stale: pending.oldestTs !== null && now - Date.parse(pending.oldestTs) > UNSEALED_STALE_MS,
  };
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
      return { ok: false, checked, headSeq, firstBreak: missing, unsealed };
    }
    const broken = verifyChainSegment(rows, previous);
    if (broken !== null)
      return {
        ok: false,
        checked: checked + rows.findIndex((r) => r.seq === broken.seq),
        headSeq,
        firstBreak: broken,
        unsealed,
      };
    checked += rows.length;
    const last = rows[rows.length - 1]!;
    previous = { seq: last.seq, hash: last.hash };
    onProgress?.(checked, headSeq);
  }
  return { ok: !unsealed.stale, checked, headSeq, firstBreak: null, unsealed };
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
  readonly #clock: Clock;

  constructor(store: Store, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
  }

  query(q: AuditQuery): Promise<EventRecord[]> {
    const { after, limit, ...filter } = q;
    return this.#store.eventsAfter(after, limit, filter);
  }

  verify(): Promise<ChainReport> {
    return verifyChain(this.#store, undefined, this.#clock.now());
  }
}

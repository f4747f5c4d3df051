import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import {
  chainedFields,
  eventHash,
  type EventFilter,
  type EventRecord,
  type NewEvent,
} from '../../domain/event.js';
import type { Database, EventsTable } from '../schema.js';
import type { StoreKind } from '../../engine/ports.js';
import { CompiledOnce } from '../compiled-once.js';
import { COMMIT_FOLLOWS, executeMarked } from '../postgres/prepared-pg-client.js';

export const toEventRecord = (r: EventsTable): EventRecord => ({
  seq: Number(r.seq),
  ts: r.ts,
  type: r.type,
  subjectKind: r.subject_kind,
  subjectId: r.subject_id,
  tenant: r.tenant,
  actor: r.actor,
  data: r.data,
  prevHash: r.prev_hash,
  hash: r.hash,
});

const toEventRow = (r: EventRecord): EventsTable => ({
  seq: r.seq,
  ts: r.ts,
  type: r.type,
  subject_kind: r.subjectKind,
  subject_id: r.subjectId,
  tenant: r.tenant,
  actor: r.actor,
  data: r.data,
  prev_hash: r.prevHash,
  hash: r.hash,
});

/**
 * Appends events inside one transaction. On SQLite, whose one writer serialises transactions anyway, the
 * events are numbered and chained at `flush`, just before commit. On PostgreSQL `flush` writes them
 * unsealed, tagged with the transaction's id, touching no row another transaction touches: the sealer
 * (postgres/event-sealer.ts) numbers and chains them once the transaction has committed.
 */
export class EventAppender {
  #pending: Omit<EventRecord, 'seq' | 'prevHash' | 'hash'>[] = [];
  #written: EventRecord[] = [];
  #wrote: Unchained[] = [];
  #unsealedXid: string | null = null;
  readonly #trx: Transaction<Database>;
  readonly #kind: StoreKind;
  readonly #now: () => number;

  constructor(trx: Transaction<Database>, kind: StoreKind, now: () => number) {
    this.#trx = trx;
    this.#kind = kind;
    this.#now = now;
  }

  get appended(): number {
    return this.#pending.length + this.#wrote.length;
  }

  /** The events `flush` numbered and chained here, in seq order (none when they wait for the sealer). */
  get written(): readonly EventRecord[] {
    return this.#written;
  }

  /** Every event `flush` wrote, numbered or not, in the order they were appended. */
  get wrote(): readonly Unchained[] {
    return this.#wrote;
  }

  /** The transaction whose events `flush` left for the sealer (PostgreSQL); null when none are. */
  get unsealedXid(): string | null {
    return this.#unsealedXid;
  }

  append(e: NewEvent): void {
    this.#pending.push({
      ts: new Date(this.#now()).toISOString(),
      type: e.type,
      subjectKind: e.subjectKind,
      subjectId: e.subjectId,
      tenant: e.tenant ?? null,
      actor: e.actor,
      data: JSON.stringify(e.data ?? {}),
    });
  }

  /**
   * Writes the transaction's events; call once, after the use case's work, right before the commit.
   * `alongside` rides along with the statement that writes them (a notification queued for the commit).
   */
  async flush(alongside?: RawBuilder<unknown>): Promise<void> {
    if (this.#pending.length === 0) return;
    if (this.#kind === 'postgres') return this.#flushUnsealed(alongside);
    return this.#flushChained(alongside);
  }

  /**
   * Numbers and chains the events here (one multi-row insert per page: fewer round trips than one per
   * event) and moves the head.
   */
  async #flushChained(alongside?: RawBuilder<unknown>): Promise<void> {
    const trx = this.#trx;
    const kind = this.#kind;
    const along = alongside?.compile(trx);
    const readHead = HOT.bind(
      `head/${kind}/${along?.sql ?? ''}`,
      () => {
        let q = trx.selectFrom('event_head').select(['seq', 'hash']).where('id', '=', 1);
        if (alongside !== undefined) q = q.select(alongside.as('alongside'));
        return q.compile();
      },
      // The selected expression comes before the `where` in the statement, and so do its parameters.
      [...(along?.parameters ?? []), 1],
    );
    const head = (await trx.executeQuery(readHead)).rows[0];
    if (head === undefined) throw new Error('the event log has no head row');
    let seq = Number(head.seq);
    let prevHash = head.hash;
    const records = this.#pending.map((e): EventRecord => {
      seq += 1;
      const unhashed = { ...e, seq, prevHash };
      const record = { ...unhashed, hash: eventHash(unhashed) };
      prevHash = record.hash;
      return record;
    });
    for (let i = 0; i < records.length; i += FLUSH_PAGE) {
      const rows = records.slice(i, i + FLUSH_PAGE).map(toEventRow);
      await trx.executeQuery(
        HOT.bindRows(`events/${kind}`, rows, () => trx.insertInto('events').values(rows).compile()),
      );
    }
    await trx.executeQuery(
      HOT.bind(
        `moveHead/${kind}`,
        () => trx.updateTable('event_head').set({ seq, hash: prevHash }).where('id', '=', 1).compile(),
        [seq, prevHash, 1],
      ),
    );
    this.#written = records;
    this.#wrote = this.#pending;
    this.#pending = [];
  }

  /**
   * PostgreSQL: one statement writes the events unsealed and answers the transaction's id, and the commit
   * goes with it. The events go as one JSON array of their `chainedFields`: PostgreSQL's `json` keeps each
   * element's text as sent, `[<chainedContent>]`, which is kept as `content` for the sealer to hash.
   */
  async #flushUnsealed(alongside?: RawBuilder<unknown>): Promise<void> {
    const pending = this.#pending;
    const events = JSON.stringify(pending.map(chainedFields));
    const along = alongside?.compile(this.#trx);
    const statement = HOT.bind(
      `unsealed/${along?.sql ?? ''}`,
      () =>
        sql<{ xid: string }>`
      with written as (
        insert into event_unsealed (pos, ts, type, subject_kind, subject_id, tenant, actor, data, content)
        select b.i::int, b.e ->> 0, b.e ->> 1, b.e ->> 2, b.e ->> 3, b.e ->> 4, b.e ->> 5, b.e ->> 6,
          substr(b.e::text, 2, length(b.e::text) - 2)
        from json_array_elements(${events}::json) with ordinality as b(e, i)
      )
      select pg_current_xact_id()::text as xid${alongside === undefined ? sql`` : sql`, ${alongside} as alongside`}`.compile(
          this.#trx,
        ),
      [events, ...(along?.parameters ?? [])],
    );
    const { rows } = await executeMarked(this.#trx, COMMIT_FOLLOWS, statement);
    const xid = rows[0]?.xid;
    if (xid === undefined) throw new Error('the unsealed events were written without a transaction id');
    this.#unsealedXid = xid;
    this.#wrote = pending;
    this.#pending = [];
  }
}

type Unchained = Omit<EventRecord, 'seq' | 'prevHash' | 'hash'>;

const HOT = new CompiledOnce();

/** Rows per insert statement: 10 columns each stays far below both databases' parameter limits. */
const FLUSH_PAGE = 500;

export async function eventsAfter(
  db: Kysely<Database>,
  afterSeq: number,
  limit: number,
  filter: EventFilter = {},
): Promise<EventRecord[]> {
  let q = db.selectFrom('events').selectAll().where('seq', '>', afterSeq);
  if (filter.subjectKind !== undefined) q = q.where('subject_kind', '=', filter.subjectKind);
  if (filter.subjectId !== undefined) q = q.where('subject_id', '=', filter.subjectId);
  if (filter.types !== undefined && filter.types.length > 0) q = q.where('type', 'in', [...filter.types]);
  if (filter.tenant !== undefined) q = q.where('tenant', '=', filter.tenant);
  if (filter.actor !== undefined) q = q.where('actor', '=', filter.actor);
  if (filter.from !== undefined) q = q.where('ts', '>=', filter.from);
  if (filter.to !== undefined) q = q.where('ts', '<=', filter.to);
  const rows = await q.orderBy('seq').limit(limit).execute();
  return rows.map(toEventRecord);
}

export async function eventsBetween(
  db: Kysely<Database>,
  fromSeq: number,
  toSeq: number,
): Promise<EventRecord[]> {
  const rows = await db
    .selectFrom('events')
    .selectAll()
    .where('seq', '>=', fromSeq)
    .where('seq', '<=', toSeq)
    .orderBy('seq')
    .execute();
  return rows.map(toEventRecord);
}

export async function headSeq(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('event_head').select('seq').where('id', '=', 1).executeTakeFirst();
  return row === undefined ? 0 : Number(row.seq);
}

export async function unsealedSummary(
  db: Kysely<Database>,
): Promise<{ count: number; oldestTs: string | null }> {
  const row = await db
    .selectFrom('event_unsealed')
    .select((eb) => [eb.fn.countAll<number | string>().as('count'), eb.fn.min('ts').as('oldest')])
    .executeTakeFirst();
  return { count: Number(row?.count ?? 0), oldestTs: row?.oldest ?? null };
}

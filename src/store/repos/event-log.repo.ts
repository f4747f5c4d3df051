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
 * Appends events inside one transaction. Events are numbered and chained at `flush`, just before commit:
 * only then is the chain head read (on PostgreSQL row-locked), so concurrent transactions wait for each
 * other only for the few statements that write the events, not for the whole of their work.
 */
export class EventAppender {
  #pending: Omit<EventRecord, 'seq' | 'prevHash' | 'hash'>[] = [];
  #written: EventRecord[] = [];
  readonly #trx: Transaction<Database>;
  readonly #kind: StoreKind;
  readonly #now: () => number;

  constructor(trx: Transaction<Database>, kind: StoreKind, now: () => number) {
    this.#trx = trx;
    this.#kind = kind;
    this.#now = now;
  }

  get appended(): number {
    return this.#pending.length + this.#written.length;
  }

  /** The events written by `flush`, in seq order. */
  get written(): readonly EventRecord[] {
    return this.#written;
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
   * Numbers and chains the transaction's events, writes them (one multi-row insert per page: fewer round
   * trips than one per event) and the new head; call once, after the use case's work, right before the
   * commit. On PostgreSQL a transaction's events (up to a page) are chained in SQL by one statement that
   * carries the commit; larger ones, and SQLite's, are chained here, the head read (on PostgreSQL locked)
   * just before they are written. `alongside` rides along with the statement that reads the head (a
   * notification queued for the commit, say).
   */
  async flush(alongside?: RawBuilder<unknown>): Promise<void> {
    if (this.#pending.length === 0) return;
    if (this.#kind === 'postgres' && this.#pending.length <= FLUSH_PAGE)
      return this.#flushChainedInSql(alongside);
    const trx = this.#trx;
    const kind = this.#kind;
    const along = alongside?.compile(trx);
    const readHead = HOT.bind(
      `head/${kind}/${along?.sql ?? ''}`,
      () => {
        let q = trx.selectFrom('event_head').select(['seq', 'hash']).where('id', '=', 1);
        if (alongside !== undefined) q = q.select(alongside.as('alongside'));
        if (kind === 'postgres') q = q.forUpdate();
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
    this.#pending = [];
  }

  /**
   * PostgreSQL: one statement locks the chain head, numbers and chains the events, inserts them and moves
   * the head, and the commit goes with it: the head stays locked for one round trip. The events go as one
   * JSON array of their `chainedFields`: PostgreSQL's `json` keeps each element's text as sent, which is
   * `[<chainedContent>]`, so the chain is made in SQL from the very text `eventHash` hashes.
   */
  async #flushChainedInSql(alongside?: RawBuilder<unknown>): Promise<void> {
    const pending = this.#pending;
    const events = JSON.stringify(pending.map(chainedFields));
    const along = alongside?.compile(this.#trx);
    const statement = HOT.bind(
      `chain/${along?.sql ?? ''}`,
      () =>
        sql<{ seq: string; prev_hash: string; hash: string }>`
      with recursive
        head as (select seq, hash from event_head where id = 1 for update),
        batch as (
          select b.i::int as i, b.e ->> 0 as ts, b.e ->> 1 as type, b.e ->> 2 as subject_kind,
            b.e ->> 3 as subject_id, b.e ->> 4 as tenant, b.e ->> 5 as actor, b.e ->> 6 as data,
            substr(b.e::text, 2, length(b.e::text) - 2) as content
          from json_array_elements(${events}::json) with ordinality as b(e, i)
        ),
        chain as (
          select 0 as i, seq, null::text as prev_hash, hash from head
          union all
          select b.i, c.seq + 1, c.hash,
            encode(sha256(convert_to('[' || (c.seq + 1) || ',' || b.content || ',"' || c.hash || '"]', 'UTF8')), 'hex')
          from chain c join batch b on b.i = c.i + 1
        ),
        written as (
          insert into events (seq, ts, type, subject_kind, subject_id, tenant, actor, data, prev_hash, hash)
          select c.seq, b.ts, b.type, b.subject_kind, b.subject_id, b.tenant, b.actor, b.data, c.prev_hash, c.hash
          from batch b join chain c on c.i = b.i
        ),
        moved as (
          update event_head set seq = last.seq, hash = last.hash
          from (select seq, hash from chain order by i desc limit 1) as last
          where event_head.id = 1
        )
      select c.seq, c.prev_hash, c.hash${alongside === undefined ? sql`` : sql`, ${alongside} as alongside`}
      from chain c where c.i > 0 order by c.i`.compile(this.#trx),
      [events, ...(along?.parameters ?? [])],
    );
    const { rows } = await executeMarked(this.#trx, COMMIT_FOLLOWS, statement);
    if (rows.length !== pending.length) throw new Error(`chained ${rows.length} of ${pending.length} events`);
    this.#written = pending.map((e, i) => ({
      ...e,
      seq: Number(rows[i]!.seq),
      prevHash: rows[i]!.prev_hash,
      hash: rows[i]!.hash,
    }));
    this.#pending = [];
  }
}

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

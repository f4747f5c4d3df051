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
  readonly #channel: string;

  /** `channel`: where a sealing tells the other instances of new events (PostgreSQL). */
  constructor(trx: Transaction<Database>, kind: StoreKind, now: () => number, channel = '') {
    this.#trx = trx;
    this.#kind = kind;
    this.#now = now;
    this.#channel = channel;
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
   * PostgreSQL: one statement, which carries the commit, tries the sealer's lock. Got it (nobody else is
   * sealing), the transaction seals inline: the events other transactions committed unsealed, then its
   * own, numbered and chained after the head, as a sealing would (one commit, no waiting). Not got, its
   * events are written unsealed, for the sealer. The events go as one JSON array of their
   * `chainedFields`: PostgreSQL's `json` keeps each element's text as sent, `[<chainedContent>]`, which is
   * what the chain hashes.
   */
  async #flushUnsealed(alongside?: RawBuilder<unknown>): Promise<void> {
    const pending = this.#pending;
    const events = JSON.stringify(pending.map(chainedFields));
    const along = alongside?.compile(this.#trx);
    const channel = this.#channel;
    const statement = HOT.bind(
      `inline/${along?.sql ?? ''}`,
      () => inlineSeal(events, channel, alongside).compile(this.#trx),
      [events, ...(along?.parameters ?? []), channel],
    );
    const { rows } = await executeMarked(this.#trx, COMMIT_FOLLOWS, statement);
    const first = rows[0];
    if (first === undefined) throw new Error('the events were written without an answer');
    if (first.locked) {
      this.#written = rows.map(sealedRecord);
      if (this.#written.length < pending.length) throw new Error('sealed fewer events than written');
    } else this.#unsealedXid = first.xid;
    this.#wrote = pending;
    this.#pending = [];
  }
}

/** One row per event sealed, or one row of nulls but `locked` and `xid` when none was. */
export interface SealedRow extends Omit<EventsTable, 'seq'> {
  locked: boolean;
  /** The writer's transaction id (null in the sealer's own sealing). */
  xid: string | null;
  seq: string | null;
}

export const sealedRecord = (r: SealedRow): EventRecord => toEventRecord({ ...r, seq: Number(r.seq) });

/** Most unsealed events one sealing takes (inline or by the sealer). */
export const SEAL_BATCH = 1000;

/**
 * The sealing statement (docs/event-log.md "Sealing"), shared by the sealer (`own` empty) and a writer
 * sealing inline. It tries the advisory lock (per schema, so schemas sharing a database do not contend);
 * without it, it only parks the writer's own events unsealed. With it, it takes the oldest unsealed
 * events, then the writer's own, numbers and chains them after the head, writes them, deletes what it
 * took, moves the head and notifies the other instances (one notification per transaction: same payload).
 *
 * The statement's snapshot is taken before it gets the lock, so the previous sealing may have committed
 * in between: the unsealed rows are therefore taken `for update` (rows that sealing deleted are skipped,
 * never sealed twice), and so is the head (its newest version is read). Locking the head also keeps out
 * an instance of an older version, which chains into `events` itself.
 */
export const inlineSeal = (events: string, channel: string, alongside?: RawBuilder<unknown>) =>
  sealing(events, channel, true, alongside);

/** The sealer's sealing: nothing of its own, and no transaction id of its own (an idle one writes nothing). */
export const sealerSeal = (channel: string) => sealing('[]', channel, false);

const sealing = (
  events: string,
  channel: string,
  withXid: boolean,
  alongside?: RawBuilder<unknown>,
) => sql<SealedRow>`
  with recursive
    gate as materialized (
      select pg_try_advisory_xact_lock(hashtext('fabrica.sealer'), hashtext(current_schema())) as locked
    ),
    own as materialized (
      select b.i::int as pos, b.e ->> 0 as ts, b.e ->> 1 as type, b.e ->> 2 as subject_kind,
        b.e ->> 3 as subject_id, b.e ->> 4 as tenant, b.e ->> 5 as actor, b.e ->> 6 as data,
        substr(b.e::text, 2, length(b.e::text) - 2) as content
      from json_array_elements(${events}::json) with ordinality as b(e, i)
    ),
    parked as (
      insert into event_unsealed (pos, ts, type, subject_kind, subject_id, tenant, actor, data, content)
      select o.pos, o.ts, o.type, o.subject_kind, o.subject_id, o.tenant, o.actor, o.data, o.content
      from own o where not (select locked from gate)
    ),
    head as (select seq, hash from event_head where id = 1 and (select locked from gate) for update),
    taken as (
      select u.xid, u.pos, u.ts, u.type, u.subject_kind, u.subject_id, u.tenant, u.actor, u.data, u.content
      from event_unsealed u
      where (select locked from gate)
      order by u.xid, u.pos
      limit ${sql.lit(SEAL_BATCH)}
      for update
    ),
    batch as (
      select row_number() over (order by x.k, x.xid, x.pos)::int as i, x.*
      from (
        select 0 as k, t.xid, t.pos, t.ts, t.type, t.subject_kind, t.subject_id, t.tenant, t.actor, t.data,
          t.content
        from taken t
        union all
        select 1, null::xid8, o.pos, o.ts, o.type, o.subject_kind, o.subject_id, o.tenant, o.actor, o.data,
          o.content
        from own o where (select locked from gate)
      ) x
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
    removed as (
      delete from event_unsealed u using batch b where b.k = 0 and u.xid = b.xid and u.pos = b.pos
    ),
    moved as (
      update event_head set seq = last.seq, hash = last.hash
      from (select i, seq, hash from chain order by i desc limit 1) as last
      where event_head.id = 1 and last.i > 0
    )
  select g.locked, ${withXid ? sql`pg_current_xact_id()::text` : sql`null::text`} as xid, s.seq, s.prev_hash, s.hash, s.ts, s.type,
    s.subject_kind, s.subject_id, s.tenant, s.actor, s.data${alongside === undefined ? sql`` : sql`, ${alongside} as alongside`}
  from gate g left join (
    select c.i, c.seq, c.prev_hash, c.hash, b.ts, b.type, b.subject_kind, b.subject_id, b.tenant, b.actor,
      b.data, pg_notify(${channel}, 'e') as notified
    from chain c join batch b on b.i = c.i
  ) s on true
  order by s.i`;

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

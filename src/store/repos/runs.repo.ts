import { sql, type CompiledQuery, type Kysely, type OnConflictBuilder } from 'kysely';
import type { Run, RunAggregate } from '../../domain/runs/run-model.js';
import type { RunListQuery, RunRecord, RunsRepo, StoredReview } from '../../engine/runs/run-ports.js';
import type { StoreKind } from '../../engine/ports.js';
import { CompiledOnce } from '../compiled-once.js';
import { executeMarked, SENT_WITH_NEXT } from '../postgres/prepared-pg-client.js';
import type { Database } from '../schema.js';

/** Where a RunQueries keeps what it learns of runs' records (see run-aggregate-cache.ts). */
export interface AggregateMemory {
  get(run: Run): RunAggregate | undefined;
  learn(agg: RunAggregate): void;
  unknown(runId: string): void;
}

const parseRun = (doc: string, version: number): Run => ({ ...(JSON.parse(doc) as Run), version });

/** Runs and their records as JSON documents: a run is always loaded and written whole. */
export class RunQueries implements RunsRepo {
  readonly #db: Kysely<Database>;
  readonly #kind: StoreKind;
  readonly #known: AggregateMemory;
  constructor(db: Kysely<Database>, kind: StoreKind, known: AggregateMemory) {
    this.#db = db;
    this.#kind = kind;
    this.#known = known;
  }

  async run(id: string): Promise<Run | null> {
    const r = await this.#db
      .selectFrom('runs')
      .select(['doc', 'version'])
      .where('id', '=', id)
      .executeTakeFirst();
    return r === undefined ? null : parseRun(r.doc, Number(r.version));
  }

  async lockRun(id: string): Promise<Run | null> {
    const lock = HOT.bind(
      `lockRun/${this.#kind}`,
      () => {
        const q = this.#db.selectFrom('runs').select(['doc', 'version']).where('id', '=', id);
        return (this.#kind === 'postgres' ? q.forUpdate() : q).compile();
      },
      [id],
    );
    const [r] = (await this.#db.executeQuery(lock)).rows;
    return r === undefined ? null : parseRun(r.doc, Number(r.version));
  }

  async aggregate(id: string): Promise<RunAggregate | null> {
    const run = await this.run(id);
    return run === null ? null : this.aggregateOf(run);
  }

  async aggregateOf(run: Run): Promise<RunAggregate> {
    const known = this.#known.get(run);
    if (known !== undefined) return known;
    const rows = await this.#db
      .selectFrom('run_records')
      .select(['record_type', 'doc', 'version'])
      .where('run_id', '=', run.id)
      .where('record_type', '!=', 'review')
      // Byte order on both databases, whatever PostgreSQL's collation: the order a change's records
      // are put back in when the aggregate is worked out without reading it (recordOrder).
      .orderBy(this.#kind === 'postgres' ? sql`id collate "C"` : sql`id`)
      .execute();
    const agg = aggregateFrom(run, rows);
    this.#known.learn(agg);
    return agg;
  }

  async latestReview(runId: string): Promise<StoredReview | null> {
    const r = await this.#db
      .selectFrom('run_records')
      .select('doc')
      .where('run_id', '=', runId)
      .where('record_type', '=', 'review')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return r === undefined ? null : (JSON.parse(r.doc) as StoredReview);
  }

  async list(q: RunListQuery): Promise<Run[]> {
    let query = this.#db.selectFrom('runs').select(['doc', 'version']);
    if (q.tenant !== undefined) query = query.where('tenant', '=', q.tenant);
    if (q.status !== undefined) query = query.where('status', '=', q.status);
    if (q.after !== undefined) query = query.where('id', '<', q.after);
    const rows = await query.orderBy('id', 'desc').limit(q.limit).execute();
    return rows.map((r) => parseRun(r.doc, Number(r.version)));
  }

  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.#db
      .selectFrom('runs')
      .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  async insertRun(run: Run): Promise<void> {
    const { version, ...doc } = run;
    await this.#sendWithNext(
      this.#db
        .insertInto('runs')
        .values({
          id: run.id,
          tenant: run.tenant,
          status: run.status,
          doc: JSON.stringify(doc),
          version,
          created_at: run.createdAt,
          updated_at: run.updatedAt,
        })
        .compile(),
    );
  }

  async updateRun(run: Run): Promise<void> {
    this.#known.unknown(run.id);
    await this.#updateRun(run);
  }

  async #updateRun(run: Run): Promise<void> {
    const row = runUpdate(run);
    await this.#sendWithNext(
      HOT.bind(
        `updateRun/${this.#kind}`,
        () => this.#db.updateTable('runs').set(row).where('id', '=', run.id).compile(),
        [...Object.values(row), run.id],
      ),
    );
  }

  /**
   * The change's records and the run's new version. The aggregate a later change of this version would
   * read is worked out from the one this change started from, so that it need not be read again. On
   * PostgreSQL both writes go out with the transaction's next statement: no round trip of their own.
   */
  async saveChange(run: Run, records: readonly RunRecord[]): Promise<void> {
    const rows = recordRows(run.id, records);
    const base = this.#known.get({ ...run, version: run.version - 1 });
    if (base === undefined) this.#known.unknown(run.id);
    else this.#known.learn(applyRows(base, run, rows));
    await this.#putRows(rows);
    await this.#updateRun(run);
  }

  async putRecords(runId: string, records: readonly RunRecord[]): Promise<void> {
    // Reviews are no part of the aggregate; anything else put outside a change makes it unknown.
    if (records.some((r) => r.type !== 'review')) this.#known.unknown(runId);
    await this.#putRows(recordRows(runId, records));
  }

  async #putRows(rows: readonly RecordRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += RECORD_PAGE) {
      const page = rows.slice(i, i + RECORD_PAGE);
      await this.#sendWithNext(
        HOT.bindRows(`putRecords/${this.#kind}`, page, () =>
          this.#db.insertInto('run_records').values(page).onConflict(upsertRecord).compile(),
        ),
      );
    }
  }

  /**
   * A write whose outcome nothing here reads: on PostgreSQL, inside a transaction, it goes out with the
   * transaction's next statement (see `SENT_WITH_NEXT`); its failure fails the transaction all the same.
   */
  async #sendWithNext(statement: CompiledQuery): Promise<void> {
    await executeMarked(this.#db, SENT_WITH_NEXT, statement);
  }
}

/** The columns of a run's row that a change writes. */
function runUpdate(run: Run) {
  const { version, ...doc } = run;
  return { status: run.status, doc: JSON.stringify(doc), version, updated_at: run.updatedAt };
}

const HOT = new CompiledOnce();

/** Rows per insert statement, far below both databases' parameter limits. */
const RECORD_PAGE = 500;

type StoredRecord = { record_type: string; doc: string; version: number | string };
type RecordRow = ReturnType<typeof recordRows>[number];
type AggregateLists = Omit<RunAggregate, 'run'>;
type ListName = keyof AggregateLists;

/** The aggregate's list of each record type (reviews are kept apart). */
const LIST_OF: ReadonlyMap<string, ListName> = new Map([
  ['stage', 'stages'],
  ['issue', 'issues'],
  ['checkpoint', 'checkpoints'],
  ['artifact', 'artifacts'],
  ['gate', 'gates'],
]);

/** A stored record as the aggregate holds it. */
function recordValue(r: StoredRecord): { id: string; version?: number } {
  const doc = JSON.parse(r.doc) as { id: string; version?: number };
  // An artifact's or a gate's `version` is its provenance number, not a row version: keep the document's.
  if (r.record_type === 'artifact' || r.record_type === 'gate') return doc;
  return { ...doc, version: Number(r.version) };
}

function aggregateFrom(run: Run, rows: readonly StoredRecord[]): RunAggregate {
  const lists: Record<ListName, { id: string }[]> = {
    stages: [],
    issues: [],
    checkpoints: [],
    artifacts: [],
    gates: [],
  };
  for (const r of rows) {
    const list = LIST_OF.get(r.record_type);
    if (list !== undefined) lists[list].push(recordValue(r));
  }
  return { run, ...(lists as unknown as AggregateLists) };
}

/**
 * The aggregate after a change, from the one before it and the rows the change wrote: each row read back
 * as a read would (from the same document text), in place of the record it replaces, every list in the
 * order a read returns it.
 */
function applyRows(base: RunAggregate, run: Run, rows: readonly RecordRow[]): RunAggregate {
  const lists: Record<ListName, readonly { id: string }[]> = { ...base };
  const touched = new Map<ListName, Map<string, { id: string }>>();
  for (const row of rows) {
    const name = LIST_OF.get(row.record_type);
    if (name === undefined) continue;
    let byId = touched.get(name);
    if (byId === undefined) {
      byId = new Map(lists[name].map((r) => [r.id, r]));
      touched.set(name, byId);
    }
    byId.set(row.id, recordValue(row));
  }
  for (const [name, byId] of touched) lists[name] = [...byId.values()].sort(recordOrder);
  return { ...(lists as unknown as AggregateLists), run };
}

/**
 * Ids in the order both databases return them under a binary collation. Record ids are ASCII (made by
 * the id generator), where JavaScript's string order is byte order.
 */
function recordOrder(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

const upsertRecord = (oc: OnConflictBuilder<Database, 'run_records'>) =>
  oc.column('id').doUpdateSet((eb) => ({
    doc: eb.ref('excluded.doc'),
    version: eb.ref('excluded.version'),
    updated_at: eb.ref('excluded.updated_at'),
  }));

/** The rows of a change's records; the last write of a record wins (a draft may put one several times). */
function recordRows(runId: string, records: readonly RunRecord[]) {
  const latest = new Map<string, RunRecord>();
  for (const rec of records) latest.set((rec.value as { id: string }).id, rec);
  return [...latest.values()].map((rec) => {
    const v = rec.value as { id: string; createdAt: string; updatedAt?: string; version?: number };
    return {
      id: v.id,
      run_id: runId,
      record_type: rec.type,
      created_at: v.createdAt,
      doc: JSON.stringify(rec.value),
      version: rec.type === 'artifact' || rec.type === 'gate' || rec.type === 'review' ? 1 : (v.version ?? 1),
      updated_at: v.updatedAt ?? v.createdAt,
    };
  });
}

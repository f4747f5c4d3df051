import type { Kysely, OnConflictBuilder } from 'kysely';
import type { Run, RunAggregate } from '../domain/runs/run-model.js';
import type { RunListQuery, RunRecord, RunsRepo, StoredReview } from '../engine/runs/run-ports.js';
import type { StoreKind } from '../engine/ports.js';
import type { Database } from './schema.js';

const parseRun = (doc: string, version: number): Run => ({ ...(JSON.parse(doc) as Run), version });

/** Runs and their records as JSON documents: a run is always loaded and written whole. */
export class RunQueries implements RunsRepo {
  readonly #db: Kysely<Database>;
  readonly #kind: StoreKind;
  constructor(db: Kysely<Database>, kind: StoreKind) {
    this.#db = db;
    this.#kind = kind;
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
    let q = this.#db.selectFrom('runs').select(['doc', 'version']).where('id', '=', id);
    if (this.#kind === 'postgres') q = q.forUpdate();
    const r = await q.executeTakeFirst();
    return r === undefined ? null : parseRun(r.doc, Number(r.version));
  }

  async aggregate(id: string): Promise<RunAggregate | null> {
    const run = await this.run(id);
    return run === null ? null : this.aggregateOf(run);
  }

  async aggregateOf(run: Run): Promise<RunAggregate> {
    const rows = await this.#db
      .selectFrom('run_records')
      .select(['record_type', 'doc', 'version'])
      .where('run_id', '=', run.id)
      .where('record_type', '!=', 'review')
      .orderBy('id')
      .execute();
    return aggregateFrom(run, rows);
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
    await this.#db
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
      .execute();
  }

  async updateRun(run: Run): Promise<void> {
    const { version, ...doc } = run;
    await this.#db
      .updateTable('runs')
      .set({ status: run.status, doc: JSON.stringify(doc), version, updated_at: run.updatedAt })
      .where('id', '=', run.id)
      .execute();
  }

  async saveChange(run: Run, records: readonly RunRecord[]): Promise<void> {
    const rows = recordRows(run.id, records);
    if (this.#kind !== 'postgres' || rows.length === 0 || rows.length > RECORD_PAGE) {
      await this.putRecords(run.id, records);
      await this.updateRun(run);
      return;
    }
    // One round trip for the records and the run row.
    const { version, ...doc } = run;
    await this.#db
      .with('run_updated', (db) =>
        db
          .updateTable('runs')
          .set({ status: run.status, doc: JSON.stringify(doc), version, updated_at: run.updatedAt })
          .where('id', '=', run.id),
      )
      .insertInto('run_records')
      .values(rows)
      .onConflict(upsertRecord)
      .execute();
  }

  async putRecords(runId: string, records: readonly RunRecord[]): Promise<void> {
    const rows = recordRows(runId, records);
    for (let i = 0; i < rows.length; i += RECORD_PAGE) {
      await this.#db
        .insertInto('run_records')
        .values(rows.slice(i, i + RECORD_PAGE))
        .onConflict(upsertRecord)
        .execute();
    }
  }
}

/** Rows per insert statement, far below both databases' parameter limits. */
const RECORD_PAGE = 500;

type RecordRow = { record_type: string; doc: string; version: number | string };

function aggregateFrom(run: Run, rows: readonly RecordRow[]): RunAggregate {
  const of = <T>(type: string) =>
    rows
      .filter((r) => r.record_type === type)
      .map((r) => ({ ...(JSON.parse(r.doc) as T), version: Number(r.version) }));
  return {
    run,
    stages: of('stage'),
    issues: of('issue'),
    checkpoints: of('checkpoint'),
    // An artifact's `version` is its provenance number, not a row version: keep the document's own.
    artifacts: rows
      .filter((r) => r.record_type === 'artifact')
      .map((r) => JSON.parse(r.doc) as RunAggregate['artifacts'][number]),
    gates: rows
      .filter((r) => r.record_type === 'gate')
      .map((r) => JSON.parse(r.doc) as RunAggregate['gates'][number]),
  };
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

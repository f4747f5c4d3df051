import type { Kysely, Selectable } from 'kysely';
import { addStats, emptyStats, normaliseHist } from '../../domain/rollouts/call-stats.js';
import type { VerdictKind } from '../../domain/rollouts/judge.js';
import { readShadow, type ShadowSample } from '../../domain/rollouts/shadow.js';
import type {
  MinuteStats,
  OrganStatsRow,
  RolloutsRepo,
  ShadowRow,
  StatsRow,
  StoredPolicy,
  StoredVerdict,
} from '../../engine/rollouts/rollout-ports.js';
import type { CellVerdictsTable, Database } from '../schema.js';

const toVerdict = (r: Selectable<CellVerdictsTable>): StoredVerdict => ({
  revisionId: r.revision_id,
  seq: Number(r.seq),
  cellId: r.cell_id,
  version: r.version,
  state: r.state,
  verdict: r.verdict as VerdictKind,
  doc: JSON.parse(r.doc) as Record<string, unknown>,
  at: r.at,
});

/** Rollout policies, per-minute call statistics and the judge's verdicts (migration 008). */
export class RolloutQueries implements RolloutsRepo {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async policy(cellId: string): Promise<StoredPolicy | null> {
    const r = await this.#db
      .selectFrom('cell_policies')
      .selectAll()
      .where('cell_id', '=', cellId)
      .executeTakeFirst();
    if (r === undefined) return null;
    return {
      cellId: r.cell_id,
      doc: JSON.parse(r.doc) as unknown,
      version: Number(r.version),
      updatedAt: r.updated_at,
      updatedBy: r.updated_by,
    };
  }

  async putPolicy(p: StoredPolicy): Promise<void> {
    const values = {
      doc: JSON.stringify(p.doc),
      version: p.version,
      updated_at: p.updatedAt,
      updated_by: p.updatedBy,
    };
    await this.#db
      .insertInto('cell_policies')
      .values({ cell_id: p.cellId, ...values })
      .onConflict((oc) => oc.column('cell_id').doUpdateSet(values))
      .execute();
  }

  async putStats(rows: readonly StatsRow[]): Promise<void> {
    for (const r of rows) {
      const values = { calls: r.stats.calls, errors: r.stats.errors, hist: JSON.stringify(r.stats.hist) };
      await this.#db
        .insertInto('cell_call_stats')
        .values({
          revision_id: r.revisionId,
          cell_id: r.cellId,
          minute: r.minute,
          instance: r.instance,
          ...values,
        })
        .onConflict((oc) => oc.columns(['revision_id', 'minute', 'instance']).doUpdateSet(values))
        .execute();
    }
  }

  async deleteStatsBefore(minute: number): Promise<number> {
    const r = await this.#db.deleteFrom('cell_call_stats').where('minute', '<', minute).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async putShadowStats(rows: readonly ShadowRow[]): Promise<void> {
    for (const r of rows) {
      const values = {
        calls: r.stats.calls,
        equal: r.stats.equal,
        different: r.stats.different,
        errors: r.stats.errors,
        dropped: r.stats.dropped,
        hist: JSON.stringify(r.stats.hist),
        samples: JSON.stringify(r.samples),
      };
      await this.#db
        .insertInto('cell_shadow_stats')
        .values({
          revision_id: r.revisionId,
          cell_id: r.cellId,
          minute: r.minute,
          instance: r.instance,
          ...values,
        })
        .onConflict((oc) => oc.columns(['revision_id', 'minute', 'instance']).doUpdateSet(values))
        .execute();
    }
  }

  async deleteShadowStatsBefore(minute: number): Promise<number> {
    const r = await this.#db.deleteFrom('cell_shadow_stats').where('minute', '<', minute).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async shadowStats(revisionId: string, fromMinute: number, toMinute: number): Promise<ShadowRow[]> {
    const rows = await this.#db
      .selectFrom('cell_shadow_stats')
      .selectAll()
      .where('revision_id', '=', revisionId)
      .where('minute', '>=', fromMinute)
      .where('minute', '<=', toMinute)
      .orderBy('minute')
      .execute();
    return rows.map((r) => ({
      revisionId: r.revision_id,
      cellId: r.cell_id,
      minute: Number(r.minute),
      instance: r.instance,
      stats: readShadow({ ...r, hist: JSON.parse(r.hist) as unknown }),
      samples: JSON.parse(r.samples) as ShadowSample[],
    }));
  }

  async putOrganStats(rows: readonly OrganStatsRow[]): Promise<void> {
    for (const r of rows) {
      const values = { calls: r.stats.calls, errors: r.stats.errors, hist: JSON.stringify(r.stats.hist) };
      await this.#db
        .insertInto('organ_call_stats')
        .values({ organ_id: r.organId, minute: r.minute, instance: r.instance, ...values })
        .onConflict((oc) => oc.columns(['organ_id', 'minute', 'instance']).doUpdateSet(values))
        .execute();
    }
  }

  async deleteOrganStatsBefore(minute: number): Promise<number> {
    const r = await this.#db.deleteFrom('organ_call_stats').where('minute', '<', minute).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async organStats(organId: string, fromMinute: number, toMinute: number) {
    const rows = await this.#db
      .selectFrom('organ_call_stats')
      .select(['minute', 'calls', 'errors', 'hist'])
      .where('organ_id', '=', organId)
      .where('minute', '>=', fromMinute)
      .where('minute', '<=', toMinute)
      .orderBy('minute')
      .execute();
    const byMinute = new Map<number, { minute: number; stats: ReturnType<typeof emptyStats> }>();
    for (const r of rows) {
      const minute = Number(r.minute);
      let m = byMinute.get(minute);
      if (m === undefined) byMinute.set(minute, (m = { minute, stats: emptyStats() }));
      addStats(m.stats, {
        calls: Number(r.calls),
        errors: Number(r.errors),
        hist: normaliseHist(JSON.parse(r.hist)),
      });
    }
    return [...byMinute.values()];
  }

  async stats(revisionIds: readonly string[], fromMinute: number, toMinute: number): Promise<MinuteStats[]> {
    if (revisionIds.length === 0) return [];
    const rows = await this.#db
      .selectFrom('cell_call_stats')
      .select(['revision_id', 'minute', 'calls', 'errors', 'hist'])
      .where('revision_id', 'in', revisionIds)
      .where('minute', '>=', fromMinute)
      .where('minute', '<=', toMinute)
      .orderBy('minute')
      .execute();
    // Summed over instances here: the histograms are JSON, so the database cannot add them.
    const byKey = new Map<string, MinuteStats>();
    for (const r of rows) {
      const key = `${r.revision_id}|${r.minute}`;
      let m = byKey.get(key);
      if (m === undefined) {
        m = { revisionId: r.revision_id, minute: Number(r.minute), stats: emptyStats() };
        byKey.set(key, m);
      }
      addStats(m.stats, {
        calls: Number(r.calls),
        errors: Number(r.errors),
        hist: normaliseHist(JSON.parse(r.hist)),
      });
    }
    return [...byKey.values()];
  }

  async verdicts(revisionId: string, limit: number, beforeSeq?: number): Promise<StoredVerdict[]> {
    let q = this.#db.selectFrom('cell_verdicts').selectAll().where('revision_id', '=', revisionId);
    if (beforeSeq !== undefined) q = q.where('seq', '<', beforeSeq);
    const rows = await q.orderBy('seq', 'desc').limit(limit).execute();
    return rows.map(toVerdict);
  }

  async verdictsInState(
    revisionId: string,
    state: string,
    limit: number,
  ): Promise<{ count: number; newest: StoredVerdict[] }> {
    const count = await this.#db
      .selectFrom('cell_verdicts')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('revision_id', '=', revisionId)
      .where('state', '=', state)
      .executeTakeFirst();
    const rows = await this.#db
      .selectFrom('cell_verdicts')
      .selectAll()
      .where('revision_id', '=', revisionId)
      .where('state', '=', state)
      .orderBy('seq', 'desc')
      .limit(limit)
      .execute();
    return { count: Number(count?.n ?? 0), newest: rows.map(toVerdict) };
  }

  async insertVerdict(v: StoredVerdict): Promise<boolean> {
    const r = await this.#db
      .insertInto('cell_verdicts')
      .values({
        revision_id: v.revisionId,
        seq: v.seq,
        cell_id: v.cellId,
        version: v.version,
        state: v.state,
        verdict: v.verdict,
        doc: JSON.stringify(v.doc),
        at: v.at,
      })
      .onConflict((oc) => oc.columns(['revision_id', 'seq']).doNothing())
      .returning('seq')
      .executeTakeFirst();
    // No row back when the conflict clause skipped the insert (both SQLite and PostgreSQL return nothing).
    return r !== undefined;
  }

  async lastVerdictSeq(revisionId: string): Promise<number> {
    const r = await this.#db
      .selectFrom('cell_verdicts')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .where('revision_id', '=', revisionId)
      .executeTakeFirst();
    return r?.seq === null || r?.seq === undefined ? 0 : Number(r.seq);
  }
}

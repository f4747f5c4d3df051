import { sql, type Kysely } from 'kysely';
import type { Organ } from '../../domain/organs/organ-model.js';
import type { OrganQuery, OrgansRepo } from '../../engine/organs/organ-ports.js';
import type { StoreKind } from '../../engine/ports.js';
import type { Database } from '../schema.js';

const parse = (doc: string, version: number): Organ => ({ ...(JSON.parse(doc) as Organ), version });
const docOf = (o: Organ) => {
  const { version: _v, ...doc } = o;
  return JSON.stringify(doc);
};

export class OrganQueries implements OrgansRepo {
  readonly #db: Kysely<Database>;
  readonly #kind: StoreKind;
  constructor(db: Kysely<Database>, kind: StoreKind) {
    this.#db = db;
    this.#kind = kind;
  }

  async organ(id: string): Promise<Organ | null> {
    const r = await this.#db
      .selectFrom('organs')
      .select(['doc', 'version'])
      .where('id', '=', id)
      .executeTakeFirst();
    return r === undefined ? null : parse(r.doc, Number(r.version));
  }

  async lockOrgan(id: string): Promise<Organ | null> {
    let q = this.#db.selectFrom('organs').select(['doc', 'version']).where('id', '=', id);
    if (this.#kind === 'postgres') q = q.forUpdate();
    const r = await q.executeTakeFirst();
    return r === undefined ? null : parse(r.doc, Number(r.version));
  }

  async list(q: OrganQuery): Promise<Organ[]> {
    let query = this.#db.selectFrom('organs').select(['doc', 'version']);
    if (q.state !== undefined) query = query.where('state', '=', q.state);
    if (q.after !== undefined) query = query.where('seq', '>', q.after);
    const rows = await query.orderBy('seq').limit(q.limit).execute();
    return rows.map((r) => parse(r.doc, Number(r.version)));
  }

  async countByState(): Promise<Record<string, number>> {
    const rows = await this.#db
      .selectFrom('organs')
      .select((eb) => ['state', eb.fn.countAll<number>().as('n')])
      .groupBy('state')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  }

  async nextNumber(): Promise<number> {
    const r = await this.#db
      .updateTable('counters')
      .set({ value: sql`value + 1` })
      .where('name', '=', 'organ')
      .returning('value')
      .executeTakeFirstOrThrow();
    return Number(r.value);
  }

  async insert(o: Organ, seq: number): Promise<void> {
    await this.#db
      .insertInto('organs')
      .values({
        id: o.id,
        seq,
        state: o.state,
        doc: docOf(o),
        version: o.version,
        created_at: o.createdAt,
        updated_at: o.updatedAt,
      })
      .execute();
  }

  async update(o: Organ): Promise<void> {
    await this.#db
      .updateTable('organs')
      .set({ state: o.state, doc: docOf(o), version: o.version, updated_at: o.updatedAt })
      .where('id', '=', o.id)
      .execute();
  }
}

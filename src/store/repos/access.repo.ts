import type { Kysely } from 'kysely';
import type { AccessLevel, TokenRecord, TokenState } from '../../domain/access.js';
import {
  SAFE_MODE_OFF,
  type CapabilityLevel,
  type CapabilityName,
  type CapabilityRecord,
  type SafeModeState,
} from '../../domain/capabilities.js';
import type { AccessReads, AccessRepo } from '../../engine/access/access-ports.js';
import type { StoreKind } from '../../engine/ports.js';
import type { CapabilitiesTable, Database, TokensTable } from '../schema.js';

const toToken = (r: TokensTable): TokenRecord => ({
  id: r.id,
  secretHash: r.secret_hash,
  tenant: r.tenant,
  access: r.access as AccessLevel,
  label: r.label,
  state: r.state as TokenState,
  createdAt: r.created_at,
  createdBy: r.created_by,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
  version: Number(r.version),
});

const toCapability = (r: CapabilitiesTable): CapabilityRecord => ({
  name: r.name as CapabilityName,
  level: r.level as CapabilityLevel,
  reason: r.reason,
  updatedAt: r.updated_at,
  updatedBy: r.updated_by,
  version: Number(r.version),
});

const SAFE_MODE_KEY = 'safe_mode';
const ADMIN_HASH_KEY = 'admin_token_hash';

/** Reads and writes of tokens, capabilities and switches; works on the database or on one transaction. */
export class AccessQueries implements AccessReads, AccessRepo {
  readonly #db: Kysely<Database>;
  readonly #now: () => number;
  readonly #kind: StoreKind;
  constructor(db: Kysely<Database>, now: () => number, kind: StoreKind) {
    this.#db = db;
    this.#now = now;
    this.#kind = kind;
  }

  async tokenByHash(secretHash: string): Promise<TokenRecord | null> {
    const r = await this.#db
      .selectFrom('tokens')
      .selectAll()
      .where('secret_hash', '=', secretHash)
      .executeTakeFirst();
    return r === undefined ? null : toToken(r);
  }

  async tokenById(id: string): Promise<TokenRecord | null> {
    const r = await this.#db.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return r === undefined ? null : toToken(r);
  }

  async listTokens(opts: { after?: string; limit: number; tenant?: string }): Promise<TokenRecord[]> {
    let q = this.#db.selectFrom('tokens').selectAll();
    if (opts.after !== undefined) q = q.where('id', '>', opts.after);
    if (opts.tenant !== undefined) q = q.where('tenant', '=', opts.tenant);
    const rows = await q.orderBy('id').limit(opts.limit).execute();
    return rows.map(toToken);
  }

  async insertToken(t: TokenRecord): Promise<void> {
    await this.#db
      .insertInto('tokens')
      .values({
        id: t.id,
        secret_hash: t.secretHash,
        tenant: t.tenant,
        access: t.access,
        label: t.label,
        state: t.state,
        created_at: t.createdAt,
        created_by: t.createdBy,
        expires_at: t.expiresAt,
        revoked_at: t.revokedAt,
        version: t.version,
      })
      .execute();
  }

  async updateTokenState(
    id: string,
    expectedVersion: number,
    state: TokenState,
    revokedAt: string | null,
  ): Promise<boolean> {
    const r = await this.#db
      .updateTable('tokens')
      .set({ state, revoked_at: revokedAt, version: expectedVersion + 1 })
      .where('id', '=', id)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async capabilities(): Promise<CapabilityRecord[]> {
    const rows = await this.#db.selectFrom('capabilities').selectAll().orderBy('name').execute();
    return rows.map(toCapability);
  }

  async capability(name: CapabilityName): Promise<CapabilityRecord | null> {
    const r = await this.#db
      .selectFrom('capabilities')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return r === undefined ? null : toCapability(r);
  }

  async lockCapability(name: CapabilityName): Promise<CapabilityRecord | null> {
    let q = this.#db.selectFrom('capabilities').selectAll().where('name', '=', name);
    if (this.#kind === 'postgres') q = q.forUpdate();
    const r = await q.executeTakeFirst();
    return r === undefined ? null : toCapability(r);
  }

  async putCapability(rec: CapabilityRecord, expectedVersion: number): Promise<boolean> {
    const values = {
      level: rec.level,
      reason: rec.reason,
      updated_at: rec.updatedAt,
      updated_by: rec.updatedBy,
      version: expectedVersion + 1,
    };
    if (expectedVersion === 0) {
      const r = await this.#db
        .insertInto('capabilities')
        .values({ name: rec.name, ...values })
        .onConflict((oc) => oc.column('name').doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
    }
    const r = await this.#db
      .updateTable('capabilities')
      .set(values)
      .where('name', '=', rec.name)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async safeMode(): Promise<SafeModeState> {
    const r = await this.#db
      .selectFrom('system_state')
      .selectAll()
      .where('key', '=', SAFE_MODE_KEY)
      .executeTakeFirst();
    if (r === undefined) return SAFE_MODE_OFF;
    const v = JSON.parse(r.value) as Omit<SafeModeState, 'version'>;
    return { ...v, version: Number(r.version) };
  }

  async putSafeMode(state: SafeModeState, expectedVersion: number): Promise<boolean> {
    const { version: _v, ...value } = state;
    return this.#putSystem(SAFE_MODE_KEY, JSON.stringify(value), expectedVersion);
  }

  async adminTokenHash(): Promise<string | null> {
    const r = await this.#db
      .selectFrom('system_state')
      .select('value')
      .where('key', '=', ADMIN_HASH_KEY)
      .executeTakeFirst();
    return r?.value ?? null;
  }

  initAdminTokenHash(hash: string): Promise<boolean> {
    return this.#putSystem(ADMIN_HASH_KEY, hash, 0);
  }

  async replaceAdminTokenHash(hash: string): Promise<void> {
    const current = await this.#db
      .selectFrom('system_state')
      .select('version')
      .where('key', '=', ADMIN_HASH_KEY)
      .executeTakeFirst();
    await this.#putSystem(ADMIN_HASH_KEY, hash, current === undefined ? 0 : Number(current.version));
  }

  async #putSystem(key: string, value: string, expectedVersion: number): Promise<boolean> {
    const updated_at = new Date(this.#now()).toISOString();
    if (expectedVersion === 0) {
      const r = await this.#db
        .insertInto('system_state')
        .values({ key, value, version: 1, updated_at })
        .onConflict((oc) => oc.column('key').doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
    }
    const r = await this.#db
      .updateTable('system_state')
      .set({ value, version: expectedVersion + 1, updated_at })
      .where('key', '=', key)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}

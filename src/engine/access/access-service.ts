import {
  actorOf,
  publicToken,
  type AccessLevel,
  type Principal,
  type TokenRecord,
} from '../../domain/access.js';
import {
  CAPABILITIES,
  CAPABILITY_NAMES,
  SAFE_MODE_OFF,
  type CapabilityLevel,
  type CapabilityName,
  type CapabilityRecord,
  type SafeModeState,
} from '../../domain/capabilities.js';
import type { EventRecord } from '../../domain/event.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import {
  authorize,
  type ActionSpec,
  type Decision,
  type PolicyState,
  type Resource,
} from '../../domain/policy.js';
import type { Clock, Store } from '../ports.js';
import type { Scheduler } from '../scheduler.js';
import { TokenAuthenticator, type AuthResult } from './token-authenticator.js';
import { hashSecret, newSecret, newTokenId } from './token-secrets.js';

export const TOKEN_EXPIRY_ACTION = 'token.expire';

/** How often a plain write that lost a race to a concurrent write is tried again. */
const RACE_RETRIES = 10;

/**
 * Tokens, capability levels and safe mode. Keeps a read-through cache for the request hot path and
 * refreshes it from the event log, so a change made through another instance applies here too.
 */
export class AccessService {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #adminHashFromConfig: string | null;
  readonly #tokens: TokenAuthenticator;
  #capabilities = new Map<CapabilityName, CapabilityRecord>();
  #safeMode: SafeModeState = SAFE_MODE_OFF;

  constructor(store: Store, clock: Clock, adminToken: string | null) {
    this.#store = store;
    this.#clock = clock;
    this.#adminHashFromConfig = adminToken === null ? null : hashSecret(adminToken);
    this.#tokens = new TokenAuthenticator((hash) => store.access.tokenByHash(hash), clock);
  }

  registerTimers(scheduler: Scheduler): void {
    scheduler.register(TOKEN_EXPIRY_ACTION, async (tx, timer) => {
      const token = await tx.access.tokenById(timer.subjectId);
      if (token?.state !== 'active') return;
      if (!(await tx.access.updateTokenState(token.id, token.version, 'expired', null))) return;
      await tx.appendEvent({
        type: 'token.expired',
        subjectKind: 'token',
        subjectId: token.id,
        tenant: token.tenant,
        actor: 'system',
        data: { action: 'token.expire', before: { state: 'active' }, after: { state: 'expired' } },
      });
    });
  }

  /**
   * Ensures an admin token exists and applies the capability levels configuration asks for.
   * Returns the generated admin secret when this start created it (to be printed once), else null.
   */
  async init(overrides: Partial<Record<CapabilityName, CapabilityLevel>>): Promise<string | null> {
    let generated: string | null = null;
    if (this.#adminHashFromConfig === null && (await this.#store.access.adminTokenHash()) === null) {
      const secret = newSecret();
      const stored = await this.#store.transaction(async (tx) => {
        if (!(await tx.access.initAdminTokenHash(hashSecret(secret)))) return false;
        await tx.appendEvent({
          type: 'token.admin_generated',
          subjectKind: 'token',
          subjectId: 'admin',
          actor: 'system',
          data: { action: 'token.admin_generate' },
        });
        return true;
      });
      if (stored) generated = secret;
    }
    for (const [name, level] of Object.entries(overrides) as [CapabilityName, CapabilityLevel][]) {
      const current = await this.#store.access.capability(name);
      const effective = current?.level ?? CAPABILITIES[name].level;
      if (current === null || effective !== level) {
        await this.setCapability(name, level, 'set by configuration', 'config', current?.version ?? 0);
      }
    }
    await this.refresh();
    return generated;
  }

  /** Replaces the stored admin token hash; returns the new secret. */
  async rotateAdmin(actor: string): Promise<string> {
    const secret = newSecret();
    await this.#store.transaction(async (tx) => {
      await tx.access.replaceAdminTokenHash(hashSecret(secret));
      await tx.appendEvent({
        type: 'token.admin_rotated',
        subjectKind: 'token',
        subjectId: 'admin',
        actor,
        data: { action: 'token.admin_rotate' },
      });
    });
    this.#tokens.setAdminHash(hashSecret(secret));
    return secret;
  }

  async refresh(): Promise<void> {
    this.#tokens.setAdminHash(this.#adminHashFromConfig ?? (await this.#store.access.adminTokenHash()));
    this.#capabilities = new Map((await this.#store.access.capabilities()).map((c) => [c.name, c]));
    this.#safeMode = await this.#store.access.safeMode();
    this.#tokens.forget();
  }

  /** Keeps the caches true to the log; wire to the event hub. */
  onEvent(e: EventRecord): void {
    if (e.type === 'capability.changed' || e.type === 'safe_mode.changed' || e.type.startsWith('token.')) {
      this.refresh().catch(() => undefined);
    }
  }

  /** One object for every decision (it reads the current state when asked), not one per request. */
  readonly policyState: PolicyState = (() => {
    const capabilityLevel = (name: CapabilityName) => this.capabilityLevel(name);
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the getter below is not a method of this class
    const service = this;
    return {
      capabilityLevel,
      get safeMode() {
        return service.#safeMode.on;
      },
    };
  })();

  capabilityLevel(name: CapabilityName): CapabilityLevel {
    return this.#capabilities.get(name)?.level ?? CAPABILITIES[name].level;
  }

  capabilityList(): CapabilityRecord[] {
    return CAPABILITY_NAMES.map((name) => this.capability(name));
  }

  /** A capability as set, or its default when nobody has set it. */
  capability(name: CapabilityName): CapabilityRecord {
    return (
      this.#capabilities.get(name) ?? {
        name,
        level: CAPABILITIES[name].level,
        reason: 'default',
        updatedAt: '',
        updatedBy: 'default',
        version: 0,
      }
    );
  }

  get safeMode(): SafeModeState {
    return this.#safeMode;
  }

  decide(principal: Principal | null, action: ActionSpec, resource: Resource = {}): Decision {
    return authorize(principal, action, resource, this.policyState);
  }

  /** Appends the refusal to the decision log (an event an operator can query through /audit). */
  async recordDenial(
    principal: Principal | null,
    action: ActionSpec,
    decision: Exclude<Decision, { allow: true }>,
    where: { method: string; route: string },
  ): Promise<void> {
    await this.#store.transaction((tx) =>
      tx.appendEvent({
        type: 'access.denied',
        subjectKind: 'access',
        subjectId: action.name,
        tenant: principal?.kind === 'tenant' ? principal.tenant : null,
        actor: actorOf(principal),
        data: {
          action: action.name,
          code: decision.code,
          reason: decision.reason,
          ...(decision.capability === undefined ? {} : { capability: decision.capability }),
          method: where.method,
          route: where.route,
        },
      }),
    );
  }

  /** Resolves a bearer secret to a principal, or says why it cannot. Never logs or stores the secret. */
  authenticate(secret: string | null): Promise<AuthResult> {
    return this.#tokens.authenticate(secret);
  }

  /** The answer without the store, or undefined when the token must be looked up (see TokenAuthenticator). */
  authenticateKnown(secret: string | null): AuthResult | undefined {
    return this.#tokens.authenticateKnown(secret);
  }

  async createToken(
    input: { tenant: string; access: AccessLevel; expiresInMs: number | null; label: string | null },
    actor: string,
  ): Promise<{ secret: string; token: TokenRecord }> {
    const secret = newSecret();
    const now = this.#clock.now();
    const token: TokenRecord = {
      id: newTokenId(),
      secretHash: hashSecret(secret),
      tenant: input.tenant,
      access: input.access,
      label: input.label,
      state: 'active',
      createdAt: new Date(now).toISOString(),
      createdBy: actor,
      expiresAt: input.expiresInMs === null ? null : new Date(now + input.expiresInMs).toISOString(),
      revokedAt: null,
      version: 1,
    };
    await this.#store.transaction(async (tx) => {
      await tx.access.insertToken(token);
      if (input.expiresInMs !== null) {
        await tx.scheduleTimer({
          at: now + input.expiresInMs,
          subjectKind: 'token',
          subjectId: token.id,
          action: TOKEN_EXPIRY_ACTION,
        });
      }
      await tx.appendEvent({
        type: 'token.created',
        subjectKind: 'token',
        subjectId: token.id,
        tenant: token.tenant,
        actor,
        data: { action: 'token.create', before: null, after: publicToken(token) },
      });
    });
    return { secret, token };
  }

  listTokens(opts: { after?: string; limit: number; tenant?: string }): Promise<TokenRecord[]> {
    return this.#store.access.listTokens(opts);
  }

  async revokeToken(id: string, actor: string, reason: string): Promise<Result<TokenRecord>> {
    const result = await this.#store.transaction(async (tx): Promise<Result<TokenRecord>> => {
      const token = await tx.access.tokenById(id);
      if (token === null) return fail('not_found', `no token ${id}`);
      if (token.state === 'revoked') return ok(token);
      const revokedAt = new Date(this.#clock.now()).toISOString();
      // Timer rows first, then the token: the scheduler locks in that order too, so the two never deadlock.
      await tx.cancelTimersFor('token', id, TOKEN_EXPIRY_ACTION);
      if (!(await tx.access.updateTokenState(id, token.version, 'revoked', revokedAt))) {
        return fail('conflict', `token ${id} changed while it was being revoked; try again`);
      }
      const after = { ...token, state: 'revoked' as const, revokedAt, version: token.version + 1 };
      await tx.appendEvent({
        type: 'token.revoked',
        subjectKind: 'token',
        subjectId: id,
        tenant: token.tenant,
        actor,
        data: { action: 'token.revoke', before: { state: token.state }, after: { state: 'revoked' }, reason },
      });
      return ok(after);
    });
    if (result.ok) this.#tokens.forget();
    return result;
  }

  /**
   * Sets a capability's level. `expectedVersion` (from `GET /capabilities`) makes it a compare-and-set:
   * of two writers holding the same version, exactly one wins and the other gets `conflict`.
   */
  async setCapability(
    name: CapabilityName,
    level: CapabilityLevel,
    reason: string,
    actor: string,
    expectedVersion?: number,
  ): Promise<Result<CapabilityRecord>> {
    // Without an expected version the caller asked for "set it", not compare-and-set: a write that lost
    // the race to a concurrent one (PostgreSQL runs them side by side) is simply tried again.
    for (let attempt = 1; ; attempt += 1) {
      const r = await this.#setCapabilityOnce(name, level, reason, actor, expectedVersion);
      if (r.ok || expectedVersion !== undefined || r.error.code !== 'conflict' || attempt >= RACE_RETRIES)
        return r;
    }
  }

  async #setCapabilityOnce(
    name: CapabilityName,
    level: CapabilityLevel,
    reason: string,
    actor: string,
    expectedVersion?: number,
  ): Promise<Result<CapabilityRecord>> {
    const result = await this.#store.transaction(async (tx): Promise<Result<CapabilityRecord>> => {
      const current = await tx.access.lockCapability(name);
      const currentVersion = current?.version ?? 0;
      if (expectedVersion !== undefined && expectedVersion !== currentVersion) {
        return fail(
          'conflict',
          `capability ${name} is at version ${currentVersion}, not ${expectedVersion}`,
          {
            details: { current_version: currentVersion },
          },
        );
      }
      const rec: CapabilityRecord = {
        name,
        level,
        reason,
        updatedAt: new Date(this.#clock.now()).toISOString(),
        updatedBy: actor,
        version: currentVersion + 1,
      };
      if (!(await tx.access.putCapability(rec, currentVersion))) {
        return fail('conflict', `capability ${name} changed concurrently; read it again and retry`);
      }
      await tx.appendEvent({
        type: 'capability.changed',
        subjectKind: 'capability',
        subjectId: name,
        actor,
        data: {
          action: 'capability.set',
          before: { level: current?.level ?? CAPABILITIES[name].level },
          after: { level },
          reason,
        },
      });
      return ok(rec);
    });
    if (result.ok) this.#capabilities.set(name, result.value);
    return result;
  }

  /** Turns safe mode on or off; a write that lost a race to a concurrent one is tried again. */
  async setSafeMode(on: boolean, reason: string, actor: string): Promise<Result<SafeModeState>> {
    for (let attempt = 1; ; attempt += 1) {
      const next = await this.#setSafeModeOnce(on, reason, actor);
      if (next !== null) {
        this.#safeMode = next;
        return ok(next);
      }
      if (attempt >= RACE_RETRIES) return fail('conflict', 'safe mode kept changing concurrently; try again');
    }
  }

  #setSafeModeOnce(on: boolean, reason: string, actor: string): Promise<SafeModeState | null> {
    return this.#store.transaction(async (tx) => {
      const current = await tx.access.safeMode();
      const state: SafeModeState = {
        on,
        reason,
        since: on ? (current.on ? current.since : new Date(this.#clock.now()).toISOString()) : null,
        by: actor,
        version: current.version + 1,
      };
      if (!(await tx.access.putSafeMode(state, current.version))) return null;
      await tx.appendEvent({
        type: 'safe_mode.changed',
        subjectKind: 'system',
        subjectId: 'safe_mode',
        actor,
        data: { action: 'safe_mode.set', before: { on: current.on }, after: { on }, reason },
      });
      return state;
    });
  }
}

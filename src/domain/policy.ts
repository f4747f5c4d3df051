import { accessAtLeast, type AccessLevel, type Principal } from './access.js';
import { isEnabled, type CapabilityLevel, type CapabilityName } from './capabilities.js';
import type { ErrorCode, Failure } from './errors.js';

/** What a route does, declared once on the route; `authorize` decides from it alone. */
export interface ActionSpec {
  /** Stable name recorded in the decision log, e.g. `capabilities.update`. */
  readonly name: string;
  /** No token needed (health, docs). */
  readonly public?: boolean;
  /** Only the admin token (not a tenant token, whatever its level). */
  readonly adminOnly?: boolean;
  /** The least access level a tenant token needs. */
  readonly access?: AccessLevel;
  /** Writes are refused to everyone but the admin while safe mode is on. */
  readonly write?: boolean;
  /** The capability that gates this action. */
  readonly capability?: CapabilityName;
}

export interface PolicyState {
  readonly capabilityLevel: (name: CapabilityName) => CapabilityLevel;
  readonly safeMode: boolean;
}

/** The record an action touches; tenant-scoped records name their tenant. */
export interface Resource {
  readonly tenant?: string | null;
}

export type Decision =
  | { readonly allow: true }
  | {
      readonly allow: false;
      readonly code: ErrorCode;
      readonly reason: string;
      readonly capability?: CapabilityName;
    };

const ALLOW: Decision = { allow: true };

/** The one decision function every route goes through. Pure: state comes in, a decision goes out. */
export function authorize(
  principal: Principal | null,
  action: ActionSpec,
  resource: Resource,
  state: PolicyState,
): Decision {
  if (action.public === true) return ALLOW;
  if (principal === null) {
    return { allow: false, code: 'unauthorized', reason: 'a bearer token is required' };
  }
  const admin = principal.kind === 'admin';
  if (action.adminOnly === true && !admin) {
    return { allow: false, code: 'forbidden', reason: `${action.name} needs the admin token` };
  }
  if (!admin && action.access !== undefined && !accessAtLeast(principal.access, action.access)) {
    return {
      allow: false,
      code: 'forbidden',
      reason: `${action.name} needs ${action.access} access; this token has ${principal.access}`,
    };
  }
  if (
    !admin &&
    resource.tenant !== undefined &&
    resource.tenant !== null &&
    resource.tenant !== principal.tenant
  ) {
    // Another tenant's record is reported as absent: its existence is not the caller's business.
    return { allow: false, code: 'not_found', reason: 'no such record' };
  }
  if (action.capability !== undefined) {
    const level = state.capabilityLevel(action.capability);
    if (!isEnabled(level)) {
      return {
        allow: false,
        code: 'capability_disabled',
        reason: `capability ${action.capability} is locked`,
        capability: action.capability,
      };
    }
  }
  if (action.write === true && state.safeMode && !admin) {
    return { allow: false, code: 'safe_mode', reason: 'safe mode is on: only the admin token may write' };
  }
  return ALLOW;
}

/**
 * The tenant rule, for what no single record decides: the tenant a listing or a stream reads (a tenant
 * token's own whatever it asks for; the admin's choice, every tenant when none), and the tenant a new
 * record belongs to (a tenant token's own, naming another is refused; the admin's choice, else
 * `default`). A record of another tenant is refused by `authorize` as absent.
 */
export const readScope = (p: Principal, asked?: string): string | undefined =>
  p.kind === 'tenant' ? p.tenant : asked;

export function writeScope(
  p: Principal,
  asked: string | undefined,
): { readonly ok: true; readonly tenant: string } | { readonly ok: false; readonly error: Failure } {
  if (p.kind === 'admin') return { ok: true, tenant: asked ?? 'default' };
  if (asked !== undefined && asked !== p.tenant)
    return { ok: false, error: { code: 'forbidden', reason: `this token belongs to tenant ${p.tenant}` } };
  return { ok: true, tenant: p.tenant };
}

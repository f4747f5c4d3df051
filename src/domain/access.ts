/** Access levels, weakest first: each level may do everything the ones before it may. */
export const ACCESS_LEVELS = ['read', 'edit', 'full', 'root'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

export const isAccessLevel = (v: unknown): v is AccessLevel =>
  typeof v === 'string' && (ACCESS_LEVELS as readonly string[]).includes(v);

export const accessAtLeast = (have: AccessLevel, need: AccessLevel): boolean =>
  ACCESS_LEVELS.indexOf(have) >= ACCESS_LEVELS.indexOf(need);

/** Who is calling. The admin token is root over every tenant; tenant tokens are bound to one tenant. */
export type Principal =
  | { readonly kind: 'admin'; readonly tokenId: 'admin'; readonly access: 'root' }
  | {
      readonly kind: 'tenant';
      readonly tokenId: string;
      readonly tenant: string;
      readonly access: AccessLevel;
    };

export const ADMIN_PRINCIPAL: Principal = { kind: 'admin', tokenId: 'admin', access: 'root' };

/** The actor recorded on events: a token id (never a secret), or `system` / `config` for the server. */
export const actorOf = (p: Principal | null): string => (p === null ? 'anonymous' : p.tokenId);

export const TOKEN_STATES = ['active', 'expired', 'revoked'] as const;
export type TokenState = (typeof TOKEN_STATES)[number];

export interface TokenRecord {
  readonly id: string;
  readonly secretHash: string;
  readonly tenant: string;
  readonly access: AccessLevel;
  readonly label: string | null;
  readonly state: TokenState;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
  readonly version: number;
}

/** A token as the API lists it: never the secret, never its hash. */
export const publicToken = (t: TokenRecord) => ({
  id: t.id,
  tenant: t.tenant,
  access: t.access,
  label: t.label,
  state: t.state,
  created_at: t.createdAt,
  created_by: t.createdBy,
  expires_at: t.expiresAt,
  revoked_at: t.revokedAt,
});

/** Parses a duration such as `90s`, `15m`, `12h`, `30d` or a bare number of seconds into milliseconds. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+)\s*(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit] ?? 1000;
  const ms = n * factor;
  return ms > 0 && Number.isSafeInteger(ms) ? ms : null;
}

import { ADMIN_PRINCIPAL, type Principal, type TokenRecord } from '../../domain/access.js';
import type { Clock } from '../ports.js';
import { hashSecret, sameHash } from './token-secrets.js';

export type AuthResult = { principal: Principal } | { denied: string };

interface CachedToken {
  readonly record: TokenRecord;
  readonly expiresAtMs: number | null;
  /** The answer while the token is good, made once: requests share it. */
  readonly allowed: AuthResult;
}

const ADMIN_AUTH: AuthResult = Object.freeze({ principal: ADMIN_PRINCIPAL });

/** Tokens remembered at most; past it the cache starts over (they are read again on their next use). */
const CACHE_LIMIT = 10_000;

/**
 * Bearer secrets to principals, for the request hot path: the admin token's digest and a read-through
 * cache of the tenant tokens seen, keyed by the digest of their secret. Never logs or keeps a secret.
 */
export class TokenAuthenticator {
  readonly #lookup: (secretHash: string) => Promise<TokenRecord | null>;
  readonly #clock: Clock;
  #adminHash: string | null = null;
  readonly #tokens = new Map<string, CachedToken | null>();

  constructor(lookup: (secretHash: string) => Promise<TokenRecord | null>, clock: Clock) {
    this.#lookup = lookup;
    this.#clock = clock;
  }

  /** The digest the admin token's secret must have (null: no admin token yet). */
  setAdminHash(hash: string | null): void {
    this.#adminHash = hash;
  }

  /** Drops every remembered token (one changed): each is read again on its next use. */
  forget(): void {
    this.#tokens.clear();
  }

  /** Resolves a bearer secret to a principal, or says why it cannot. */
  async authenticate(secret: string | null): Promise<AuthResult> {
    const known = this.authenticateKnown(secret);
    if (known !== undefined) return known;
    const hash = hashSecret(secret!);
    const record = await this.#lookup(hash);
    const cached =
      record === null || !sameHash(record.secretHash, hash)
        ? null
        : {
            record,
            expiresAtMs: record.expiresAt === null ? null : Date.parse(record.expiresAt),
            allowed: {
              principal: { kind: 'tenant', tokenId: record.id, tenant: record.tenant, access: record.access },
            } as const,
          };
    if (this.#tokens.size > CACHE_LIMIT) this.#tokens.clear();
    this.#tokens.set(hash, cached);
    return this.#resolved(cached);
  }

  /**
   * `authenticate` without the store: the answer when the admin token, a token seen before or no token at
   * all is presented, and undefined when the token must be looked up. Lets every request after a token's
   * first be authenticated without waiting on anything.
   */
  authenticateKnown(secret: string | null): AuthResult | undefined {
    if (secret === null || secret === '') return { denied: 'a bearer token is required' };
    // Tokens are found by the SHA-256 digest of the secret, here as in the store's index: a lookup's
    // timing can only tell something about a digest, never about the secret, so it needs no constant-time
    // compare (the store's answer is still checked with one; that path is rare).
    const hash = hashSecret(secret);
    if (hash === this.#adminHash) return ADMIN_AUTH;
    const cached = this.#tokens.get(hash);
    return cached === undefined ? undefined : this.#resolved(cached);
  }

  #resolved(cached: CachedToken | null): AuthResult {
    if (cached === null) return { denied: 'unknown token' };
    const { record, expiresAtMs } = cached;
    if (record.state === 'revoked') return { denied: 'token revoked' };
    if (record.state === 'expired' || (expiresAtMs !== null && expiresAtMs <= this.#clock.now())) {
      return { denied: 'token expired' };
    }
    return cached.allowed;
  }
}

import type { FastifyRequest } from 'fastify';
import type { ActionSpec } from '../../domain/policy.js';
import type { AccessService } from '../../engine/access/access-service.js';
import { bearerOf } from '../request-context.js';

/** Why a stream was ended on its token's account (the last frame names it). */
export type TokenEndReason = 'token_revoked' | 'token_expired' | 'access_revoked';

/** Registers a stream's end; returns the call that stops watching (the stream ended on its own). */
export type StreamGuard = (end: (reason: TokenEndReason) => void) => () => void;

/**
 * How often open streams are authorized again. A revocation reaches the access cache through the event
 * log (from any instance), an expiry is a moment on the clock: a look at every stream this often ends
 * each within a second of either, with one timer for all of them and none while no stream is open.
 */
const SWEEP_MS = 250;

interface Watched {
  readonly secret: string | null;
  readonly action: ActionSpec;
  readonly end: (reason: TokenEndReason) => void;
}

const reasonOf = (denied: string): TokenEndReason =>
  denied === 'token expired' ? 'token_expired' : 'token_revoked';

/**
 * Every open stream of one server with the token that opened it, authorized again as the access state
 * changes: a token revoked, expired or rotated away, or an action its token may no longer take (a
 * capability locked, say), ends the stream. The secret is only ever hashed, as for a request.
 */
class TokenWatch {
  readonly #access: AccessService;
  readonly #streams = new Set<Watched>();
  #timer: NodeJS.Timeout | null = null;
  #sweeping = false;

  constructor(access: AccessService) {
    this.#access = access;
  }

  watch(secret: string | null, action: ActionSpec, end: (reason: TokenEndReason) => void): () => void {
    const w: Watched = { secret, action, end };
    this.#streams.add(w);
    if (this.#timer === null) {
      this.#timer = setInterval(() => void this.#sweep(), SWEEP_MS);
      this.#timer.unref();
    }
    return () => this.#forget(w);
  }

  #forget(w: Watched): void {
    this.#streams.delete(w);
    if (this.#streams.size === 0 && this.#timer !== null) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }

  async #sweep(): Promise<void> {
    if (this.#sweeping) return;
    this.#sweeping = true;
    try {
      for (const w of [...this.#streams]) {
        if (!this.#streams.has(w)) continue;
        const auth =
          this.#access.authenticateKnown(w.secret) ??
          (await this.#access.authenticate(w.secret).catch(() => null));
        if (auth === null) continue; // the store is unreachable: decide on the next look
        let reason: TokenEndReason | null = null;
        if ('denied' in auth) reason = reasonOf(auth.denied);
        else if (!this.#access.decide(auth.principal, w.action).allow) reason = 'access_revoked';
        if (reason !== null) {
          this.#forget(w);
          w.end(reason);
        }
      }
    } finally {
      this.#sweeping = false;
    }
  }
}

const watches = new WeakMap<AccessService, TokenWatch>();

/**
 * The guard for a stream opened by `req`: what ends it when its token no longer allows it. Public routes
 * need none. The route's declared action is the one authorized again.
 */
export function guardOf(access: AccessService, req: FastifyRequest): StreamGuard | undefined {
  const action = (req.routeOptions.config as { action?: ActionSpec } | undefined)?.action;
  if (action === undefined || action.public === true) return undefined;
  let watch = watches.get(access);
  if (watch === undefined) {
    watch = new TokenWatch(access);
    watches.set(access, watch);
  }
  const secret = bearerOf(req);
  const w = watch;
  return (end) => w.watch(secret, action, end);
}

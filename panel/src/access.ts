import { ACCESS_LEVELS, type AccessLevel, type Whoami } from './api-types';

/**
 * What an action needs, spelled as the server's route declares it (`config.action`), so a page can hide
 * what the token may not do. The server still decides every request.
 */
export interface Needs {
  /** Only the admin token (every Neira-family and operator write route). */
  readonly adminOnly?: boolean;
  /** The least access level a tenant token needs. */
  readonly access?: AccessLevel;
}

export function can(who: Whoami, needs: Needs): boolean {
  if (who.kind === 'admin') return true;
  if (needs.adminOnly === true) return false;
  return (
    needs.access === undefined || ACCESS_LEVELS.indexOf(who.access) >= ACCESS_LEVELS.indexOf(needs.access)
  );
}

/** `admin`, or `tenant acme · read`. */
export const describeWho = (who: Whoami): string =>
  who.kind === 'admin' ? 'admin' : `tenant ${who.tenant ?? ''} · ${who.access}`;

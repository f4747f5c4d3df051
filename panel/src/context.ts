import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Api } from './api';
import type { Whoami } from './api-types';

/** What every page of a signed-in panel may use. */
export interface SignedIn {
  readonly token: string;
  /** Who the token is (`GET /auth/whoami`): decides which controls a page offers. */
  readonly who: Whoami;
  /** The API client, with the token. */
  readonly api: Api;
  readonly signOut: () => void;
}

export const SignedInContext = createContext<SignedIn | null>(null);

export function useSignedIn(): SignedIn {
  const value = useContext(SignedInContext);
  if (value === null) throw new Error('useSignedIn outside a signed-in panel');
  return value;
}

import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { createApi, toApiError, type ApiError } from './api';
import type { Whoami } from './api-types';
import { Loading } from './components';
import { SignedInContext, type SignedIn } from './context';
import { SignInPage } from './pages/sign-in';
import { session } from './session';
import { Shell } from './shell';

type Phase =
  | { readonly kind: 'checking'; readonly token: string }
  | { readonly kind: 'signed-out'; readonly error: ApiError | null }
  | { readonly kind: 'signed-in'; readonly token: string; readonly who: Whoami };

/** Sign-in state: a token from this tab's session is checked again on load (it may have been revoked). */
export function App() {
  const [phase, setPhase] = useState<Phase>(() => {
    const token = session.token();
    return token === null ? { kind: 'signed-out', error: null } : { kind: 'checking', token };
  });

  const signIn = useCallback((token: string, who: Whoami) => {
    session.save(token);
    setPhase({ kind: 'signed-in', token, who });
  }, []);
  const signOut = useCallback(() => {
    session.clear();
    setPhase({ kind: 'signed-out', error: null });
  }, []);

  useEffect(() => {
    if (phase.kind !== 'checking') return;
    const { token } = phase;
    createApi(token)
      .get<Whoami>('/auth/whoami')
      .then(
        (who) => signIn(token, who),
        (e: unknown) => {
          const error = toApiError(e);
          // A refused token is dropped; an unreachable server may come back, so the token stays.
          if (error.status === 401) session.clear();
          setPhase({ kind: 'signed-out', error });
        },
      );
  }, [phase, signIn]);

  const token = phase.kind === 'signed-in' ? phase.token : null;
  const who = phase.kind === 'signed-in' ? phase.who : null;
  const value = useMemo<SignedIn | null>(
    () => (token === null || who === null ? null : { token, who, api: createApi(token), signOut }),
    [token, who, signOut],
  );

  if (phase.kind === 'checking') {
    return (
      <main id="main" class="sign-in">
        <Loading what="your session" />
      </main>
    );
  }
  if (value === null) {
    return <SignInPage onSignedIn={signIn} error={phase.kind === 'signed-out' ? phase.error : null} />;
  }
  return (
    <SignedInContext.Provider value={value}>
      <Shell />
    </SignedInContext.Provider>
  );
}

import { useState } from 'preact/hooks';
import { createApi, toApiError, type ApiError } from '../api';
import type { Whoami } from '../api-types';
import { ErrorNotice, TextField } from '../components';

/**
 * Asks for a token and checks it with `GET /auth/whoami` before keeping it; a refusal shows the
 * server's reason (`unknown token`, `token expired`…).
 */
export function SignInPage({
  onSignedIn,
  error: initialError,
}: {
  onSignedIn: (token: string, who: Whoami) => void;
  /** Why the stored token could not be used, if that is why this page shows. */
  error: ApiError | null;
}) {
  const [token, setToken] = useState('');
  const [error, setError] = useState(initialError);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const secret = token.trim();
    try {
      onSignedIn(secret, await createApi(secret).get<Whoami>('/auth/whoami'));
    } catch (err) {
      setError(toApiError(err));
      setBusy(false);
    }
  };

  return (
    <main id="main" class="sign-in">
      <h1>Sign in to fabrica</h1>
      <p>
        Paste an admin or tenant token. It is kept in this browser tab only, and the panel offers what the
        token may do.
      </p>
      <form onSubmit={(e) => void submit(e)}>
        <TextField
          label="Access token"
          type="password"
          autocomplete="off"
          spellcheck={false}
          value={token}
          onInput={setToken}
          hint="An admin token, or one made with fabrica tokens create."
        />
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
      {error !== null && <ErrorNotice error={error} />}
    </main>
  );
}

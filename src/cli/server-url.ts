import { ConfigError } from '../config/config.js';

/** What the user is shown as an example of a server address. */
export const EXAMPLE_URL = 'http://127.0.0.1:3000';

/**
 * The address as it may be shown back: a password in it (`http://user:secret@host`) and a `token` query
 * parameter are masked, since an error line or a terminal log is not a place for them.
 */
export function redactUrl(raw: string): string {
  return raw
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^/@:\s]*):[^/@\s]*@/gi, '$1:[redacted]@')
    .replace(/([?&;]token=)[^&#\s]*/gi, '$1[redacted]');
}

/**
 * The server address a client command talks to, checked before any request: `source` names where it came
 * from (`--url` or `FABRICA_URL`) so that the message says what to change. Only http(s) URLs are taken;
 * `127.0.0.1:3000` or `localhost:3000` (no scheme) get a hint to add `http://`.
 */
export function serverUrl(raw: string, source: string): string {
  const trimmed = raw.trim();
  if (trimmed === '') {
    throw new ConfigError(
      `${source} is empty; set it to a URL such as ${EXAMPLE_URL}${source === 'FABRICA_URL' ? ' or unset it' : ''}`,
    );
  }
  const shown = redactUrl(trimmed);
  const url = URL.canParse(trimmed) ? new URL(trimmed) : null;
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    // `localhost:3000` parses as the scheme `localhost:`; anything without `//` lacks a real scheme.
    const hint = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)
      ? ' (only http:// and https:// are served)'
      : `; add the scheme: http://${shown}`;
    throw new ConfigError(`${source} must be a URL such as ${EXAMPLE_URL}, not "${shown}"${hint}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new ConfigError(
      `${source} must not hold a user or password ("${shown}"); give the token with --token or FABRICA_TOKEN`,
    );
  }
  return trimmed.replace(/\/+$/, '');
}

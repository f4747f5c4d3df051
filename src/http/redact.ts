/**
 * The one place secrets are taken out of text a client or an operator will read: every error body
 * (errorBody) and every log line (the logger's write hook) goes through `redact`. It masks what sits where
 * a client can put a token — the value of a `token` query parameter however its name is percent-encoded,
 * `Bearer`/`Basic` credentials, the `bearer.<token>` WebSocket sub-protocol, and `authorization`,
 * `cookie` and `token` fields of JSON — with `[redacted]`.
 */
export const REDACTED = '[redacted]';

/** `token`, each letter as itself or percent-encoded (the query parser decodes names). */
const TOKEN_NAME = [...'token'].map((c) => `(?:${c}|%${c.charCodeAt(0).toString(16)})`).join('');
/** A query parameter's value ends at the next parameter, the fragment, or the end of the quoted text. */
const VALUE = `[^&#\\s"'\\\\]*`;

const RULES: readonly (readonly [RegExp, string])[] = [
  [new RegExp(`((?:^|[?&;\\s"'])${TOKEN_NAME}(?:=|%3d))${VALUE}`, 'gi'), `$1${REDACTED}`],
  // A credential after the scheme; "a bearer token is required" is prose, not a credential.
  [/(\b(?:Bearer|Basic)\s+)(?!token\b)[^\s"',;]+/gi, `$1${REDACTED}`],
  [/(\bbearer\.)[^\s"',;]+/gi, `$1${REDACTED}`],
  [/("(?:authorization|cookie|token|sec-websocket-protocol)"\s*:\s*")(?:[^"\\]|\\.)*/gi, `$1${REDACTED}`],
];

export function redact(text: string): string {
  let out = text;
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement);
  return out;
}

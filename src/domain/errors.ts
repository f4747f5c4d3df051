/**
 * Every error code fabrica answers with, and what it means. The HTTP layer maps each code to a status
 * (`http/error-status.ts`); `docs/errors.md` documents them all (a test keeps the two in step).
 */
export const ERROR_CODES = {
  invalid_request: 'The request body, query or path does not match the schema; the reason names the field.',
  invalid_json: 'The request body is not valid JSON.',
  payload_too_large: 'The request body is larger than the configured limit (`FABRICA_BODY_LIMIT`).',
  unsupported_media_type: 'The request body has a content type the route does not accept.',
  invalid_url: 'The URL is malformed (a bad percent-encoding); the URL itself is not echoed.',
  bad_request: 'The request is not valid HTTP (refused by the HTTP parser before any route).',
  method_not_allowed:
    'The path exists but not with this method; the `Allow` header lists the methods it has.',
  request_timeout: 'The request was not received completely in time.',
  uri_too_long: 'A path segment is longer than the server accepts.',
  headers_too_large: 'The request headers are larger than the server accepts.',
  not_found: 'The route, or the record the path names, does not exist (or is not visible to the caller).',
  conflict: 'The record changed since it was read (optimistic concurrency): read it again and retry.',
  unauthorized: 'No token, an unknown token, or an expired or revoked token.',
  forbidden: 'The token is valid but its access level or tenant does not allow this action.',
  capability_disabled: 'The capability that gates this action is locked; the body names it.',
  safe_mode: 'Safe mode is on: only the admin token may write.',
  invalid_stage_graph:
    'A stage graph has duplicate keys, a dependency on a key that does not exist, or a cycle; the reason names the keys.',
  invalid_artifact:
    'An artifact of a known type has a payload of the wrong shape, or names inputs that are not artifacts of the same run.',
  invalid_transition:
    'The record is in a state that does not allow this move; the reason names the allowed ones.',
  lease_lost: 'The lease on a claimed prompt expired or belongs to another claim; claim it again.',
  version_conflict:
    'An artifact named a `version` that is not the next one of its type in the run; `next_version` names the next one.',
  invalid_template:
    'A cell or organ template fails validation; `problems` lists every one with its JSON path.',
  version_exists:
    'A template with this id and version is registered with different content; bump the version.',
  ambiguous_id:
    'A bare template id names cells of several backends; `ids` lists their full ids (`<backend>:<template id>`): use one.',
  not_serving:
    'The cell has no revision that serves traffic (none is canary, experimental or stable), or the forced revision cannot serve.',
  quarantined: 'The cell is quarantined after an integrity violation; it serves nothing until healed.',
  backend_unavailable: 'The requested cell backend has no runtime in this process.',
  cell_error: 'The cell failed while handling the call; the reason says why.',
  not_running:
    'The organ build is no longer running (it finished, failed or was stopped), so it cannot be cancelled.',
  command_not_understood:
    'No command intent fits the text; `closest` lists the nearest intents with an example of each.',
  command_ambiguous:
    'A name in the command matches several cells or organs (or none); `candidates` lists them.',
  command_expired: 'The planned command expired before it was applied: plan it again.',
  command_stale:
    'The registry changed since the command was planned, or it was applied already: plan it again.',
  invalid_dataset:
    'A dataset has bad lines (or none): `lines` lists their numbers, `problems` says what is wrong with each; nothing was stored.',
  not_awaiting_approval:
    'The training job has no proposal awaiting approval (it is running, or finished): there is nothing to approve or reject.',
  unavailable: 'The server is shutting down or the store is unreachable; retry later.',
  sandbox_unavailable:
    'Verification is configured to run in the sandbox and the sandbox (bubblewrap) is missing or cannot start; the reason says how to install it.',
  panel_not_built: 'The operator panel has not been built on this installation: run `npm run build`.',
  invalid_webhook_url:
    'The webhook URL is refused: not http(s), a user or password in it, a credential in its query, or a host that does not resolve; `problem` says which, and the URL is not echoed.',
  invalid_event_pattern:
    'An event pattern of a webhook is not a valid glob (`field` names which one); see docs/webhooks.md.',
  internal: 'An unexpected server fault; the log holds the details under the request id.',
  invalid_policy:
    'A rollout policy field is unknown or out of range; the reason and `field` name it (docs/rollouts.md lists the fields).',
  analysis_failed:
    'The revision’s latest analysis verdict is `fail`: approving it needs `{force: true, reason}` (audited).',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An expected failure, returned as a value by the engine and mapped to a response by the HTTP layer. */
export interface Failure {
  readonly code: ErrorCode;
  readonly reason: string;
  readonly capability?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export type Result<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: Failure };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });

export const fail = (
  code: ErrorCode,
  reason: string,
  extra: { capability?: string; details?: Record<string, unknown> } = {},
): { ok: false; error: Failure } => ({ ok: false, error: { code, reason, ...extra } });

/** Thrown only where a failure must cross a callback boundary (e.g. inside a store transaction). */
export class FailureError extends Error {
  readonly failure: Failure;
  constructor(failure: Failure) {
    super(failure.reason);
    this.name = 'FailureError';
    this.failure = failure;
  }
}

import type { ErrorCode } from '../domain/errors.js';

/** The one table from error code to HTTP status. */
export const ERROR_STATUS: Readonly<Record<ErrorCode, number>> = {
  invalid_request: 400,
  invalid_json: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  not_found: 404,
  conflict: 409,
  unauthorized: 401,
  forbidden: 403,
  capability_disabled: 403,
  safe_mode: 403,
  invalid_stage_graph: 400,
  invalid_artifact: 400,
  invalid_transition: 409,
  lease_lost: 409,
  invalid_template: 400,
  version_exists: 409,
  not_serving: 409,
  quarantined: 409,
  backend_unavailable: 400,
  cell_error: 502,
  not_running: 409,
  unavailable: 503,
  panel_not_built: 503,
  internal: 500,
};

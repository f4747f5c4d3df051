import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { FailureError, type Failure, type Result } from '../domain/errors.js';
import { ERROR_STATUS } from './error-status.js';
import { redact } from './redact.js';

/** The API families answer errors in their own shape (docs/errors.md). */
export type ApiFamily = 'neira' | 'llm';

export const familyOf = (url: string): ApiFamily =>
  url.startsWith('/llm/') || url === '/llm' ? 'llm' : 'neira';

/** Every error body is made here, so its reason is redacted here (redact.ts): no secret is ever echoed. */
export function errorBody(family: ApiFamily, failure: Failure, requestId: string): Record<string, unknown> {
  const f = {
    ...failure,
    reason: redact(failure.reason),
    ...(failure.details === undefined ? {} : { details: redactDetails(failure.details) }),
  };
  if (family === 'llm') {
    return {
      success: false,
      error: f.reason,
      code: f.code,
      message: f.reason,
      request_id: requestId,
      ...f.details,
    };
  }
  return {
    code: f.code,
    reason: f.reason,
    ...(f.capability === undefined ? {} : { capability: f.capability }),
    ...f.details,
    request_id: requestId,
  };
}

/** Details may carry text the call produced (a cell's log lines): redacted like the reason. */
function redactDetails(details: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(details))
    out[k] =
      typeof v === 'string'
        ? redact(v)
        : Array.isArray(v)
          ? (v as unknown[]).map((x) => (typeof x === 'string' ? redact(x) : x))
          : v;
  return out;
}

export function sendFailure(req: FastifyRequest, reply: FastifyReply, f: Failure): FastifyReply {
  return reply.code(ERROR_STATUS[f.code]).send(errorBody(familyOf(req.url), f, req.id));
}

/** Sends a use case's result: the value on success (with `status`), the mapped error otherwise. */
export function sendResult<T>(
  req: FastifyRequest,
  reply: FastifyReply,
  result: Result<T>,
  present: (value: T) => unknown,
  status = 200,
): FastifyReply {
  if (!result.ok) return sendFailure(req, reply, result.error);
  return reply.code(status).send(present(result.value));
}

/** Maps framework errors (parse, validation, size) to our codes; anything else is a 500 logged in full. */
export function toFailure(error: FastifyError | Error): { failure: Failure; unexpected: boolean } {
  if (error instanceof FailureError) return { failure: error.failure, unexpected: false };
  const e = error as FastifyError;
  if (e.validation !== undefined) {
    const first = e.validation[0];
    const field = `${e.validationContext ?? 'body'}${first?.instancePath ?? ''}`.replace(/\//g, '.');
    const extra =
      first?.keyword === 'additionalProperties'
        ? ` (unknown field "${String((first.params as { additionalProperty?: string }).additionalProperty)}")`
        : first?.keyword === 'enum'
          ? ` (allowed: ${((first.params as { allowedValues?: unknown[] }).allowedValues ?? []).join(', ')})`
          : '';
    const reason = `${field} ${first?.message ?? 'is invalid'}${extra}`;
    return { failure: { code: 'invalid_request', reason, details: { field } }, unexpected: false };
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        failure: { code: 'payload_too_large', reason: 'request body is larger than the limit' },
        unexpected: false,
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { failure: { code: 'unsupported_media_type', reason: e.message }, unexpected: false };
    case 'FST_ERR_CTP_INVALID_JSON':
      return { failure: { code: 'invalid_json', reason: e.message }, unexpected: false };
    default:
      break;
  }
  const status = e.statusCode ?? 500;
  if (status === 413) return { failure: { code: 'payload_too_large', reason: e.message }, unexpected: false };
  if (status === 415)
    return { failure: { code: 'unsupported_media_type', reason: e.message }, unexpected: false };
  if (status >= 400 && status < 500)
    return { failure: { code: 'invalid_request', reason: e.message }, unexpected: false };
  return {
    failure: { code: 'internal', reason: 'internal error; see the server log for this request id' },
    unexpected: true,
  };
}

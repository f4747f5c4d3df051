import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorCode, Failure } from '../domain/errors.js';
import { ERROR_STATUS } from './error-status.js';
import { errorBody, familyOf } from './errors.js';

/**
 * Errors answered before any route runs, in the same shape as every other error: Fastify's router
 * refusals (a malformed percent-encoding, a path parameter past its length), requests the HTTP parser
 * refuses before Fastify sees them (headers too large, malformed requests, timeouts), and methods a path
 * does not have (405 rather than 404). None echoes the URL: the reason says what is wrong with it.
 */

/** Fastify's `frameworkErrors`: the router's refusals, as failures of the request's family. */
export function frameworkErrorHandler(
  error: Error & { code?: string },
  req: FastifyRequest,
  reply: FastifyReply,
): void {
  const failure: Failure =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? { code: 'uri_too_long', reason: 'a path segment is longer than the server accepts' }
      : error.code === 'FST_ERR_BAD_URL'
        ? { code: 'invalid_url', reason: 'the URL has a malformed percent-encoding' }
        : { code: 'invalid_request', reason: 'the request could not be routed' };
  void reply
    .code(ERROR_STATUS[failure.code])
    .header('x-request-id', req.id)
    .send(errorBody(familyOf(req.url), failure, req.id));
}

const PARSER_ERRORS: Readonly<Record<string, ErrorCode>> = {
  HPE_HEADER_OVERFLOW: 'headers_too_large',
  ERR_HTTP_REQUEST_TIMEOUT: 'request_timeout',
};

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/**
 * Node's `clientError`: a request the HTTP parser refused never reaches Fastify. It is answered here with
 * an error body and a request id; the family is read from the request line when there is one.
 */
export function clientErrorHandler(ids: (req: IncomingMessage) => string) {
  return (err: Error & { code?: string | undefined; rawPacket?: unknown }, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const code: ErrorCode = PARSER_ERRORS[err.code ?? ''] ?? 'bad_request';
    const reason =
      code === 'headers_too_large'
        ? 'the request headers are larger than the server accepts'
        : code === 'request_timeout'
          ? 'the request was not received in time'
          : 'the request is not valid HTTP';
    const raw = Buffer.isBuffer(err.rawPacket) ? err.rawPacket : Buffer.alloc(0);
    const line = raw.subarray(0, 512).toString('latin1').split('\r\n', 1)[0] ?? '';
    const path = line.split(' ')[1] ?? '';
    const id = ids({ headers: {} } as IncomingMessage);
    const status = ERROR_STATUS[code];
    const body = JSON.stringify(errorBody(familyOf(path), { code, reason }, id));
    if (socket.writable) {
      socket.end(
        `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n` +
          'content-type: application/json; charset=utf-8\r\n' +
          `content-length: ${Buffer.byteLength(body)}\r\n` +
          `x-request-id: ${id}\r\nconnection: close\r\n\r\n${body}`,
      );
    } else {
      socket.destroy();
    }
  };
}

const METHODS: readonly HTTPMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * Which methods a path has, for 405: every route declared is added here too (Fastify's router answers
 * only for one method at a time).
 */
export class MethodIndex {
  readonly #router = FindMyWay({ ignoreTrailingSlash: false, maxParamLength: 10_000 });
  readonly #seen = new Set<string>();

  add(route: RouteOptions): void {
    for (const method of [route.method].flat()) {
      const key = `${method} ${route.url}`;
      if (!METHODS.includes(method as HTTPMethod) || this.#seen.has(key)) continue;
      this.#seen.add(key);
      this.#router.on(method as HTTPMethod, route.url, () => undefined);
    }
  }

  /** The methods `url` (path and query) is routed for; empty when none. */
  allowed(url: string): HTTPMethod[] {
    const path = url.split('?', 1)[0] ?? url;
    return METHODS.filter((m) => {
      try {
        return this.#router.find(m, path) !== null;
      } catch {
        return false;
      }
    });
  }
}

/**
 * No route for this method and path: 405 with `Allow` when the path has other methods, else 404. An
 * `OPTIONS` that nothing answered is a CORS preflight from an origin that is not allowed (or with CORS
 * off): it gets 404, as from a server without CORS, so the browser learns nothing about the route.
 */
export function answerUnmatched(
  req: FastifyRequest,
  reply: FastifyReply,
  methods: MethodIndex,
): FastifyReply {
  const allowed = req.method === 'OPTIONS' ? [] : methods.allowed(req.url);
  const path = req.url.split('?', 1)[0] ?? req.url;
  const failure: Failure =
    allowed.length > 0
      ? {
          code: 'method_not_allowed',
          reason: `${req.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`,
        }
      : { code: 'not_found', reason: `no route ${req.method} ${path}` };
  if (allowed.length > 0) reply.header('allow', allowed.join(', '));
  return reply
    .code(ERROR_STATUS[failure.code])
    .header('x-request-id', req.id)
    .send(errorBody(familyOf(req.url), failure, req.id));
}

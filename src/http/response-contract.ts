import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { RouteOptions } from 'fastify';
import { ERROR_RANGES, LlmError, NeiraError } from '../contract/common.js';
import type { App } from './app-deps.js';
import { familyOf } from './errors.js';

type ResponseSchemas = Record<string, unknown>;

/**
 * Declares the family's error body on every route for every error status it does not declare itself,
 * so that each route's documentation lists its errors and error bodies are serialised from one schema.
 */
export function addErrorResponses(route: RouteOptions): void {
  const schema = (route.schema ??= {});
  const response = ((schema as { response?: ResponseSchemas }).response ??= {});
  const body = familyOf(route.url) === 'llm' ? LlmError : NeiraError;
  // One schema per class rather than per status: each is compiled into a serialiser per route at start.
  for (const range of ERROR_RANGES) if (!(range in response)) response[range] = body;
}

/**
 * Checks every JSON answer against the schema its route documents for that status, and turns a mismatch
 * into a 500 naming the field. The serialiser alone would silently drop an undocumented field or write a
 * wrong type; with this on (FABRICA_CHECK_RESPONSES, set by the test suite) every HTTP test is also a
 * contract test.
 */
export function checkResponses(app: App): void {
  const ajv = new Ajv({ strict: false, allErrors: false, coerceTypes: false, useDefaults: false });
  addFormats.default(ajv);
  const compiled = new WeakMap<object, ValidateFunction>();
  app.addHook('preSerialization', async (req, reply, payload) => {
    const responses = (req.routeOptions.schema as { response?: ResponseSchemas } | undefined)?.response;
    if (responses === undefined) return payload;
    const status = reply.statusCode;
    const schema = (responses[status] ?? responses[`${Math.floor(status / 100)}xx`] ?? responses.default) as
      (object & { content?: unknown }) | undefined;
    if (schema === undefined || schema.content !== undefined) return payload;
    let validate = compiled.get(schema);
    if (validate === undefined) {
      validate = ajv.compile(schema);
      compiled.set(schema, validate);
    }
    if (!validate(payload)) {
      const e = validate.errors?.[0];
      throw new Error(
        `the ${status} answer of ${req.method} ${req.routeOptions.url ?? ''} does not match its schema: ` +
          `${e?.instancePath || '(root)'} ${e?.message ?? 'is invalid'}` +
          (e?.keyword === 'additionalProperties'
            ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})`
            : ''),
      );
    }
    return payload;
  });
}

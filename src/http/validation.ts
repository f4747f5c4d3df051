import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

/**
 * Bodies are validated strictly (a string is never coerced into a number); query strings, params and
 * headers are text on the wire, so there types are coerced.
 */
export function buildValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const make = (coerceTypes: boolean | 'array') => {
    const ajv = new Ajv({
      coerceTypes,
      useDefaults: true,
      removeAdditional: false,
      allErrors: false,
      strict: false,
    });
    addFormats.default(ajv);
    return ajv;
  };
  const strict = make(false);
  const coercing = make('array');
  const cache = new WeakMap<object, ValidateFunction>();
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? strict : coercing;
    const key = schema as object;
    let fn = httpPart === 'body' ? cache.get(key) : undefined;
    if (fn === undefined) {
      fn = ajv.compile(schema as object);
      if (httpPart === 'body') cache.set(key, fn);
    }
    return fn as ReturnType<FastifySchemaCompiler<unknown>>;
  };
}

import { Type, type Static, type TSchema } from 'typebox';

/**
 * The wire format's building blocks. Every route's params, query, body and responses are TypeBox schemas
 * in `src/contract/`; Fastify validates requests and serialises answers with them, `/openapi.json` is
 * generated from them, and the panel and the CLI import their `Static<>` types.
 */

/** A string limited to `values`; validation errors list the allowed values. */
export const StringEnum = <T extends string>(values: readonly T[], description?: string) =>
  Type.Unsafe<T>({
    type: 'string',
    enum: [...values],
    ...(description === undefined ? {} : { description }),
  });

/**
 * `T` or null, written as OpenAPI 3.0's `nullable` rather than `anyOf`: the serialiser then writes the
 * value directly instead of trying each branch, and the document reads the way clients expect.
 */
export const Nullable = <T extends TSchema>(schema: T) =>
  Type.Unsafe<Static<T> | null>({
    ...schema,
    nullable: true,
    // A nullable enum lists null among its values (OpenAPI 3.0, and how Ajv reads `nullable`).
    ...('enum' in schema && Array.isArray(schema.enum)
      ? { enum: [...(schema.enum as unknown[]), null] }
      : {}),
  });

/** An RFC 3339 timestamp as the store keeps it. */
export const Timestamp = Type.String({ format: 'date-time' });

/** Any JSON value (payloads, template bodies, event data). */
export const Json = Type.Unknown();

/** A JSON object whose keys are not fixed (metadata, details). */
export const JsonObject = Type.Record(Type.String(), Type.Unknown());

/** A map from a name to a count. */
export const Counts = Type.Record(Type.String(), Type.Integer());

/** A view: every field named, no other field allowed (an answer with an undocumented field fails tests). */
export const View = <P extends Parameters<typeof Type.Object>[0]>(properties: P, description?: string) =>
  Type.Object(properties, {
    additionalProperties: false,
    ...(description === undefined ? {} : { description }),
  });

/** A cursor page: `next_cursor` is null on the last page. */
export const NextCursor = Nullable(Type.String());

/** The Neira family's error body: `{code, reason, request_id}` plus the code's own details. */
export const NeiraError = Type.Object(
  {
    code: Type.String({ description: 'A stable code from docs/errors.md.' }),
    reason: Type.String({ description: 'What went wrong, readable by a person.' }),
    capability: Type.Optional(Type.String()),
    request_id: Type.String(),
  },
  { additionalProperties: true, description: 'An error (docs/errors.md).' },
);

/** The LLM factory family's error envelope. */
export const LlmError = Type.Object(
  {
    success: Type.Literal(false),
    error: Type.String(),
    code: Type.String({ description: 'A stable code from docs/errors.md.' }),
    message: Type.String(),
    request_id: Type.String(),
  },
  { additionalProperties: true, description: 'An error in the LLM factory envelope (docs/errors.md).' },
);

/** The LLM factory family's success envelope around `data`. */
export const Envelope = <T extends TSchema>(data: T) =>
  Type.Object({ success: Type.Literal(true), data }, { additionalProperties: false });

/**
 * An answer that is not JSON, documented by its media type. Typed as a plain object so that the type
 * provider does not hold the handler to returning a string (a stream handler returns the reply).
 */
export const NotJson = (mediaType: string, description: string): object => ({
  description,
  content: { [mediaType]: { schema: Type.String() } },
});

/** A stream's answer: Server-Sent Events. */
export const EventStream = (description: string): object => NotJson('text/event-stream', description);

/** The statuses an error can answer with (docs/errors.md maps each code to one of them). */
export const ERROR_STATUSES = [
  400, 401, 403, 404, 405, 409, 413, 414, 415, 422, 429, 431, 500, 502, 503,
] as const;

/** A WebSocket-only route: the upgrade, and what its frames carry. */
export const WebSocketUpgrade = (description: string): object => ({ description });

/** Every WebSocket stream's heartbeat: the event log's head as this instance knows it. */
export const HeartbeatFrame = View({ type: Type.Literal('heartbeat'), head: Type.Integer({ minimum: 0 }) });
export type HeartbeatFrame = Static<typeof HeartbeatFrame>;

/** The last frame of a stream the server ends: why, and where to resume. */
export const CloseFrame = View({
  type: Type.Literal('close'),
  reason: Type.String({ description: 'slow_consumer, shutting_down, read_failed, …' }),
  resume_after: Type.Integer({ minimum: 0 }),
});
export type CloseFrame = Static<typeof CloseFrame>;

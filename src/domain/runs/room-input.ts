import { fail, ok, type Result } from '../errors.js';

/** A room's metadata is the caller's notes, not a document store. */
export const ROOM_METADATA_MAX_BYTES = 16_384;

export interface RoomInput {
  /** Null: the room is named after its id. */
  readonly name: string | null;
  readonly purpose: string | null;
  readonly metadata: Readonly<Record<string, unknown>>;
}

const blank = (s: string) => s.trim() === '';

/**
 * What a room is created from, in either shape that circulates: fabrica's `{name, purpose?, metadata?}`
 * and the abbot client's `{purpose?, metadata: {name}}` (its `--name` lands in the metadata). A name
 * given at the top level wins.
 */
export function readRoomInput(body: {
  name?: string;
  purpose?: string;
  metadata?: Record<string, unknown>;
}): Result<RoomInput> {
  if (body.name !== undefined && blank(body.name))
    return fail('invalid_request', 'body.name must not be blank', { details: { field: 'body.name' } });
  if (body.purpose !== undefined && blank(body.purpose))
    return fail('invalid_request', 'body.purpose must not be blank', { details: { field: 'body.purpose' } });
  const metadata = body.metadata ?? {};
  if (new TextEncoder().encode(JSON.stringify(metadata)).length > ROOM_METADATA_MAX_BYTES)
    return fail('invalid_request', `body.metadata is larger than ${ROOM_METADATA_MAX_BYTES} bytes`, {
      details: { field: 'body.metadata' },
    });
  const metaName = metadata.name;
  if (metaName !== undefined && (typeof metaName !== 'string' || blank(metaName) || metaName.length > 200))
    return fail(
      'invalid_request',
      'body.metadata.name must be a non-blank string of at most 200 characters',
      {
        details: { field: 'body.metadata.name' },
      },
    );
  return ok({
    name: body.name?.trim() ?? (typeof metaName === 'string' ? metaName.trim() : null),
    purpose: body.purpose?.trim() ?? null,
    metadata,
  });
}

import { Type, type Static, type TSchema } from 'typebox';
import { NextCursor } from './common.js';

/** Building blocks of the LLM factory family's answers (runs, records, rooms). */

/**
 * A list of `item` as the views hold it: read-only, so a view can hand over the domain's read-only arrays
 * without copying them, and clients cannot mistake an answer for something to edit in place.
 */
export const List = <T extends TSchema>(item: T, description?: string) =>
  Type.Unsafe<readonly Static<T>[]>(Type.Array(item, description === undefined ? {} : { description }));

/** A list of strings (dependencies, notes, summaries). */
export const Strings = (description?: string) => List(Type.String(), description);

/** A page of the family: `{success: true, data: [item…], next_cursor}`; `next_cursor` is null on the last page. */
export const EnvelopePage = <T extends TSchema>(item: T) =>
  Type.Object(
    { success: Type.Literal(true), data: Type.Array(item), next_cursor: NextCursor },
    { additionalProperties: false },
  );

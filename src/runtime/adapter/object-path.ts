import { isRecord } from './operation.js';

/** A parsed path such as `a.b[0].c`: object keys as strings, array indices as numbers. */
export type ObjectPath = readonly (string | number)[];

const SEGMENT = /\[(0|[1-9]\d*)\]|(\.)?([^.[\]]+)/y;

/** Parses `a.b[0].c` (keys joined by `.`, indices in brackets); undefined if malformed. */
export function parsePath(path: string): ObjectPath | undefined {
  const segments: (string | number)[] = [];
  const re = new RegExp(SEGMENT); // a fresh lastIndex per call
  while (re.lastIndex < path.length) {
    const m = re.exec(path);
    if (!m) return undefined;
    if (m[1] !== undefined) segments.push(Number(m[1]));
    else if ((m[2] !== undefined) === segments.length > 0) segments.push(m[3]!);
    else return undefined; // a leading dot, or a key glued to an index without one
  }
  return segments.length > 0 ? segments : undefined;
}

export const formatPath = (path: ObjectPath): string =>
  path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');

export type Lookup = { found: true; value: unknown } | { found: false; missing: string };

/**
 * The value at `path`, following only own keys of plain objects and indices of arrays (so `length`,
 * `__proto__` or `constructor` never resolve to something the data did not hold). When a step is
 * missing, `missing` is the path up to and including it.
 */
export function lookup(root: unknown, path: ObjectPath): Lookup {
  let value = root;
  for (const [i, segment] of path.entries()) {
    const next =
      typeof segment === 'number'
        ? Array.isArray(value) && segment < value.length
          ? (value[segment] as unknown)
          : undefined
        : isRecord(value) && Object.hasOwn(value, segment)
          ? value[segment]
          : undefined;
    if (next === undefined) return { found: false, missing: formatPath(path.slice(0, i + 1)) };
    value = next;
  }
  return { found: true, value };
}

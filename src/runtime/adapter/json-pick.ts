import type { ObjectPath } from './object-path.js';
import { lookup, parsePath } from './object-path.js';
import { defineOperation, problems, reject, settings, succeed } from './operation.js';

/**
 * Picks the value at `metadata.path` (`a.b[0].c`) from an object or array, or from a JSON string (which
 * is parsed first). A missing step is an error naming the path up to it: `path a.b not found`.
 */
export const jsonPick = defineOperation<ObjectPath>({
  name: 'json_pick',
  description: 'Returns the value at `metadata.path` (like `a.b[0].c`) of an object or JSON string.',
  settings: ({ metadata }) => {
    const raw = metadata['path'];
    if (typeof raw !== 'string' || raw === '') {
      return problems(['metadata.path must be a non-empty string such as "a.b[0].c"']);
    }
    const path = parsePath(raw);
    return path
      ? settings(path)
      : problems([`metadata.path "${raw}" is not a valid path (keys joined by "." and [index] for arrays)`]);
  },
  run: (input, path) => {
    let root = input;
    if (typeof input === 'string') {
      try {
        root = JSON.parse(input) as unknown;
      } catch (e) {
        return reject(`input is not valid JSON: ${e instanceof Error ? e.message.slice(0, 200) : ''}`);
      }
    } else if (typeof input !== 'object' || input === null) {
      return reject('input must be an object, an array or a JSON string');
    }
    const found = lookup(root, path);
    return found.found ? succeed(found.value) : reject(`path ${found.missing} not found`);
  },
});

import type { ObjectPath } from './object-path.js';
import { lookup, parsePath } from './object-path.js';
import { defineOperation, problems, reject, settings, succeed } from './operation.js';

type Part = string | { readonly name: string; readonly path: ObjectPath };

/** `{{ name }}`: a name (or path, `user.name`, `items[0]`) between double braces. */
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;

const render = (value: unknown): string => {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? '';
};

/**
 * Fills `metadata.template` from the input: an object (or array) supplies `{{name}}` and paths such as
 * `{{user.name}}` or `{{items[0]}}`; a string, number or boolean input is `{{input}}`. Strings are
 * inserted as they are, other values as JSON. Every placeholder without a value is named in the error.
 */
export const template = defineOperation<readonly Part[]>({
  name: 'template',
  description: 'Interpolates `{{name}}` placeholders of `metadata.template` from the input.',
  settings: ({ metadata }) => {
    const text = metadata['template'];
    if (typeof text !== 'string') return problems(['metadata.template must be a string']);
    const parts: Part[] = [];
    const found: string[] = [];
    let last = 0;
    for (const m of text.matchAll(PLACEHOLDER)) {
      const name = m[1]!.trim();
      const path = parsePath(name);
      if (!path) found.push(`metadata.template placeholder {{${m[1]}}} is not a valid name`);
      else parts.push(text.slice(last, m.index), { name, path });
      last = m.index + m[0].length;
    }
    parts.push(text.slice(last));
    return found.length > 0 ? problems(found) : settings(parts);
  },
  run: (input, parts) => {
    if (input === null || !['object', 'string', 'number', 'boolean'].includes(typeof input)) {
      return reject('input must be an object or a string');
    }
    const scope = typeof input === 'object' ? input : { input };
    const missing: string[] = [];
    const out = parts.map((part) => {
      if (typeof part === 'string') return part;
      const found = lookup(scope, part.path);
      if (found.found) return render(found.value);
      missing.push(`{{${part.name}}}`);
      return '';
    });
    if (missing.length > 0) return reject(`no value in the input for ${[...new Set(missing)].join(', ')}`);
    return succeed(out.join(''));
  },
});

import type { ObjectPath } from './object-path.js';
import { formatPath, lookup, parsePath } from './object-path.js';
import type { OperationConfig, Settings } from './operation.js';
import { defineOperation, isRecord, problems, reject, settings, succeed } from './operation.js';

interface RouteSettings {
  readonly field: ObjectPath;
  readonly threshold: number;
  readonly above: string;
  readonly below: string;
}

function readSettings({ metadata, links }: OperationConfig): Settings<RouteSettings> {
  const found: string[] = [];
  const rawField = metadata['field'] === undefined ? 'confidence' : metadata['field'];
  const field = typeof rawField === 'string' ? parsePath(rawField) : undefined;
  if (!field) found.push('metadata.field must be a key or path such as "confidence" or "scores.spam"');
  const threshold = metadata['threshold'];
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) {
    found.push('metadata.threshold must be a number');
  }
  const link = (key: 'above' | 'below'): string => {
    const id = metadata[key];
    if (typeof id !== 'string' || !links.includes(id)) {
      const known = links.length > 0 ? links.map((l) => JSON.stringify(l)).join(', ') : 'none';
      found.push(`metadata.${key} must be the id of one of the cell's links (links: ${known})`);
    }
    return typeof id === 'string' ? id : '';
  };
  const above = link('above');
  const below = link('below');
  if (found.length > 0 || !field || typeof threshold !== 'number') return problems(found);
  return settings({ field, threshold, above, below });
}

/**
 * Chooses a link by a threshold: the number at `metadata.field` of the input (default `confidence`;
 * a path such as `scores.spam` works too), or the input itself when it is a number. At or above
 * `metadata.threshold` the route is `metadata.above`, otherwise `metadata.below`; both must be among
 * the template's `links`. Output: `{route, value}`.
 */
export const route = defineOperation({
  name: 'route',
  description:
    'Chooses `metadata.above` or `metadata.below` by comparing a number with `metadata.threshold`.',
  settings: readSettings,
  run: (input, { field, threshold, above, below }) => {
    let value: unknown = input;
    if (isRecord(input)) {
      const found = lookup(input, field);
      value = found.found ? found.value : undefined;
    } else if (typeof input !== 'number') {
      return reject(`input must be an object with a number at ${formatPath(field)}, or a number`);
    }
    if (typeof value !== 'number' || Number.isNaN(value)) {
      return reject(`input.${formatPath(field)} must be a number`);
    }
    return succeed({ route: value >= threshold ? above : below, value });
  },
});

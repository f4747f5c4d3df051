import type { CellTemplate } from '../cells/cell-template.js';
import type { Candidate, ParamSpec, Space } from './search.js';

/** A failure of one request field: the field's path (`body.search.space.x`) and why. */
export interface FieldProblem {
  readonly field: string;
  readonly reason: string;
}

const THRESHOLD = 'confidence_threshold';
const META = 'metadata.';
const MAX_PARAMS = 8;
const MAX_STEPS = 100;
const MAX_CHOICES = 100;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The template's current value of a parameter (undefined when it does not set it). */
export function paramValue(t: CellTemplate, name: string): unknown {
  if (name === THRESHOLD) return t.confidence_threshold;
  return t.metadata[name.slice(META.length)];
}

/** The current values of the space's parameters in a template. */
export const currentParams = (t: CellTemplate, space: Space): Candidate =>
  Object.fromEntries(space.map(([name]) => [name, paramValue(t, name) ?? null]));

/** The template with a candidate's settings and a new version; `draft_content` and the rest unchanged. */
export function withParams(t: CellTemplate, candidate: Candidate, version: string): CellTemplate {
  const metadata: Record<string, unknown> = { ...t.metadata };
  let threshold = t.confidence_threshold;
  for (const [name, value] of Object.entries(candidate)) {
    if (name === THRESHOLD) threshold = value as number;
    else metadata[name.slice(META.length)] = value;
  }
  return {
    ...t,
    version,
    metadata: metadata as CellTemplate['metadata'],
    ...(threshold === undefined ? {} : { confidence_threshold: threshold }),
  };
}

function readSpec(name: string, raw: unknown, t: CellTemplate, at: string): ParamSpec | FieldProblem {
  if (!isRecord(raw))
    return { field: at, reason: `${at} must be {min, max, scale?, integer?, steps?} or {values}` };
  if ('values' in raw) {
    const values = raw['values'];
    if (!Array.isArray(values) || values.length === 0 || values.length > MAX_CHOICES)
      return { field: at, reason: `${at}.values must be a list of 1 to ${MAX_CHOICES} values` };
    if (name === THRESHOLD && !values.every((v) => finite(v) && v >= 0 && v <= 1))
      return { field: at, reason: `${at}.values: confidence_threshold is a number between 0 and 1` };
    return { kind: 'choice', values };
  }
  const { min, max, scale = 'linear', integer = false, steps = 5 } = raw;
  const unknownKey = Object.keys(raw).find((k) => !['min', 'max', 'scale', 'integer', 'steps'].includes(k));
  if (unknownKey !== undefined)
    return { field: `${at}.${unknownKey}`, reason: `${at}.${unknownKey}: unknown key` };
  if (!finite(min) || !finite(max) || min > max)
    return { field: at, reason: `${at} needs numbers min ≤ max` };
  if (scale !== 'linear' && scale !== 'log')
    return { field: `${at}.scale`, reason: `${at}.scale is linear or log` };
  if (scale === 'log' && min <= 0)
    return { field: `${at}.min`, reason: `${at}.min must be above 0 on a log scale` };
  if (typeof integer !== 'boolean') return { field: `${at}.integer`, reason: `${at}.integer is a boolean` };
  if (!Number.isInteger(steps) || (steps as number) < 1 || (steps as number) > MAX_STEPS)
    return { field: `${at}.steps`, reason: `${at}.steps is an integer from 1 to ${MAX_STEPS}` };
  if (name === THRESHOLD && (min < 0 || max > 1))
    return { field: at, reason: `${at}: confidence_threshold is between 0 and 1 in the template's schema` };
  if (name !== THRESHOLD && !finite(paramValue(t, name)))
    return { field: at, reason: `${at}: the template's ${name} is not a number, so it has no numeric range` };
  return { kind: 'range', min, max, scale, integer, steps: steps as number };
}

/**
 * Reads the wire form of a search space against the template it tunes: each key is
 * `confidence_threshold` or `metadata.<key>` of a key the template has (not `metadata.schema`).
 */
export function readSpace(raw: unknown, t: CellTemplate, field = 'body.search.space'): Space | FieldProblem {
  if (!isRecord(raw) || Object.keys(raw).length === 0)
    return { field, reason: `${field} must name at least one parameter` };
  const names = Object.keys(raw);
  if (names.length > MAX_PARAMS)
    return { field, reason: `${field} names more than ${MAX_PARAMS} parameters` };
  const space: [string, ParamSpec][] = [];
  for (const name of names) {
    const at = `${field}.${name}`;
    const key = name.startsWith(META) ? name.slice(META.length) : null;
    if (name !== THRESHOLD && (key === null || key === '' || key === 'schema'))
      return {
        field: at,
        reason: `${at}: only confidence_threshold and metadata.<key> (not schema) can be tuned`,
      };
    if (key !== null && !(key in t.metadata))
      return { field: at, reason: `${at}: the template ${t.id}@${t.version} has no metadata.${key}` };
    const spec = readSpec(name, raw[name], t, at);
    if ('field' in spec) return spec;
    space.push([name, spec]);
  }
  return space;
}

/** The values a check of a parameter must accept: a range's ends and every listed value. */
export const extremes = (spec: ParamSpec): unknown[] =>
  spec.kind === 'choice'
    ? [...spec.values]
    : [spec.integer ? Math.round(spec.min) : spec.min, spec.integer ? Math.round(spec.max) : spec.max];

import { Ajv, type ErrorObject } from 'ajv';
import { createHash } from 'node:crypto';
import { fail, ok, type Result } from '../errors.js';
import { BACKENDS, type Backend } from './backends.js';
import { parseSemver } from './semver.js';

/** Cell template v1 (docs/cells.md). */
export interface CellTemplate {
  readonly id: string;
  readonly version: string;
  readonly analysis_type?: string;
  readonly action_type?: string;
  readonly links: readonly string[];
  readonly metadata: Readonly<Record<string, unknown>> & { readonly schema: string };
  readonly confidence_threshold?: number;
  readonly draft_content?: string;
}

export const CELL_TEMPLATE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'version', 'metadata'],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' },
    version: { type: 'string', minLength: 5, maxLength: 100 },
    analysis_type: { type: 'string', minLength: 1, maxLength: 100 },
    action_type: { type: 'string', minLength: 1, maxLength: 100 },
    links: { type: 'array', items: { type: 'string', minLength: 1 }, maxItems: 100, uniqueItems: true },
    metadata: {
      type: 'object',
      required: ['schema'],
      properties: { schema: { type: 'string', pattern: '^(v1|1\\.[0-9]+\\.[0-9]+)$' } },
    },
    confidence_threshold: { type: 'number', minimum: 0, maximum: 1 },
    draft_content: { type: 'string', maxLength: 1_000_000 },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: false });
const check = ajv.compile(CELL_TEMPLATE_SCHEMA);

const describe = (e: ErrorObject): string => {
  const path = `$${e.instancePath.replace(/\//g, '.')}`;
  if (e.keyword === 'additionalProperties') {
    return `${path}.${String((e.params as { additionalProperty: string }).additionalProperty)}: unknown key`;
  }
  if (e.keyword === 'required')
    return `${path}.${String((e.params as { missingProperty: string }).missingProperty)}: required`;
  if (e.keyword === 'pattern' && e.instancePath === '/metadata/schema')
    return `${path}: must be "v1" or "1.x.y"`;
  return `${path}: ${e.message ?? 'invalid'}`;
};

/** Every problem with its JSON path, or the template with `links` defaulted. */
export function validateCellTemplate(raw: unknown): Result<CellTemplate> {
  const problems: string[] = [];
  if (!check(raw)) problems.push(...(check.errors ?? []).map(describe));
  const t = raw as Partial<CellTemplate> | null;
  if (t !== null && typeof t === 'object') {
    if (typeof t.version === 'string' && parseSemver(t.version) === null) {
      problems.push(`$.version: "${t.version}" is not a SemVer version (MAJOR.MINOR.PATCH)`);
    }
    const hasAnalysis = typeof t.analysis_type === 'string';
    const hasAction = typeof t.action_type === 'string';
    if (!hasAnalysis && !hasAction) problems.push('$: one of analysis_type or action_type is required');
    if (hasAnalysis && hasAction) problems.push('$: give analysis_type or action_type, not both');
  }
  if (problems.length > 0) {
    return fail('invalid_template', `invalid cell template: ${problems.join('; ')}`, {
      details: { problems },
    });
  }
  const tpl = raw as CellTemplate;
  return ok({ ...tpl, links: tpl.links ?? [] });
}

export const cellTypeOf = (t: CellTemplate): string => t.analysis_type ?? t.action_type ?? '';

/** Canonical JSON (sorted keys) so equal templates hash equally however they were written. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export const templateHash = (t: CellTemplate): string =>
  createHash('sha256').update(canonicalJson(t)).digest('hex');

export { BACKENDS, type Backend };

export interface FabricationRequest {
  readonly backend: Backend;
  readonly hitl: boolean;
  readonly template: unknown;
}

/**
 * Reads every request shape clients send: flat `{backend?, mode?, hitl?, ...template}`, wrapped
 * `{backend, tpl}`, or `{template}` / `{spec}`; `mode` means `backend`.
 */
export function readFabricationRequest(body: unknown): Result<FabricationRequest> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return fail('invalid_request', 'body must be a JSON object holding a cell template');
  }
  const { backend, mode, hitl, tpl, template, spec, ...rest } = body as Record<string, unknown>;
  const chosen = backend ?? mode ?? 'adapter';
  if (typeof chosen !== 'string' || !(BACKENDS as readonly string[]).includes(chosen)) {
    return fail('invalid_request', `backend must be one of ${BACKENDS.join(', ')}`, {
      details: { field: 'body.backend' },
    });
  }
  if (hitl !== undefined && typeof hitl !== 'boolean') {
    return fail('invalid_request', 'hitl must be a boolean', { details: { field: 'body.hitl' } });
  }
  const wrapped = tpl ?? template ?? spec;
  return ok({ backend: chosen as Backend, hitl: hitl ?? true, template: wrapped ?? rest });
}

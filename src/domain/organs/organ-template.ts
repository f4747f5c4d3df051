import { parseSemver } from '../cells/semver.js';
import { fail, ok, type Result } from '../errors.js';

export interface Pathway {
  readonly name: string;
  readonly cells: readonly string[];
  readonly description?: string;
}

/** Organ template (docs/organs.md): the legacy keys `nodes` / `channels` arrive normalised to `cells` / `pathways`. */
export interface OrganTemplate {
  readonly id: string;
  readonly version: string;
  readonly roles: readonly string[];
  readonly cells: readonly string[];
  readonly pathways: readonly Pathway[];
  readonly policies: Readonly<Record<string, unknown>> & {
    readonly stage?: string;
    readonly hitl?: boolean;
    readonly smoke_input?: unknown;
  };
}

const KNOWN_KEYS = new Set(['id', 'version', 'roles', 'cells', 'nodes', 'pathways', 'channels', 'policies']);
const isStrings = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'string' && x !== '');

/** Validates and normalises an organ template; every problem is listed with its JSON path. */
export function parseOrganTemplate(raw: unknown): Result<OrganTemplate> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return fail('invalid_template', 'invalid organ template: $: must be an object', {
      details: { problems: ['$: must be an object'] },
    });
  }
  const t = raw as Record<string, unknown>;
  const problems: string[] = [];
  for (const k of Object.keys(t)) if (!KNOWN_KEYS.has(k)) problems.push(`$.${k}: unknown key`);
  if (t.cells !== undefined && t.nodes !== undefined)
    problems.push('$: give cells or the legacy nodes, not both');
  if (t.pathways !== undefined && t.channels !== undefined)
    problems.push('$: give pathways or the legacy channels, not both');
  if (typeof t.id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(t.id))
    problems.push('$.id: required, letters, digits, . _ -');
  const version = t.version ?? '0.1.0';
  if (typeof version !== 'string' || parseSemver(version) === null)
    problems.push('$.version: must be a SemVer version');
  if (!isStrings(t.roles)) problems.push('$.roles: required, an array of strings');
  const cells = t.cells ?? t.nodes;
  const cellsKey = t.cells === undefined && t.nodes !== undefined ? 'nodes' : 'cells';
  if (!isStrings(cells) || cells.length === 0)
    problems.push(`$.${cellsKey}: required, a non-empty array of cell ids`);
  const rawPathways = t.pathways ?? t.channels ?? [];
  const pathwaysKey = t.pathways === undefined && t.channels !== undefined ? 'channels' : 'pathways';
  const pathways: Pathway[] = [];
  if (!Array.isArray(rawPathways)) problems.push(`$.${pathwaysKey}: must be an array`);
  else {
    rawPathways.forEach((p: unknown, i) => {
      const at = `$.${pathwaysKey}[${i}]`;
      const pw = p as Record<string, unknown> | null;
      if (pw === null || typeof pw !== 'object') return void problems.push(`${at}: must be an object`);
      if (typeof pw.name !== 'string' || pw.name === '') problems.push(`${at}.name: required`);
      const pc = pw.cells ?? pw.nodes;
      if (!isStrings(pc) || pc.length === 0) problems.push(`${at}.cells: required, a non-empty array`);
      else if (isStrings(cells)) {
        for (const c of pc)
          if (!cells.includes(c)) problems.push(`${at}.cells: ${c} is not listed in $.${cellsKey}`);
      }
      if (pw.description !== undefined && typeof pw.description !== 'string')
        problems.push(`${at}.description: must be a string`);
      for (const k of Object.keys(pw))
        if (!['name', 'cells', 'nodes', 'description'].includes(k)) problems.push(`${at}.${k}: unknown key`);
      if (typeof pw.name === 'string' && isStrings(pc)) {
        pathways.push({
          name: pw.name,
          cells: pc,
          ...(typeof pw.description === 'string' ? { description: pw.description } : {}),
        });
      }
    });
    const names = pathways.map((p) => p.name);
    for (const n of new Set(names.filter((x, i) => names.indexOf(x) !== i)))
      problems.push(`$.${pathwaysKey}: duplicate pathway ${n}`);
  }
  const policies = t.policies ?? {};
  if (policies === null || typeof policies !== 'object' || Array.isArray(policies))
    problems.push('$.policies: must be an object');
  else if (
    (policies as { hitl?: unknown }).hitl !== undefined &&
    typeof (policies as { hitl?: unknown }).hitl !== 'boolean'
  ) {
    problems.push('$.policies.hitl: must be a boolean');
  }
  if (problems.length > 0)
    return fail('invalid_template', `invalid organ template: ${problems.join('; ')}`, {
      details: { problems },
    });
  return ok({
    id: t.id as string,
    version: version as string,
    roles: t.roles as string[],
    cells: cells as string[],
    pathways,
    policies: policies as OrganTemplate['policies'],
  });
}

/** An organ template names cells by template id (`analysis.echo_adapter.v1`) or by full cell id. */
export const organCellId = (ref: string): string => (ref.includes(':') ? ref : `adapter:${ref}`);

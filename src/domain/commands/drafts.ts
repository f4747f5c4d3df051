import type { CellTemplate } from '../cells/cell-template.js';
import { compareSemver, parseSemver } from '../cells/semver.js';
import { fail, ok, type Failure, type Result } from '../errors.js';
import type { OrganTemplate } from '../organs/organ-template.js';
import { closestIntents, INTENTS, type Intent } from './intents.js';
import type { ParsedCommand, VersionPhrase } from './parse.js';
import type { Registry, RegistryCell, RegistryOrgan } from './registry.js';
import { conceptOf, resolveCell, resolveOrgan, type Resolution } from './resolve.js';

/**
 * The drafts the planner builds per intent (the spec, its base for the diff, the requests to run), the
 * name resolution they share, and the two refusals of a command.
 */

/** One request an apply runs, as the caller would send it. */
export interface PlannedRequest {
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly path: string;
  readonly body?: unknown;
}

type Failed = { ok: false; error: Failure };

export const notUnderstood = (p: ParsedCommand, why: string): Failed => {
  const closest = closestIntents(p.action);
  return fail('command_not_understood', `command not understood: ${why}`, {
    details: {
      closest: closest.map((i) => ({ intent: i, example: INTENTS[i][p.lang] })),
    },
  });
};

export const ambiguous = (what: string, candidates: readonly string[]): Failed =>
  fail('command_ambiguous', `"${what}" could mean ${candidates.length} things: name one`, {
    details: { name: what, candidates },
  });

/** The version a new template gets: the one asked for when newer, else a bump of the newest. */
export function nextVersion(newest: string | null, asked: VersionPhrase | null): string {
  if (asked !== null) {
    const v = `${asked.major}.${asked.minor ?? 0}.${asked.patch ?? 0}`;
    if (newest === null || compareSemver(v, newest) > 0) return v;
  }
  if (newest === null) return '0.1.0';
  const s = parseSemver(newest);
  return s === null ? '0.1.0' : `${s.major}.${s.minor + 1}.0`;
}

const slug = (words: readonly string[]): string =>
  words
    .map((w) => (/^[a-z0-9._-]+$/.test(w) ? w : conceptOf(w)))
    .filter((w) => /^[a-z0-9._-]+$/.test(w))
    .join('-');

/** The newest organ of each template id (organs built from one template share it). */
export function organTemplates(organs: readonly RegistryOrgan[]): RegistryOrgan[] {
  const by = new Map<string, RegistryOrgan>();
  for (const o of organs) {
    const cur = by.get(o.template.id);
    if (cur === undefined || compareSemver(o.template.version, cur.template.version) > 0)
      by.set(o.template.id, o);
  }
  return [...by.values()];
}

/** An intent decided: what it targets, its spec and diff base, its requests, what it was made from. */
export interface Draft {
  intent: Intent;
  target: string | null;
  specKind: 'cell' | 'organ' | null;
  spec: CellTemplate | OrganTemplate | null;
  base: unknown;
  apply: PlannedRequest[];
  cells: string[];
  organTemplates: string[];
  exact: boolean;
}

export const cellLabel = (c: RegistryCell) => c.id;
export const organLabel = (o: RegistryOrgan) => `${o.id} (${o.template.id} ${o.template.version})`;

export function cellNewVersion(p: ParsedCommand, c: RegistryCell, exact: boolean): Draft {
  const versions = c.revisions.map((r) => r.version).sort(compareSemver);
  const metadata = { ...c.template.metadata, ...p.settings };
  const spec: CellTemplate = {
    ...c.template,
    version: nextVersion(versions.at(-1) ?? null, p.version),
    metadata,
  };
  return {
    intent: 'cell.new_version',
    target: c.id,
    specKind: 'cell',
    spec,
    base: c.stableTemplate,
    apply: [{ method: 'POST', path: '/factory/cells', body: { backend: c.backend, template: spec } }],
    cells: [c.id],
    organTemplates: [],
    exact,
  };
}

function organFrom(
  p: ParsedCommand,
  template: OrganTemplate,
  base: OrganTemplate | null,
  exact: boolean,
  intent: Intent,
  cells: string[],
): Draft {
  return {
    intent,
    target: template.id,
    specKind: 'organ',
    spec: template,
    base,
    apply: [{ method: 'POST', path: '/organs/build', body: { organ_template: template } }],
    cells,
    organTemplates: [template.id],
    exact,
  };
}

export function organNewVersion(
  p: ParsedCommand,
  o: RegistryOrgan,
  reg: Registry,
  exact: boolean,
  bump: boolean,
): Draft {
  const sameTemplate = reg.organs
    .filter((x) => x.template.id === o.template.id)
    .map((x) => x.template.version)
    .sort(compareSemver);
  const version = bump ? nextVersion(sameTemplate.at(-1) ?? null, p.version) : o.template.version;
  const policies = { ...o.template.policies, ...p.settings };
  const spec: OrganTemplate = { ...o.template, version, policies };
  return organFrom(p, spec, o.template, exact, bump ? 'organ.new_version' : 'organ.build', []);
}

/** A pathway of named steps; each step is resolved knowing the one before (its links break ties). */
export function pathwayOrgan(
  p: ParsedCommand,
  steps: readonly (readonly string[])[],
  reg: Registry,
): Result<Draft> {
  const chosen: RegistryCell[] = [];
  let exact = true;
  for (const step of steps) {
    const r = resolveCell(step, reg.cells, p.name, chosen.at(-1));
    if (r.kind === 'many') return ambiguous(step.join(' '), r.candidates.map(cellLabel));
    if (r.kind === 'none') return ambiguous(step.join(' '), reg.cells.map(cellLabel).slice(0, 20));
    exact &&= r.exact;
    chosen.push(r.value);
  }
  const name = slug(p.name) || chosen.map((c) => c.template.analysis_type ?? c.template.id).join('-');
  return ok(
    newOrgan(
      p,
      name,
      chosen,
      steps.map((s) => s.join('_')),
      reg,
      exact,
    ),
  );
}

function newOrgan(
  p: ParsedCommand,
  name: string,
  chosen: RegistryCell[],
  roles: string[],
  reg: Registry,
  exact: boolean,
): Draft {
  const id = `organ.${name}.v${p.version?.minor === null ? p.version.major : 1}`;
  const existing = reg.organs
    .filter((o) => o.template.id === id)
    .sort((a, b) => compareSemver(a.template.version, b.template.version));
  const refs = chosen.map((c) => (c.backend === 'adapter' ? c.template.id : c.id));
  const unique = [...new Set(refs)];
  const spec: OrganTemplate = {
    id,
    version: nextVersion(
      existing.at(-1)?.template.version ?? null,
      p.version?.minor === null ? null : p.version,
    ),
    roles,
    cells: unique,
    pathways: [{ name, cells: refs }],
    policies: { stage: 'draft', hitl: true, ...p.settings },
  };
  return organFrom(
    p,
    spec,
    existing.at(-1)?.template ?? null,
    exact,
    'organ.build',
    chosen.map((c) => c.id),
  );
}

/** "create the voice organ": the cell the name means and the cells it links back to, in order. */
export function chainOrgan(p: ParsedCommand, c: RegistryCell, reg: Registry, exact: boolean): Draft {
  const chain: RegistryCell[] = [c];
  for (let cur = c; chain.length < 10;) {
    const link = cur.template.links[0];
    const prev = reg.cells.find((x) => x.template.id === link || x.id === link);
    if (prev === undefined || chain.includes(prev)) break;
    chain.unshift(prev);
    cur = prev;
  }
  const name = slug(p.name) || c.template.id;
  return newOrgan(
    p,
    name,
    chain,
    chain.map((x) => x.template.analysis_type ?? x.template.id),
    reg,
    exact,
  );
}

export const describeName = (p: ParsedCommand) => p.name.join(' ');

export function either(
  p: ParsedCommand,
  reg: Registry,
): Resolution<{ cell?: RegistryCell; organ?: RegistryOrgan }> {
  const cell = p.kind === 'organ' ? ({ kind: 'none' } as const) : resolveCell(p.name, reg.cells, p.words);
  const organ =
    p.kind === 'cell'
      ? ({ kind: 'none' } as const)
      : resolveOrgan(p.name, reg.organs, p.words, p.kind === 'organ');
  if (cell.kind === 'many') return { kind: 'many', candidates: cell.candidates.map((c) => ({ cell: c })) };
  if (organ.kind === 'many') return { kind: 'many', candidates: organ.candidates.map((o) => ({ organ: o })) };
  if (cell.kind === 'one' && organ.kind === 'one') {
    if (cell.exact === organ.exact)
      return { kind: 'many', candidates: [{ cell: cell.value }, { organ: organ.value }] };
    return cell.exact
      ? { kind: 'one', value: { cell: cell.value }, exact: true }
      : { kind: 'one', value: { organ: organ.value }, exact: true };
  }
  if (cell.kind === 'one') return { kind: 'one', value: { cell: cell.value }, exact: cell.exact };
  if (organ.kind === 'one') return { kind: 'one', value: { organ: organ.value }, exact: organ.exact };
  return { kind: 'none' };
}

export const label = (x: { cell?: RegistryCell; organ?: RegistryOrgan }) =>
  x.cell !== undefined ? cellLabel(x.cell) : organLabel(x.organ!);

/** An unknown name with "create": a new cell from the closest template (the first cell when none is close). */
export function newCell(p: ParsedCommand, reg: Registry): Draft {
  const [nameWords, fromWords] = splitFrom(p);
  const near = resolveCell(fromWords.length > 0 ? fromWords : nameWords, reg.cells, p.words);
  const model = near.kind === 'one' ? near.value : near.kind === 'many' ? near.candidates[0]! : reg.cells[0];
  const name = slug(nameWords) || 'cell';
  const id = `analysis.${name.replace(/-/g, '_')}.v${p.version?.minor === null ? p.version.major : 1}`;
  const base = model?.template ?? {
    id,
    version: '0.1.0',
    analysis_type: 'echo_adapter',
    links: [],
    metadata: { schema: 'v1' },
  };
  const spec: CellTemplate = {
    ...base,
    id,
    version: nextVersion(null, p.version?.minor === null ? null : p.version),
    metadata: {
      ...base.metadata,
      ...p.settings,
      ...(model === undefined ? {} : { derived_from: model.template.id }),
    },
  };
  return {
    intent: 'cell.create',
    target: id,
    specKind: 'cell',
    spec,
    base: null,
    apply: [{ method: 'POST', path: '/factory/cells', body: { backend: 'adapter', template: spec } }],
    cells: model === undefined ? [] : [model.id],
    organTemplates: [],
    exact: near.kind === 'one',
  };
}

/** "create cell X from Y": the new name and the template it starts from. */
function splitFrom(p: ParsedCommand): [string[], string[]] {
  if (p.name.length >= 2) return [p.name.slice(0, 1), p.name.slice(1)];
  return [[...p.name], []];
}

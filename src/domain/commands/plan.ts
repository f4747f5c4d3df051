import type { CapabilityName } from '../capabilities.js';
import type { CellTemplate } from '../cells/cell-template.js';
import { compareSemver, parseSemver } from '../cells/semver.js';
import { fail, ok, type Failure, type Result } from '../errors.js';
import type { OrganTemplate } from '../organs/organ-template.js';
import { closestIntents, INTENTS, type Intent } from './intents.js';
import { jsonDiff, type JsonDiff } from './json-diff.js';
import type { Lang } from './lexicon.js';
import { parseCommand, type ParsedCommand, type VersionPhrase } from './parse.js';
import type { Asker, Registry, RegistryCell, RegistryOrgan } from './registry.js';
import { conceptOf, resolveCell, resolveOrgan, type Resolution } from './resolve.js';

export interface PlannedRequest {
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly path: string;
  readonly body?: unknown;
}

export interface PolicyCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly reason: string;
}

/** What fabrica read and would do; the engine adds the dry run and stores it until applied or expired. */
export interface CommandPlan {
  readonly lang: Lang;
  readonly intent: Intent;
  readonly confidence: number;
  readonly target: string | null;
  readonly specKind: 'cell' | 'organ' | null;
  readonly spec: CellTemplate | OrganTemplate | null;
  readonly diff: JsonDiff | null;
  readonly checks: readonly PolicyCheck[];
  readonly apply: readonly PlannedRequest[];
  /** What the plan was made from: the registry must not have moved there when it is applied. */
  readonly subjects: { readonly cells: readonly string[]; readonly organTemplates: readonly string[] };
}

type Failed = { ok: false; error: Failure };

const notUnderstood = (p: ParsedCommand, why: string): Failed => {
  const closest = closestIntents(p.action);
  return fail('command_not_understood', `command not understood: ${why}`, {
    details: {
      closest: closest.map((i) => ({ intent: i, example: INTENTS[i][p.lang] })),
    },
  });
};

const ambiguous = (what: string, candidates: readonly string[]): Failed =>
  fail('command_ambiguous', `"${what}" could mean ${candidates.length} things: name one`, {
    details: { name: what, candidates },
  });

const enc = encodeURIComponent;

/** The version a new template gets: the one asked for when newer, else a bump of the newest. */
function nextVersion(newest: string | null, asked: VersionPhrase | null): string {
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
function organTemplates(organs: readonly RegistryOrgan[]): RegistryOrgan[] {
  const by = new Map<string, RegistryOrgan>();
  for (const o of organs) {
    const cur = by.get(o.template.id);
    if (cur === undefined || compareSemver(o.template.version, cur.template.version) > 0)
      by.set(o.template.id, o);
  }
  return [...by.values()];
}

const writes = new Set<Intent>(INTENT_WRITES());
function INTENT_WRITES(): Intent[] {
  return [
    'cell.create',
    'cell.new_version',
    'organ.build',
    'organ.new_version',
    'cell.approve',
    'cell.disable',
    'cell.rollback',
    'organ.approve',
    'capability.set',
    'safe_mode.set',
  ];
}

const GATE: Readonly<Record<Intent, CapabilityName>> = {
  'cell.create': 'factory_adapter',
  'cell.new_version': 'factory_adapter',
  'cell.approve': 'factory_adapter',
  'cell.disable': 'factory_adapter',
  'cell.rollback': 'factory_adapter',
  'organ.build': 'organs_builder',
  'organ.new_version': 'organs_builder',
  'organ.approve': 'organs_builder',
  'status.show': 'organs_builder',
  'capability.set': 'self_edit',
  'safe_mode.set': 'self_edit',
};

/** The policy decisions for an intent: rights, its gate, safe mode. */
export function policyChecks(
  intent: Intent,
  target: string | null,
  reg: Registry,
  asker: Asker,
): PolicyCheck[] {
  const checks: PolicyCheck[] = [
    {
      name: 'rights',
      ok: asker.admin,
      reason: asker.admin ? 'the admin token may run this' : 'only the admin token may run factory commands',
    },
  ];
  // A status read of a cell is not gated by the organ builder; the cell routes have no gate for reads.
  if (!(intent === 'status.show' && target !== null && !target.startsWith('organ-'))) {
    const gate = GATE[intent];
    const level = reg.capabilities[gate];
    checks.push({
      name: `capability:${gate}`,
      ok: level !== 'locked',
      reason:
        level === 'locked'
          ? `${gate} is locked${gate === 'self_edit' ? ': commands that change fabrica itself are refused' : ''}`
          : `${gate} is ${level}`,
    });
  }
  if (writes.has(intent))
    checks.push({
      name: 'safe_mode',
      ok: !reg.safeMode || asker.admin,
      reason: reg.safeMode
        ? asker.admin
          ? 'safe mode is on; the admin may still write'
          : 'safe mode is on: only the admin may write'
        : 'safe mode is off',
    });
  return checks;
}

interface Draft {
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

const cellLabel = (c: RegistryCell) => c.id;
const organLabel = (o: RegistryOrgan) => `${o.id} (${o.template.id} ${o.template.version})`;

function cellNewVersion(p: ParsedCommand, c: RegistryCell, exact: boolean): Draft {
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

function organNewVersion(
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
function pathwayOrgan(p: ParsedCommand, steps: readonly (readonly string[])[], reg: Registry): Result<Draft> {
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
function chainOrgan(p: ParsedCommand, c: RegistryCell, reg: Registry, exact: boolean): Draft {
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

const describeName = (p: ParsedCommand) => p.name.join(' ');

function either(p: ParsedCommand, reg: Registry): Resolution<{ cell?: RegistryCell; organ?: RegistryOrgan }> {
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

const label = (x: { cell?: RegistryCell; organ?: RegistryOrgan }) =>
  x.cell !== undefined ? cellLabel(x.cell) : organLabel(x.organ!);

function decide(p: ParsedCommand, reg: Registry): Result<Draft> {
  const reason = `command: ${p.words.join(' ') || p.action || ''}`.slice(0, 200);
  if (p.safeMode) {
    const on = p.on ?? (p.action === 'enable' ? true : p.action === 'disable' ? false : null);
    if (on === null) return notUnderstood(p, 'say whether safe mode goes on or off');
    return ok({
      intent: 'safe_mode.set',
      target: 'safe-mode',
      specKind: null,
      spec: null,
      base: null,
      apply: [{ method: 'POST', path: '/safe-mode', body: { on, reason } }],
      cells: [],
      organTemplates: [],
      exact: true,
    });
  }
  if (p.capability !== null) {
    const level =
      p.level ?? (p.action === 'disable' ? 'locked' : p.action === 'enable' ? 'experimental' : null);
    if (level === null)
      return notUnderstood(p, `say which level ${p.capability} goes to (locked, experimental, stable)`);
    return ok({
      intent: 'capability.set',
      target: p.capability,
      specKind: null,
      spec: null,
      base: null,
      apply: [{ method: 'PUT', path: `/capabilities/${p.capability}`, body: { level, reason } }],
      cells: [],
      organTemplates: [],
      exact: true,
    });
  }
  if (p.action === null) return notUnderstood(p, 'no command verb found');
  if ((p.action === 'build' || p.action === 'create') && p.steps !== null)
    return pathwayOrgan(p, p.steps, reg);
  if (p.name.length === 0) return notUnderstood(p, 'no cell or organ named');

  switch (p.action) {
    case 'build':
    case 'create': {
      // "create X" without saying cell or organ: an organ when X names a known organ, else a new cell.
      if (
        p.kind === 'cell' ||
        (p.action === 'create' &&
          p.kind === null &&
          resolveOrgan(p.name, organTemplates(reg.organs), p.words).kind === 'none')
      ) {
        return ok(newCell(p, reg));
      }
      const known = resolveOrgan(p.name, organTemplates(reg.organs), p.words);
      if (known.kind === 'many') return ambiguous(describeName(p), known.candidates.map(organLabel));
      if (known.kind === 'one')
        return ok(
          organNewVersion(p, known.value, reg, known.exact, p.version !== null && p.version.minor !== null),
        );
      const cell = resolveCell(p.name, reg.cells, p.words);
      if (cell.kind === 'many') return ambiguous(describeName(p), cell.candidates.map(cellLabel));
      if (cell.kind === 'none') return ambiguous(describeName(p), reg.cells.map(cellLabel).slice(0, 20));
      return ok(chainOrgan(p, cell.value, reg, cell.exact));
    }
    case 'update': {
      const r = either(p, reg);
      if (r.kind === 'many') return ambiguous(describeName(p), r.candidates.map(label));
      if (r.kind === 'none')
        return ambiguous(
          describeName(p),
          [...reg.cells.map(cellLabel), ...organTemplates(reg.organs).map(organLabel)].slice(0, 20),
        );
      if (r.value.cell !== undefined) return ok(cellNewVersion(p, r.value.cell, r.exact));
      return ok(
        organNewVersion(
          p,
          organTemplates(reg.organs).find((o) => o.template.id === r.value.organ!.template.id)!,
          reg,
          r.exact,
          true,
        ),
      );
    }
    case 'approve':
    case 'disable':
    case 'rollback':
    case 'show': {
      const r = either(p, reg);
      if (r.kind === 'many') return ambiguous(describeName(p), r.candidates.map(label));
      if (r.kind === 'none')
        return ambiguous(
          describeName(p),
          [...reg.cells.map(cellLabel), ...reg.organs.map(organLabel)].slice(0, 20),
        );
      const { cell, organ } = r.value;
      if (p.action === 'show') {
        const path =
          cell !== undefined ? `/factory/cells/${enc(cell.id)}` : `/organs/${enc(organ!.id)}/status`;
        return ok({
          intent: 'status.show',
          target: cell?.id ?? organ!.id,
          specKind: null,
          spec: null,
          base: null,
          apply: [{ method: 'GET', path }],
          cells: [],
          organTemplates: [],
          exact: r.exact,
        });
      }
      if (cell !== undefined) {
        const intent = `cell.${p.action}` as const;
        return ok({
          intent,
          target: cell.id,
          specKind: null,
          spec: null,
          base: null,
          apply: [{ method: 'POST', path: `/factory/cells/${enc(cell.id)}/${p.action}`, body: { reason } }],
          cells: [cell.id],
          organTemplates: [],
          exact: r.exact,
        });
      }
      if (p.action !== 'approve')
        return notUnderstood(
          p,
          `an organ can be approved, not ${p.action === 'disable' ? 'disabled' : 'rolled back'}`,
        );
      return ok({
        intent: 'organ.approve',
        target: organ!.id,
        specKind: null,
        spec: null,
        base: null,
        apply: [{ method: 'POST', path: `/organs/${enc(organ!.id)}/approve` }],
        cells: [],
        organTemplates: [organ!.template.id],
        exact: r.exact,
      });
    }
    default:
      return notUnderstood(p, `"${p.action}" needs a capability or safe mode`);
  }
}

/** An unknown name with "create": a new cell from the closest template (the first cell when none is close). */
function newCell(p: ParsedCommand, reg: Registry): Draft {
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

/** Text → a plan against this registry, or a refusal (`command_not_understood`, `command_ambiguous`). */
export function planCommand(text: string, reg: Registry, asker: Asker, lang?: Lang): Result<CommandPlan> {
  return planParsed(parseCommand(text, lang), reg, asker);
}

/** A command already read (by the grammar, or from a validated LLM answer) → a plan, or a refusal. */
export function planParsed(p: ParsedCommand, reg: Registry, asker: Asker): Result<CommandPlan> {
  const d = decide(p, reg);
  if (!d.ok) return d;
  const v = d.value;
  const confidence = Math.round((1 - (p.verbTypo ? 0.1 : 0) - (v.exact ? 0 : 0.15)) * 100) / 100;
  return ok({
    lang: p.lang,
    intent: v.intent,
    confidence,
    target: v.target,
    specKind: v.specKind,
    spec: v.spec,
    diff: v.spec === null ? null : jsonDiff(v.base, v.spec),
    checks: policyChecks(v.intent, v.target, reg, asker),
    apply: v.apply,
    subjects: { cells: [...new Set(v.cells)].sort(), organTemplates: v.organTemplates },
  });
}

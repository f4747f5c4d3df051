import type { CellTemplate } from '../cells/cell-template.js';
import { ok, type Result } from '../errors.js';
import type { OrganTemplate } from '../organs/organ-template.js';
import { policyChecks, type PolicyCheck } from './checks.js';
import {
  ambiguous,
  cellNewVersion,
  chainOrgan,
  describeName,
  either,
  label,
  newCell,
  notUnderstood,
  organLabel,
  organNewVersion,
  organTemplates,
  pathwayOrgan,
  cellLabel,
  type Draft,
  type PlannedRequest,
} from './drafts.js';
import type { Intent } from './intents.js';
import { jsonDiff, type JsonDiff } from './json-diff.js';
import type { Lang } from './lexicon.js';
import { parseCommand, type ParsedCommand } from './parse.js';
import type { Asker, Registry } from './registry.js';
import { resolveCell, resolveOrgan } from './resolve.js';

export type { PlannedRequest } from './drafts.js';
export type { PolicyCheck } from './checks.js';

const enc = encodeURIComponent;

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

import { CAPABILITY_NAMES, type CapabilityLevel, type CapabilityName } from '../capabilities.js';
import {
  CELL_STEMS,
  FROM_WORDS,
  OFF_WORDS,
  ON_WORDS,
  ORGAN_STEMS,
  SAFE_WORDS,
  STEP_SPLIT,
  STOP_WORDS,
  VERBS,
  type Action,
  type Lang,
} from './lexicon.js';
import { editDistance, hasCyrillic, normalizeText, tokens } from './text.js';

/** A version phrase: `v2` (major only), `1.2` or `1.2.0`. */
export interface VersionPhrase {
  readonly major: number;
  readonly minor: number | null;
  readonly patch: number | null;
}

/** What the grammar read from a command, before the registry is consulted. */
export interface ParsedCommand {
  readonly lang: Lang;
  readonly action: Action | null;
  /** The verb was within edit distance 1 of a known form rather than one of them. */
  readonly verbTypo: boolean;
  readonly kind: 'organ' | 'cell' | null;
  /** The words naming the target (organ, cell, or the new organ's name). */
  readonly name: readonly string[];
  /** A pathway's steps, each a list of words; null when the text names none. */
  readonly steps: readonly (readonly string[])[] | null;
  readonly version: VersionPhrase | null;
  /** Parenthesised settings: `(grayscale)` → `{grayscale: true}`, `(mode=gray)` → `{mode: "gray"}`. */
  readonly settings: Readonly<Record<string, string | boolean>>;
  readonly safeMode: boolean;
  readonly on: boolean | null;
  readonly capability: CapabilityName | null;
  readonly level: CapabilityLevel | null;
  /** Every meaningful word, for disambiguation by context. */
  readonly words: readonly string[];
}

const VERB_FORMS: readonly (readonly [string, Action])[] = Object.entries(VERBS).flatMap(([a, forms]) =>
  forms.map((f) => [f, a as Action] as const),
);

const LEVEL_STEMS: readonly (readonly [string, CapabilityLevel])[] = [
  ['lock', 'locked'],
  ['заблок', 'locked'],
  ['закры', 'locked'],
  ['experiment', 'experimental'],
  ['эксперимент', 'experimental'],
  ['stable', 'stable'],
  ['стабильн', 'stable'],
];

/** A verb form, exactly or (for forms of 4+ letters) within edit distance 1. */
function verbOf(word: string): { action: Action; typo: boolean } | null {
  for (const [f, a] of VERB_FORMS) if (f === word) return { action: a, typo: false };
  if (word.length < 3) return null;
  for (const [f, a] of VERB_FORMS)
    if (f.length >= 4 && editDistance(word, f) <= 1) return { action: a, typo: true };
  return null;
}

const levelOf = (w: string): CapabilityLevel | null =>
  LEVEL_STEMS.find(([stem]) => w.startsWith(stem))?.[1] ?? null;

const VERSION =
  /(?<![\p{L}\p{N}_.:-])(?:v|в|version\s+|версии\s+|версия\s+|версию\s+)?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?![\p{L}\p{N}_:-])/u;

function readVersion(text: string): { version: VersionPhrase | null; rest: string } {
  // Only a number marked as a version (`v2`, `version 2`) or written dotted (`1.2.0`) is a version.
  const re = new RegExp(VERSION.source, 'gu');
  for (const m of text.matchAll(re)) {
    const marked = /^(?:v|в|vers|верс)/.test(m[0]);
    if (!marked && m[2] === undefined) continue;
    return {
      version: {
        major: Number(m[1]),
        minor: m[2] === undefined ? null : Number(m[2]),
        patch: m[3] === undefined ? null : Number(m[3]),
      },
      rest: text.slice(0, m.index) + ' ' + text.slice(m.index + m[0].length),
    };
  }
  return { version: null, rest: text };
}

function readSettings(text: string): { settings: Record<string, string | boolean>; rest: string } {
  const settings: Record<string, string | boolean> = {};
  const rest = text.replace(/\(([^()]*)\)/g, (_, inner: string) => {
    for (const item of inner.split(/[,;]/)) {
      const m = /^\s*([\p{L}\p{N}_.-]+)\s*(?:[=:]\s*(.+?))?\s*$/u.exec(item);
      if (m === null) continue;
      settings[m[1]!] = m[2] === undefined ? true : m[2];
    }
    return ' ';
  });
  return { settings, rest };
}

const isMarker = (w: string, stems: readonly string[]) => stems.some((s) => w.startsWith(s));

/** Reads a command in Russian or English; pure and deterministic. */
export function parseCommand(raw: string, langHint?: Lang): ParsedCommand {
  const text = normalizeText(raw);
  const { settings, rest: noSettings } = readSettings(text);
  const { version, rest } = readVersion(noSettings);
  const lang = langHint ?? (hasCyrillic(raw) ? 'ru' : 'en');

  let action: Action | null = null;
  let verbTypo = false;
  let kind: 'organ' | 'cell' | null = null;
  let safe = false;
  let on: boolean | null = null;
  let capability: CapabilityName | null = null;
  let level: CapabilityLevel | null = null;
  const words: string[] = [];

  /** Classifies one word; returns true when it belongs to the name. */
  const classify = (w: string): boolean => {
    if (STOP_WORDS.has(w)) return false;
    const cap = CAPABILITY_NAMES.find((c) => c === w || c.replace('_', '-') === w);
    if (cap !== undefined) return (void (capability = cap), false);
    if (ON_WORDS.has(w) && (w === 'on' || w.startsWith('вкл'))) on = true;
    if (OFF_WORDS.has(w) && (w === 'off' || w.startsWith('выкл'))) on = false;
    if (w === 'on' || w === 'off' || w === 'вкл' || w === 'выкл') return false;
    const exactVerb = VERB_FORMS.find(([f]) => f === w);
    // "show status of …": a second form of the same verb is not part of the name
    if (action !== null && exactVerb !== undefined && exactVerb[1] === action) return false;
    if (action === null) {
      const v = verbOf(w);
      if (v !== null) {
        action = v.action;
        verbTypo = v.typo;
        return false;
      }
    }
    if (isMarker(w, SAFE_WORDS)) return (void (safe = true), false);
    if (isMarker(w, ORGAN_STEMS) && !w.includes('-') && !w.includes('.')) {
      kind ??= 'organ';
      return false;
    }
    if (isMarker(w, CELL_STEMS)) {
      kind ??= 'cell';
      return false;
    }
    const lv = levelOf(w);
    if (lv !== null) return (void (level = lv), false);
    if (FROM_WORDS.has(w)) return false;
    words.push(w);
    return true;
  };

  const parts = rest
    .split(STEP_SPLIT)
    .map((p) => tokens(p))
    .filter((ts) => ts.some((w) => !STOP_WORDS.has(w)));
  let name: string[];
  let steps: string[][] | null = null;
  if (parts.length >= 2) {
    const first = parts[0]!;
    const fromAt = first.findIndex((w) => FROM_WORDS.has(w));
    const head = fromAt >= 0 ? first.slice(0, fromAt) : first.slice(0, -1);
    const firstStep = fromAt >= 0 ? first.slice(fromAt + 1) : first.slice(-1);
    name = head.filter(classify);
    steps = [firstStep.filter(classify), ...parts.slice(1).map((p) => p.filter(classify))].filter(
      (s) => s.length > 0,
    );
    if (steps.length < 2) steps = null;
  } else {
    const all = parts[0] ?? [];
    const fromAt = all.findIndex((w) => FROM_WORDS.has(w));
    // Only an organ is built "from" steps; "create cell X from Y" names the template it starts from.
    const verb = all.map(verbOf).find((v) => v !== null)?.action;
    const organBuild = (verb === 'build' || verb === 'create') && !all.some((w) => isMarker(w, CELL_STEMS));
    if (organBuild && fromAt >= 0 && all.length - fromAt > 2) {
      // "build X from a b c": one word per step when no separators were written
      name = all.slice(0, fromAt).filter(classify);
      steps = all
        .slice(fromAt + 1)
        .filter(classify)
        .map((w) => [w]);
      if (steps.length < 2) steps = null;
    } else name = all.filter(classify);
  }
  return {
    lang,
    action,
    verbTypo,
    kind,
    name,
    steps,
    version,
    settings,
    safeMode: safe,
    on,
    capability,
    level,
    words,
  };
}

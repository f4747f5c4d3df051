import { GLOSSARY } from './lexicon.js';
import type { RegistryCell, RegistryOrgan } from './registry.js';
import { editDistance, idWords } from './text.js';

/** A word read as its concept (`голосовой` → `voice`, `speak` → `voice`), or itself. */
export const conceptOf = (w: string): string => GLOSSARY.find(([stem]) => w.startsWith(stem))?.[1] ?? w;

const conceptsOf = (words: readonly string[]): Set<string> => new Set(words.map(conceptOf));

export const cellConcepts = (c: RegistryCell): Set<string> =>
  conceptsOf([
    ...idWords(c.template.id),
    ...idWords(c.template.analysis_type ?? c.template.action_type ?? ''),
  ]);

/** An organ is named by its template id; its roles count too once the text said "organ". */
export const organConcepts = (o: RegistryOrgan, withRoles = true): Set<string> =>
  conceptsOf([...idWords(o.template.id), ...(withRoles ? o.template.roles.flatMap(idWords) : [])]);

/** How well a name matches a set of concepts: one point per word met exactly or within edit distance 1. */
function score(name: readonly string[], concepts: Set<string>): number {
  let s = 0;
  for (const w of name) {
    const c = conceptOf(w);
    if (concepts.has(c)) s += 1;
    else if (c.length >= 5 && [...concepts].some((x) => x.length >= 5 && editDistance(c, x) <= 1)) s += 0.8;
  }
  return s;
}

export type Resolution<T> =
  | { readonly kind: 'one'; readonly value: T; readonly exact: boolean }
  | { readonly kind: 'none' }
  | { readonly kind: 'many'; readonly candidates: readonly T[] };

/**
 * The entity a name means. A full id wins outright; otherwise the best concept score, ties broken by
 * `tieBreak` (a pathway's links, the other words of the command); a tie that remains is ambiguous.
 */
export function resolve<T>(
  name: readonly string[],
  items: readonly T[],
  idOf: (t: T) => readonly string[],
  concepts: (t: T) => Set<string>,
  tieBreak: (t: T) => number,
): Resolution<T> {
  if (name.length === 0 || items.length === 0) return { kind: 'none' };
  const joined = name.join(' ');
  const exact = items.filter((t) => idOf(t).includes(joined));
  if (exact.length === 1) return { kind: 'one', value: exact[0]!, exact: true };
  const scored = items.map((t) => ({ t, s: score(name, concepts(t)) })).filter((x) => x.s > 0);
  if (scored.length === 0) return { kind: 'none' };
  const best = Math.max(...scored.map((x) => x.s));
  let top = scored.filter((x) => x.s === best);
  if (top.length > 1) {
    const ranked = top.map((x) => ({ ...x, b: tieBreak(x.t) }));
    const b = Math.max(...ranked.map((x) => x.b));
    top = ranked.filter((x) => x.b === b);
  }
  if (top.length > 1) return { kind: 'many', candidates: top.map((x) => x.t) };
  return { kind: 'one', value: top[0]!.t, exact: best >= name.length };
}

export const resolveCell = (
  name: readonly string[],
  cells: readonly RegistryCell[],
  context: readonly string[],
  previous?: RegistryCell,
): Resolution<RegistryCell> =>
  resolve(
    name,
    cells,
    (c) => [c.id, c.template.id],
    cellConcepts,
    (c) =>
      (previous !== undefined && c.template.links.some((l) => l === previous.template.id || l === previous.id)
        ? 2
        : 0) +
      score(context, cellConcepts(c)) * 0.1,
  );

export const resolveOrgan = (
  name: readonly string[],
  organs: readonly RegistryOrgan[],
  context: readonly string[],
  withRoles = true,
): Resolution<RegistryOrgan> =>
  resolve(
    name,
    organs,
    (o) => [o.id, o.template.id],
    (o) => organConcepts(o, withRoles),
    (o) => score(context, organConcepts(o, withRoles)) * 0.1,
  );

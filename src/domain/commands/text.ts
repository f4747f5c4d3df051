/** Text helpers of the command grammar: normalisation, tokens, edit distance. */

/** Lower case, `ё` read as `е`, typographic dashes and quotes made plain. */
export const normalizeText = (s: string): string =>
  s
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/[«»“”"']/g, ' ')
    .replace(/[‐‑‒–—](?!>)/g, '-');

/** Words: letters and digits of any script, with the joiners ids use (`.`, `_`, `:`, `-`). */
export const tokens = (s: string): string[] =>
  (s.match(/[\p{L}\p{N}][\p{L}\p{N}_.:-]*/gu) ?? []).map((t) => t.replace(/[.:-]+$/, ''));

export const hasCyrillic = (s: string): boolean => /[\u0400-\u04ff]/.test(s);

/**
 * Edit distance with adjacent transpositions (optimal string alignment): "disabel" is one slip from
 * "disable", as people type it. Returns `max + 1` as soon as the answer must exceed `max`.
 */
export function editDistance(a: string, b: string, max = 1): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j += 1) {
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, before[j - 2]! + 1);
      cur.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > max) return max + 1;
    before = prev;
    prev = cur;
  }
  return prev[b.length]!;
}

/** The parts of an id or analysis type: `analysis.text_to_phonemes.v1` → text, to, phonemes. */
export const idWords = (id: string): string[] =>
  id
    .toLowerCase()
    .split(/[._:\-\s]+/)
    .filter((w) => w !== '' && !/^v\d+$/.test(w) && !['analysis', 'action', 'to', 'organ'].includes(w));

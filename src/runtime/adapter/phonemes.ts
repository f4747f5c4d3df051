import { defineOperation, NOT_A_STRING, succeed } from './operation.js';

/**
 * Cyrillic letters (lower case) and their phoneme symbols: the upper-case transliteration, one symbol
 * per letter. `ъ` and `ь` carry no sound of their own and are dropped. A few Ukrainian and Belarusian
 * letters are included so such text does not fall through as raw Cyrillic.
 */
// prettier-ignore
const LETTERS: Readonly<Record<string, string>> = {
  а: 'A', б: 'B', в: 'V', г: 'G', д: 'D', е: 'YE', ё: 'YO', ж: 'ZH', з: 'Z', и: 'I', й: 'I',
  к: 'K', л: 'L', м: 'M', н: 'N', о: 'O', п: 'P', р: 'R', с: 'S', т: 'T', у: 'U', ф: 'F',
  х: 'KH', ц: 'TS', ч: 'CH', ш: 'SH', щ: 'SHCH', ъ: '', ы: 'Y', ь: '', э: 'E', ю: 'YU', я: 'YA',
  і: 'I', ї: 'YI', є: 'YE', ґ: 'G', ў: 'U',
};
const CYRILLIC: ReadonlyMap<string, string> = new Map(Object.entries(LETTERS));

const LETTER = /^\p{L}$/u;
const DIGIT = /^\p{Nd}$/u;

/**
 * `Нейра говорит` → `N-YE-I-R-A G-O-V-O-R-I-T`. Words are split on whitespace; within a word each
 * Cyrillic letter becomes its symbol, any other letter (Latin included) passes through upper-cased as
 * one symbol, each digit is its own symbol, and everything else (punctuation, symbols, combining marks
 * left after NFC) is dropped. Symbols are joined by `-`, words by one space; a word left with no
 * symbols disappears. Case does not matter, and neither does NFC vs NFD input.
 */
export function toPhonemes(text: string): string {
  const words: string[] = [];
  for (const word of text.normalize('NFC').toLowerCase().split(/\s+/u)) {
    const symbols: string[] = [];
    for (const ch of word) {
      const cyrillic = CYRILLIC.get(ch);
      if (cyrillic !== undefined) {
        if (cyrillic !== '') symbols.push(cyrillic);
      } else if (LETTER.test(ch)) symbols.push(ch.toUpperCase());
      else if (DIGIT.test(ch)) symbols.push(ch);
    }
    if (symbols.length > 0) words.push(symbols.join('-'));
  }
  return words.join(' ');
}

export const textToPhonemes = defineOperation({
  name: 'text_to_phonemes',
  description:
    'Transliterates text letter by letter into phoneme symbols: `Нейра говорит` → `N-YE-I-R-A G-O-V-O-R-I-T`.',
  run: (input) => (typeof input === 'string' ? succeed(toPhonemes(input)) : NOT_A_STRING),
});

import { defineOperation, NOT_A_STRING, succeed } from './operation.js';
import { sentencesOf, wordsOf } from './text-units.js';

/**
 * `{words, characters, sentences}`. Words are runs of Unicode letters and digits (see `text-units.ts`);
 * characters are Unicode code points, not grapheme clusters: `Intl.Segmenter` is quadratic on long
 * strings in Node 20 (seconds for 100 kB), and a cell must answer a 1 MB input promptly.
 */
export const wordCount = defineOperation({
  name: 'word_count',
  description: 'Counts words, characters (code points) and sentences of a string.',
  run: (input) => {
    if (typeof input !== 'string') return NOT_A_STRING;
    let characters = 0;
    for (const _ of input) characters++;
    return succeed({ words: wordsOf(input).length, characters, sentences: sentencesOf(input).length });
  },
});

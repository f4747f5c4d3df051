import { defineOperation, NOT_A_STRING, problems, settings, succeed } from './operation.js';
import { sentencesOf, STOP_WORDS, wordsOf } from './text-units.js';

const MAX_SENTENCES = 50;

/**
 * Extractive summary. Each word that is not a stop word is counted over the whole text; a sentence
 * scores the sum of its words' counts (so sentences about the text's main topic win). The best
 * `metadata.sentences` sentences (default 2) are returned in their original order, joined by a space.
 * Ties go to the earlier sentence, so the result is deterministic. Empty text summarises to `""`.
 */
export const summary = defineOperation({
  name: 'summary',
  description: 'Extractive summary: the top `metadata.sentences` (default 2) sentences by word frequency.',
  settings: ({ metadata }) => {
    const n = metadata['sentences'] === undefined ? 2 : metadata['sentences'];
    if (typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= MAX_SENTENCES) return settings(n);
    return problems([`metadata.sentences must be a positive integer no greater than ${MAX_SENTENCES}`]);
  },
  run: (input, keep) => {
    if (typeof input !== 'string') return NOT_A_STRING;
    const sentences = sentencesOf(input).map((text, index) => ({
      text,
      index,
      words: wordsOf(text).filter((w) => !STOP_WORDS.has(w)),
      score: 0,
    }));
    const counts = new Map<string, number>();
    for (const s of sentences) for (const w of s.words) counts.set(w, (counts.get(w) ?? 0) + 1);
    for (const s of sentences) s.score = s.words.reduce((sum, w) => sum + (counts.get(w) ?? 0), 0);
    const chosen = [...sentences]
      .sort((a, b) => b.score - a.score || a.index - b.index)
      .slice(0, keep)
      .sort((a, b) => a.index - b.index);
    return succeed(chosen.map((s) => s.text).join(' '));
  },
});

import { defineOperation, NOT_A_STRING, succeed } from './operation.js';

/**
 * Trim, collapse every run of Unicode whitespace to one space, lower-case. The text is also put in
 * NFC, so a decomposed `й` (`и` + combining breve) becomes one letter for the phoneme step.
 */
export const normalizeText = (text: string): string =>
  text.normalize('NFC').trim().replace(/\s+/gu, ' ').toLowerCase();

export const textNormalize = defineOperation({
  name: 'text_normalize',
  description: 'Trims, collapses whitespace runs to one space and lower-cases (Unicode aware, NFC).',
  run: (input) => (typeof input === 'string' ? succeed(normalizeText(input)) : NOT_A_STRING),
});

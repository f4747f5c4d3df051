import type { OperationConfig, Settings } from './operation.js';
import { defineOperation, isRecord, NOT_A_STRING, problems, settings, succeed } from './operation.js';
import { wordsOf } from './text-units.js';

interface Label {
  readonly label: string;
  /** Each keyword as its words, so a keyword may be a phrase (`buy now`). */
  readonly phrases: readonly (readonly string[])[];
}

interface ClassifySettings {
  readonly labels: readonly Label[];
  readonly threshold: number;
}

const SHAPE = 'metadata.classes must be a non-empty object mapping each label to a list of keywords';

function readSettings({ metadata, confidenceThreshold }: OperationConfig): Settings<ClassifySettings> {
  const found: string[] = [];
  const threshold = confidenceThreshold ?? 0;
  if (!Number.isFinite(threshold) || threshold < 0 || threshold > 1) {
    found.push('confidence_threshold must be a number between 0 and 1');
  }
  const classes = metadata['classes'];
  if (!isRecord(classes) || Object.keys(classes).length === 0) return problems([...found, SHAPE]);
  const labels: Label[] = [];
  for (const [label, keywords] of Object.entries(classes)) {
    const at = `metadata.classes.${label}`;
    if (label === 'unknown') found.push(`${at}: the label "unknown" is reserved for an unsure answer`);
    if (!Array.isArray(keywords) || keywords.length === 0) {
      found.push(`${at} must be a non-empty array of keywords`);
      continue;
    }
    const phrases = keywords.map((k: unknown, i) => {
      const words = typeof k === 'string' ? wordsOf(k) : [];
      if (words.length === 0) found.push(`${at}[${i}] must be a string with at least one letter or digit`);
      return words;
    });
    labels.push({ label, phrases });
  }
  return found.length > 0 ? problems(found) : settings({ labels, threshold });
}

/** How many of the text's words fall inside an occurrence of one of the label's keywords. */
function covered(words: readonly string[], at: ReadonlyMap<string, number[]>, label: Label): number {
  const hit = new Uint8Array(words.length);
  for (const phrase of label.phrases) {
    for (const start of at.get(phrase[0]!) ?? []) {
      if (phrase.every((w, k) => words[start + k] === w)) hit.fill(1, start, start + phrase.length);
    }
  }
  return hit.reduce((n, h) => n + h, 0);
}

/**
 * Keyword classifier. A label's score is the share of the text's words covered by its keywords
 * (matched case-insensitively as whole words; a keyword may be a phrase), in [0, 1]. The confidence is
 * the best score's share of all scores — how clearly the text points to one label rather than another
 * — also in [0, 1]; a tie goes to the label listed first. With no keyword found, or a confidence below
 * the template's `confidence_threshold` (default 0), the label is `"unknown"`.
 * Output: `{label, confidence, scores: {[label]: score}}`.
 */
export const classify = defineOperation({
  name: 'classify',
  description:
    'Labels a text by keyword matches per class in `metadata.classes`; `{label, confidence, scores}`.',
  settings: readSettings,
  run: (input, { labels, threshold }) => {
    if (typeof input !== 'string') return NOT_A_STRING;
    const words = wordsOf(input);
    const at = new Map<string, number[]>();
    words.forEach((w, i) => {
      const list = at.get(w);
      if (list) list.push(i);
      else at.set(w, [i]);
    });
    const scores = labels.map((l) => (words.length === 0 ? 0 : covered(words, at, l) / words.length));
    let best = 0;
    scores.forEach((s, i) => {
      if (s > scores[best]!) best = i;
    });
    const total = scores.reduce((a, b) => a + b, 0);
    const confidence = total === 0 ? 0 : scores[best]! / total;
    const sure = confidence > 0 && confidence >= threshold;
    return succeed({
      label: sure ? labels[best]!.label : 'unknown',
      confidence,
      scores: Object.fromEntries(labels.map((l, i) => [l.label, scores[i]])),
    });
  },
});

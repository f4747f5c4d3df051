import { classify } from './classify.js';
import { jsonPick } from './json-pick.js';
import type { Operation } from './operation.js';
import { textToPhonemes } from './phonemes.js';
import { route } from './route.js';
import { speak } from './speak.js';
import { summary } from './summary.js';
import { template } from './template.js';
import { echo, lowercase, reverse, uppercase } from './text-case.js';
import { textNormalize } from './text-normalize.js';
import { wordCount } from './word-count.js';

const ALL: readonly Operation[] = [
  echo,
  reverse,
  uppercase,
  lowercase,
  textNormalize,
  textToPhonemes,
  speak,
  summary,
  wordCount,
  classify,
  jsonPick,
  template,
  route,
];

/**
 * Other names templates use for an operation. The sample cells are named after them
 * (`analysis.speak_adapter.v1`, `analysis.echo_adapter.v1`, `analysis.reverse_adapter.v1`).
 */
const ALIASES: readonly (readonly [alias: string, operation: Operation])[] = [
  ['speak_adapter', speak],
  ['echo_adapter', echo],
  ['reverse_adapter', reverse],
];

/** Every adapter operation, keyed by the `analysis_type` / `action_type` that names it. */
export const OPERATIONS: ReadonlyMap<string, Operation> = new Map([
  ...ALL.map((op) => [op.name, op] as const),
  ...ALIASES,
]);

export const operationFor = (type: string): Operation | undefined => OPERATIONS.get(type);

/** The names templates may use, sorted (for "unknown analysis_type" errors and docs). */
export const operationNames = (): string[] => [...OPERATIONS.keys()].sort();

import { createHash } from 'node:crypto';
import { canonicalJson } from '../cells/cell-template.js';
import { seededRandom } from './search.js';

/** One labelled example: what the cell is given, what it should answer, optional tags. */
export interface Example {
  readonly input: unknown;
  readonly expected: unknown;
  readonly tags?: readonly string[];
}

export const MAX_EXAMPLES = 20_000;

/** A problem with one example: its 1-based line (JSONL) or position (JSON), and why. */
export interface LineProblem {
  readonly line: number;
  readonly problem: string;
}

const KEYS = new Set(['input', 'expected', 'tags']);

/** Why a value is not an example, or null. */
export function exampleProblem(v: unknown): string | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    return 'must be an object {input, expected, tags?}';
  const o = v as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !KEYS.has(k));
  if (unknown.length > 0) return `unknown key ${unknown.map((k) => JSON.stringify(k)).join(', ')}`;
  if (!('input' in o) || o['input'] === null) return 'input is required';
  if (!('expected' in o) || o['expected'] === null) return 'expected is required';
  const tags = o['tags'];
  if (tags !== undefined && (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string' || t === '')))
    return 'tags must be a list of non-empty strings';
  return null;
}

/** The examples of a JSON list, or every problem with its position (1-based). */
export function checkExamples(list: readonly unknown[]): { examples: Example[]; problems: LineProblem[] } {
  const problems: LineProblem[] = [];
  list.forEach((v, i) => {
    const p = exampleProblem(v);
    if (p !== null) problems.push({ line: i + 1, problem: p });
  });
  return { examples: problems.length === 0 ? (list as Example[]) : [], problems };
}

/**
 * JSON Lines: one example per line; blank lines are skipped (but still counted, so line numbers are
 * those an editor shows). Every bad line is reported, not just the first.
 */
export function parseJsonl(text: string): { examples: Example[]; problems: LineProblem[] } {
  const values: unknown[] = [];
  const problems: LineProblem[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.trim() === '') return;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch {
      problems.push({ line: i + 1, problem: 'not valid JSON' });
      return;
    }
    const p = exampleProblem(v);
    if (p !== null) problems.push({ line: i + 1, problem: p });
    else values.push(v);
  });
  return { examples: problems.length === 0 ? (values as Example[]) : [], problems };
}

/** The dataset's content hash: SHA-256 of the canonical JSON of its examples, in order. */
export const datasetHash = (examples: readonly Example[]): string =>
  createHash('sha256').update(canonicalJson(examples)).digest('hex');

export interface Split {
  readonly seed: number;
  /** Indexes into the examples, in the seeded order the job reads them (halving's prefixes). */
  readonly train: readonly number[];
  readonly holdout: readonly number[];
}

/**
 * A seeded shuffle (Fisher–Yates) cut into `train` and `holdout`: `round(n × holdoutShare)` examples
 * held out, at least one when there are two or more, and at least one left to train on.
 */
export function splitExamples(n: number, seed: number, holdoutShare: number): Split {
  const order = Array.from({ length: n }, (_, i) => i);
  const random = seededRandom(`split:${seed}`);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const held = n < 2 ? 0 : Math.min(n - 1, Math.max(1, Math.round(n * holdoutShare)));
  return { seed, train: order.slice(held), holdout: order.slice(0, held) };
}

import { createHash } from 'node:crypto';
import { fail, ok, type Result } from '../../domain/errors.js';
import {
  checkExamples,
  datasetHash,
  MAX_EXAMPLES,
  parseJsonl,
  splitExamples,
  type Example,
  type LineProblem,
} from '../../domain/training/dataset.js';
import type { Clock, Store } from '../ports.js';
import type { DatasetWithExamples, StoredDataset } from './training-ports.js';

export interface DatasetUpload {
  readonly name: string;
  /** A JSON list of examples, or the text of a JSON Lines file (one of the two). */
  readonly examples?: readonly unknown[];
  readonly jsonl?: string;
  /** Share of the examples held out (default 0.25). */
  readonly holdout?: number;
  /** Seed of the split's shuffle (default 1). */
  readonly seed?: number;
}

export const DEFAULT_HOLDOUT = 0.25;
export const DEFAULT_SEED = 1;

const MAX_REPORTED = 50;

/**
 * Labelled datasets: checked line by line (every bad line reported, nothing stored), named by their
 * content hash and split, immutable once stored. Jobs read them often, so parsed ones are kept here.
 */
export class DatasetService {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #cache = new Map<string, DatasetWithExamples>();

  constructor(store: Store, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
  }

  async load(
    up: DatasetUpload,
    actor: string,
  ): Promise<Result<{ dataset: StoredDataset; created: boolean }>> {
    if (up.examples === undefined && up.jsonl === undefined)
      return fail('invalid_request', 'give examples (JSON) or a JSON Lines body', {
        details: { field: 'body.examples' },
      });
    const read = up.jsonl !== undefined ? parseJsonl(up.jsonl) : checkExamples(up.examples ?? []);
    if (read.problems.length > 0) return badLines(read.problems);
    if (read.examples.length === 0)
      return fail('invalid_dataset', 'the dataset has no examples', { details: { lines: [] } });
    if (read.examples.length > MAX_EXAMPLES)
      return fail('invalid_dataset', `a dataset holds at most ${MAX_EXAMPLES} examples`, {
        details: { lines: [] },
      });
    const holdoutShare = up.holdout ?? DEFAULT_HOLDOUT;
    const seed = up.seed ?? DEFAULT_SEED;
    const examples: Example[] = read.examples.map((e) => ({
      input: e.input,
      expected: e.expected,
      ...(e.tags === undefined ? {} : { tags: e.tags }),
    }));
    const sha256 = datasetHash(examples);
    const id = `ds_${createHash('sha256').update(`${up.name}\n${sha256}\n${seed}\n${holdoutShare}`).digest('hex').slice(0, 20)}`;
    const split = splitExamples(examples.length, seed, holdoutShare);
    const now = new Date(this.#clock.now()).toISOString();
    return ok(
      await this.#store.transaction(async (tx) => {
        const existing = await tx.training.dataset(id);
        if (existing !== null) return { dataset: summary(existing), created: false };
        const versions = await tx.training.datasetVersions(up.name);
        const same = versions.find((v) => v.sha256 === sha256);
        const version = same?.version ?? (versions[0]?.version ?? 0) + 1;
        const dataset: DatasetWithExamples = {
          id,
          name: up.name,
          version,
          sha256,
          size: examples.length,
          holdoutShare,
          split,
          createdBy: actor,
          createdAt: now,
          examples,
        };
        const created = await tx.training.insertDataset(dataset);
        if (created) {
          await tx.appendEvent({
            type: 'training.dataset_loaded',
            subjectKind: 'dataset',
            subjectId: id,
            actor,
            data: {
              name: up.name,
              version,
              sha256,
              size: examples.length,
              train: split.train.length,
              holdout: split.holdout.length,
            },
          });
        }
        return { dataset: summary(dataset), created };
      }),
    );
  }

  list(limit: number): Promise<StoredDataset[]> {
    return this.#store.training.datasets(limit);
  }

  /** A dataset with its examples (kept in memory: a stored dataset never changes). */
  async get(id: string): Promise<DatasetWithExamples | null> {
    const hit = this.#cache.get(id);
    if (hit !== undefined) return hit;
    const d = await this.#store.training.dataset(id);
    if (d !== null) this.#remember(d);
    return d;
  }

  /** The same through a transaction's reads (a job's step runs inside its timer's transaction). */
  async getIn(reads: { dataset(id: string): Promise<DatasetWithExamples | null> }, id: string) {
    const hit = this.#cache.get(id);
    if (hit !== undefined) return hit;
    const d = await reads.dataset(id);
    if (d !== null) this.#remember(d);
    return d;
  }

  #remember(d: DatasetWithExamples): void {
    if (this.#cache.size >= 32) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(d.id, d);
  }
}

const summary = (d: DatasetWithExamples): StoredDataset => {
  const { examples: _examples, ...rest } = d;
  return rest;
};

function badLines(problems: readonly LineProblem[]) {
  const shown = problems.slice(0, MAX_REPORTED);
  const lines = problems.map((p) => p.line);
  return fail(
    'invalid_dataset',
    `${problems.length} bad line(s): ${shown.map((p) => `line ${p.line}: ${p.problem}`).join('; ')}${problems.length > shown.length ? '; …' : ''}`,
    { details: { lines: lines.slice(0, 1000), problems: shown } },
  );
}

import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';

interface Queued {
  readonly work: (trx: Transaction<Database>) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface GroupCommitOptions {
  /** Most transactions one commit carries. */
  readonly maxBatch: number;
  /** A batch takes no new transaction once it has run this long, so the first one's answer is not held up. */
  readonly maxBatchMs: number;
}

/**
 * Group commit for SQLite, where one connection serializes every transaction anyway. Transactions that
 * queue while one runs are carried by the same database transaction, each inside its own savepoint, and
 * share one commit (one fsync). A transaction that throws is rolled back to its savepoint and rejected at
 * once, leaving the others untouched; the rest resolve only after the commit, so nobody is told that work
 * is done before it is durable, and a failed commit rejects every transaction of the batch.
 */
export class GroupCommit {
  readonly #db: Kysely<Database>;
  readonly #options: GroupCommitOptions;
  readonly #queue: Queued[] = [];
  #draining = false;

  constructor(db: Kysely<Database>, options: GroupCommitOptions) {
    this.#db = db;
    this.#options = options;
  }

  run<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#draining) {
        this.#draining = true;
        void this.#drain();
      }
    });
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) await this.#batch();
    } finally {
      this.#draining = false;
    }
  }

  async #batch(): Promise<void> {
    let trx;
    try {
      trx = await this.#db.startTransaction().execute();
    } catch (e) {
      for (const q of this.#queue.splice(0)) q.reject(e);
      return;
    }
    const done: { queued: Queued; value: unknown }[] = [];
    const started = performance.now();
    try {
      for (;;) {
        if (done.length >= this.#options.maxBatch || performance.now() - started >= this.#options.maxBatchMs)
          break;
        // SQLite calls are synchronous, so a batch would otherwise run to its commit before any other
        // request is even read: give pending I/O one turn of the event loop to join before committing.
        if (this.#queue.length === 0) await nextTurn();
        if (this.#queue.length === 0) break;
        const queued = this.#queue.shift()!;
        const inSavepoint = await trx.savepoint('tx').execute();
        try {
          const value = await queued.work(inSavepoint);
          await inSavepoint.releaseSavepoint('tx').execute();
          done.push({ queued, value });
        } catch (e) {
          queued.reject(e);
          await inSavepoint.rollbackToSavepoint('tx').execute();
          await inSavepoint.releaseSavepoint('tx').execute();
        }
      }
      await trx.commit().execute();
    } catch (e) {
      await trx
        .rollback()
        .execute()
        .catch(() => undefined);
      for (const d of done) d.queued.reject(e);
      return;
    }
    for (const d of done) d.queued.resolve(d.value);
  }
}

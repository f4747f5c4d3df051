import { open, type FileHandle } from 'node:fs/promises';

/**
 * Flushes a SQLite database's write-ahead log to disk from libuv's thread pool. With the connection's
 * `synchronous=NORMAL`, a commit writes the log without syncing it; calling this after the commit and
 * before answering anyone gives what `synchronous=FULL` gives (an answered write survives power loss),
 * without stopping the event loop for the length of an fsync.
 */
export class WalFlush {
  readonly #walFile: string;
  #handle: FileHandle | null = null;

  constructor(databaseFile: string) {
    this.#walFile = `${databaseFile}-wal`;
  }

  /** Syncs everything written to the log so far (the log exists once the first commit has run). */
  async flush(): Promise<void> {
    this.#handle ??= await open(this.#walFile, 'r');
    await this.#handle.datasync();
  }

  async close(): Promise<void> {
    await this.#handle?.close();
    this.#handle = null;
  }
}

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely } from 'kysely';
import { GroupCommit } from '../group-commit.js';
import { KyselyStore } from '../kysely-store.js';
import type { Database } from '../schema.js';
import { CachedSqliteDialect } from './sqlite-dialect.js';

export interface SqliteOptions {
  readonly file: string;
  /** `full` survives power loss; `normal` survives a process crash and is faster. */
  readonly synchronous: 'full' | 'normal';
  /**
   * Page cache per connection, KiB. better-sqlite3 builds SQLite with 16 MiB per connection, which a
   * growing database fills page by page (reads replaying the event log touch every page): the process
   * then grows by up to 32 MiB for a cache the OS page cache already provides. An explicit bound keeps
   * the footprint flat.
   */
  readonly cacheKib: number;
  readonly now: () => number;
}

/**
 * Concurrent transactions share a commit up to these bounds: a few milliseconds of work at most, so the
 * first transaction of a batch is not held up for long by the ones that joined it.
 */
const GROUP_COMMIT = { maxBatch: 256, maxBatchMs: 5 } as const;

/**
 * SQLite in WAL mode with two connections: a writer that carries every transaction (grouped, see
 * GroupCommit) and a read-only reader for reads outside transactions, which sees committed data only and
 * never waits for the writer. An in-memory database has one connection for both.
 */
export function openSqliteStore(opts: SqliteOptions): KyselyStore {
  const inMemory = opts.file === ':memory:';
  if (!inMemory) mkdirSync(dirname(opts.file), { recursive: true });
  const writer = new BetterSqlite3(opts.file);
  writer.pragma('journal_mode = WAL');
  writer.pragma(`synchronous = ${opts.synchronous.toUpperCase()}`);
  writer.pragma('busy_timeout = 5000');
  writer.pragma('foreign_keys = ON');
  writer.pragma(`cache_size = -${opts.cacheKib}`);
  const db = new Kysely<Database>({ dialect: new CachedSqliteDialect(writer) });
  let reader = db;
  if (!inMemory) {
    const readOnly = new BetterSqlite3(opts.file, { readonly: true });
    readOnly.pragma('busy_timeout = 5000');
    readOnly.pragma(`cache_size = -${opts.cacheKib}`);
    reader = new Kysely<Database>({ dialect: new CachedSqliteDialect(readOnly) });
  }
  return new KyselyStore(db, 'sqlite', null, opts.now, {
    reader,
    groupCommit: new GroupCommit(db, GROUP_COMMIT),
  });
}

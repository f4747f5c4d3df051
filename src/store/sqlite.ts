import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { KyselyStore } from './kysely-store.js';
import type { Database } from './schema.js';

export interface SqliteOptions {
  readonly file: string;
  /** `full` survives power loss; `normal` survives a process crash and is faster. */
  readonly synchronous: 'full' | 'normal';
  readonly now: () => number;
}

export function openSqliteStore(opts: SqliteOptions): KyselyStore {
  if (opts.file !== ':memory:') mkdirSync(dirname(opts.file), { recursive: true });
  const database = new BetterSqlite3(opts.file);
  database.pragma('journal_mode = WAL');
  database.pragma(`synchronous = ${opts.synchronous.toUpperCase()}`);
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  return new KyselyStore(db, 'sqlite', null, opts.now);
}

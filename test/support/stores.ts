import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** Where the PostgreSQL tests run; unset means they are skipped (and the runner says so). */
export const PG_URL = process.env.FABRICA_TEST_DATABASE_URL;

export const pgSkip = PG_URL === undefined ? 'FABRICA_TEST_DATABASE_URL is not set' : false;

export interface TestStoreTarget {
  readonly kind: 'sqlite' | 'postgres';
  /** Environment for a config or a server process: a fresh SQLite data dir or a fresh PostgreSQL schema. */
  readonly env: Record<string, string>;
  readonly dataDir: string;
  readonly databaseUrl: string | null;
  cleanup(): Promise<void>;
}

export async function freshTarget(kind: 'sqlite' | 'postgres'): Promise<TestStoreTarget> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fabrica-test-'));
  if (kind === 'sqlite') {
    return {
      kind,
      env: { FABRICA_DATA_DIR: dataDir },
      dataDir,
      databaseUrl: null,
      cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  if (PG_URL === undefined) throw new Error('FABRICA_TEST_DATABASE_URL is not set');
  const schema = `t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create schema "${schema}"`);
  await admin.end();
  // Spelled with %20: the pg driver does not decode `+` as a space in connection options.
  const databaseUrl = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=-c%20search_path%3D${schema}`;
  return {
    kind,
    env: { FABRICA_DATA_DIR: dataDir, DATABASE_URL: databaseUrl },
    dataDir,
    databaseUrl,
    cleanup: async () => {
      rmSync(dataDir, { recursive: true, force: true });
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`drop schema "${schema}" cascade`);
      await c.end();
    },
  };
}

/** The store kinds to run a suite on: SQLite always, PostgreSQL when configured. */
export const STORE_KINDS = [
  { kind: 'sqlite' as const, skip: false as const },
  { kind: 'postgres' as const, skip: pgSkip },
];

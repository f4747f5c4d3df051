/** Fresh PostgreSQL schemas and databases for the run-kernel benchmark, each dropped after the run. */
import pg from 'pg';

export interface Scratch {
  /** A URL that reaches the fresh schema (via `search_path`) or the fresh database. */
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

const suffix = () => `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

async function withClient<T>(url: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh schema in the database of `serverUrl`. */
export async function freshSchema(serverUrl: string, label: string): Promise<Scratch> {
  const name = `bench_kernel_${label}_${suffix()}`;
  await withClient(serverUrl, (c) => c.query(`create schema "${name}"`));
  const url = new URL(serverUrl);
  url.searchParams.set('options', `-c search_path=${name}`);
  let dropped = false;
  return {
    // Spelled with %20: the pg driver does not decode `+` as a space in connection options.
    url: url.toString().replace(/options=-c\+search_path/, 'options=-c%20search_path'),
    name,
    async drop() {
      if (dropped) return;
      dropped = true;
      await withClient(serverUrl, (c) => c.query(`drop schema if exists "${name}" cascade`));
    },
  };
}

/** A fresh database on the server of `serverUrl` (DBOS needs a system database of its own). */
export async function freshDatabase(serverUrl: string, label: string): Promise<Scratch> {
  const name = `fabrica_bench_${label}_${suffix()}`;
  await withClient(serverUrl, (c) => c.query(`create database "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  url.searchParams.delete('options');
  let dropped = false;
  return {
    url: url.toString(),
    name,
    async drop() {
      if (dropped) return;
      dropped = true;
      await withClient(serverUrl, (c) => c.query(`drop database if exists "${name}" with (force)`));
    },
  };
}

/** Server settings that decide what a commit costs, for the report. */
export async function commitSettings(serverUrl: string): Promise<Record<string, string>> {
  return withClient(serverUrl, async (c) => {
    const out: Record<string, string> = {};
    for (const s of ['server_version', 'fsync', 'synchronous_commit', 'wal_sync_method', 'commit_delay']) {
      const r = await c.query<Record<string, string>>(`show ${s}`);
      out[s] = Object.values(r.rows[0] ?? {})[0] ?? '';
    }
    return out;
  });
}

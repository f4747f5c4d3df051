import pg from 'pg';

export interface BenchSchema {
  /** The server URL with `search_path` pointing at the fresh schema. */
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

/** A fresh, empty schema on the PostgreSQL server at `serverUrl`, dropped (with its contents) by `drop`. */
export async function freshSchema(serverUrl: string, label: string): Promise<BenchSchema> {
  const name = `bench_${label}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await withClient(serverUrl, (c) => c.query(`create schema "${name}"`));
  const url = new URL(serverUrl);
  url.searchParams.set('options', `-c search_path=${name}`);
  let dropped = false;
  return {
    url: url.toString(),
    name,
    async drop() {
      if (dropped) return;
      dropped = true;
      await withClient(serverUrl, (c) => c.query(`drop schema if exists "${name}" cascade`));
    },
  };
}

async function withClient<T>(url: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

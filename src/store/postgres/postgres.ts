import { Kysely, PostgresDialect, sql, type RawBuilder, type Transaction } from 'kysely';
import { PreparedPgClient } from './prepared-pg-client.js';
import pg from 'pg';
import { KyselyStore, type Notifier } from '../kysely-store.js';
import type { Database } from '../schema.js';

export interface PostgresOptions {
  readonly url: string;
  readonly poolSize: number;
  /** Run parameterised statements as named prepared statements (default: yes). */
  readonly preparedStatements?: boolean;
  readonly now: () => number;
  readonly onListenerError?: (error: Error) => void;
  /** The sealer's settings (docs/event-log.md); defaults suit a server. */
  readonly sealPollMs?: number;
  readonly sealWaitMs?: number;
  readonly onSealError?: (error: unknown) => void;
}

// int8 (bigint) columns hold seq and due_at, which stay far below 2^53: read them as numbers.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown =>
    oid === 20
      ? (v: string) => Number(v)
      : (pg.types.getTypeParser(oid, format) as unknown)) as typeof pg.types.getTypeParser,
};

/** LISTEN on a dedicated connection; reconnects with backoff. The channel is per schema so tests can share a database. */
class PgNotifier implements Notifier {
  readonly #url: string;
  readonly #channel: string;
  readonly #onError: (e: Error) => void;
  #client: pg.Client | null = null;
  #closed = false;
  #retry: NodeJS.Timeout | null = null;

  constructor(url: string, channel: string, onError: (e: Error) => void) {
    this.#url = url;
    this.#channel = channel;
    this.#onError = onError;
  }

  async notifyInTx(trx: Transaction<Database>, what: { events: boolean; timers: boolean }): Promise<void> {
    await sql`select ${this.notifyExpression(what)}`.execute(trx);
  }

  notifyExpression(what: { events: boolean; timers: boolean }): RawBuilder<unknown> {
    const payload = `${what.events ? 'e' : ''}${what.timers ? 't' : ''}`;
    return sql`pg_notify(${this.#channel}, ${payload})`;
  }

  async listen(listener: (what: { events: boolean; timers: boolean }) => void): Promise<void> {
    const client = new pg.Client({ connectionString: this.#url });
    client.on('notification', (msg) => {
      if (msg.channel !== this.#channel) return;
      const p = msg.payload ?? 'et';
      listener({ events: p.includes('e'), timers: p.includes('t') });
    });
    client.on('error', (error) => {
      this.#onError(error);
      this.#reconnect(listener);
    });
    await client.connect();
    await client.query(`LISTEN "${this.#channel}"`);
    this.#client = client;
    // Anything committed while we were not listening is picked up by the wake that follows.
    listener({ events: true, timers: true });
  }

  #reconnect(listener: (what: { events: boolean; timers: boolean }) => void): void {
    if (this.#closed || this.#retry !== null) return;
    const old = this.#client;
    this.#client = null;
    old?.end().catch(() => undefined);
    this.#retry = setTimeout(() => {
      this.#retry = null;
      if (this.#closed) return;
      this.listen(listener).catch((e: unknown) => {
        this.#onError(e instanceof Error ? e : new Error(String(e)));
        this.#reconnect(listener);
      });
    }, 1000);
    this.#retry.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retry !== null) clearTimeout(this.#retry);
    await this.#client?.end().catch(() => undefined);
  }
}

export async function openPostgresStore(opts: PostgresOptions): Promise<KyselyStore> {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize,
    types,
    ...(opts.preparedStatements === false ? {} : { Client: PreparedPgClient }),
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema ?? 'public';
  const channel = schema === 'public' ? 'fabrica_events' : `fabrica_events_${schema}`.slice(0, 63);
  const notifier = new PgNotifier(opts.url, channel, opts.onListenerError ?? (() => undefined));
  return new KyselyStore(db, 'postgres', notifier, opts.now, {
    schema,
    sealing: {
      pollMs: opts.sealPollMs ?? 1000,
      waitMs: opts.sealWaitMs ?? 10_000,
      channel,
      onError: opts.onSealError ?? (() => undefined),
    },
  });
}

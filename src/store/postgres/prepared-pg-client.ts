import { createHash } from 'node:crypto';
import type { CompiledQuery, Kysely, QueryResult } from 'kysely';
import pg from 'pg';
import type { Database } from '../schema.js';

/** Runs a compiled statement with one of the markers below in front of its text (a comment elsewhere). */
export function executeMarked<R>(
  db: Kysely<Database>,
  marker: typeof COMMIT_FOLLOWS | typeof SENT_WITH_NEXT,
  query: CompiledQuery<R>,
): Promise<QueryResult<R>> {
  return db.executeQuery<R>({ ...query, sql: `${marker}${query.sql}` });
}

/** Statements one connection keeps prepared at most; past it, statements new to it run unprepared. */
const PREPARED_PER_CONNECTION = 200;
/** Longer texts (a many-row insert, say) are rarely run twice: not worth a prepared statement. */
const LONGEST_PREPARED_TEXT = 8_192;
/** PostgreSQL's answer when a prepared statement's result columns changed (a migration by another instance). */
const PLAN_CHANGED = '0A000';

/**
 * Marks a statement after which its transaction commits with nothing in between: the client sends the
 * COMMIT with it, in one round trip, and the transaction's own COMMIT then has nothing left to do.
 */
export const COMMIT_FOLLOWS = '/* commit follows */ ';

/**
 * Marks a write whose result nobody reads (it returns no rows; its row count is not looked at). Inside a
 * transaction the client holds it back and sends it with the transaction's next statement, or with its
 * COMMIT: one round trip fewer. Should it fail, that next statement fails with its error, and the
 * transaction rolls back as before; outside a transaction it is sent at once.
 */
export const SENT_WITH_NEXT = '/* sent with next */ ';

type Query = (...args: unknown[]) => unknown;
interface PgResult {
  command?: string;
}
type Connection = {
  parse(m: { text: string; name?: string }): void;
  bind(m: { statement?: string; values?: unknown[]; valueMapper?: (v: unknown) => unknown }): void;
  execute(m: Record<string, never>): void;
  parsedStatements: Record<string, string>;
  submittedNamedStatements: Record<string, string>;
};
/** A statement held back to go out with the next one (`SENT_WITH_NEXT`); `name` null: unprepared. */
interface Held {
  readonly text: string;
  readonly values: unknown[];
  readonly name: string | null;
}

/** Statement names by text, shared by every connection: hashing a text on every execution costs more. */
const names = new Map<string, string>();
const NAMES_KEPT = 2_000;

function nameOf(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `fabrica_${createHash('sha1').update(text).digest('base64url')}`;
    if (names.size >= NAMES_KEPT) names.clear();
    names.set(text, name);
  }
  return name;
}

const PgQuery = (pg as unknown as { Query: new (config: object) => object }).Query;
const pgUtils = (pg as unknown as { utils: { prepareValue(v: unknown): unknown } }).utils;
const prepareValue = (v: unknown) => pgUtils.prepareValue(v);
const isParsed = (connection: Connection, name: string) =>
  connection.parsedStatements[name] !== undefined || connection.submittedNamedStatements[name] !== undefined;

/**
 * A statement sent in one round trip, with the BEGIN before it, the statements held back for it and the
 * COMMIT after it when asked: the extended protocol runs the messages in order up to one Sync, stopping
 * at the first error (then the transaction is aborted and its ROLLBACK follows as usual).
 */
class FoldedQuery extends PgQuery {
  /**
   * The statement name of each Parse message sent, in order (null: unnamed): PostgreSQL answers each with
   * a ParseComplete, and the client marks that name as parsed on this connection (see the client's
   * `_handleParseComplete`). pg's own bookkeeping would credit every ParseComplete to this statement.
   */
  readonly parses: (string | null)[] = [];

  constructor(
    config: { text: string; name?: string },
    readonly begin: boolean,
    readonly held: readonly Held[],
    readonly commit: boolean,
  ) {
    super(config);
  }

  /** How many results come before this statement's own: BEGIN's and the held statements'. */
  get resultsBefore(): number {
    return (this.begin ? 1 : 0) + this.held.length;
  }

  prepare(connection: Connection): void {
    if (this.begin) this.#plain(connection, 'BEGIN');
    for (const h of this.held) {
      if (h.name === null || !isParsed(connection, h.name)) {
        connection.parse({ text: h.text, ...(h.name === null ? {} : { name: h.name }) });
        if (h.name !== null) connection.submittedNamedStatements[h.name] = h.text;
        this.parses.push(h.name);
      }
      connection.bind({ statement: h.name ?? '', values: h.values, valueMapper: prepareValue });
      connection.execute({});
    }
    const self = this as unknown as { name?: string; hasBeenParsed(c: Connection): boolean };
    if (!self.hasBeenParsed(connection)) this.parses.push(self.name ?? null);
    (PgQuery.prototype as unknown as { prepare(c: Connection): void }).prepare.call(this, connection);
  }

  _getRows(connection: Connection & { sync(): void }, rows: unknown): void {
    (connection as unknown as { execute(m: object): void }).execute({
      portal: (this as unknown as { portal: string }).portal,
      rows,
    });
    if (this.commit) this.#plain(connection, 'COMMIT');
    connection.sync();
  }

  /** A statement whose Parse was sent but never answered (an earlier one failed) is not on the server. */
  handleError(err: Error, connection: Connection): void {
    for (const name of this.parses) if (name !== null) delete connection.submittedNamedStatements[name];
    this.parses.length = 0;
    (PgQuery.prototype as unknown as { handleError(e: Error, c: Connection): void }).handleError.call(
      this,
      err,
      connection,
    );
  }

  /** One more unnamed statement (no parameters, no rows) in the same batch of protocol messages. */
  #plain(connection: Connection, text: string): void {
    connection.parse({ text });
    this.parses.push(null);
    connection.bind({});
    connection.execute({});
  }
}

/**
 * A pg client that runs each parameterised statement as a named prepared statement, named by its text:
 * PostgreSQL parses a statement once per connection and may keep its plan, instead of parsing and
 * planning it on every execution (Kysely sends the same text for the same query shape every time).
 *
 * It also saves round trips inside a transaction: BEGIN waits and goes out with the transaction's first
 * statement, a write marked `SENT_WITH_NEXT` goes out with the statement after it, and COMMIT goes out
 * with a statement marked `COMMIT_FOLLOWS`.
 *
 * A prepared statement whose table changed shape under it (another instance migrated the schema) fails
 * once with "cached plan must not change result type"; that text then runs unprepared on this connection.
 */
export class PreparedPgClient extends pg.Client {
  readonly #prepared = new Set<string>();
  readonly #unpreparable = new Set<string>();
  /** BEGIN asked for and not sent yet: it goes with the next statement. */
  #beginPending = false;
  /** Between BEGIN and COMMIT or ROLLBACK: only then may a statement be held back. */
  #inTransaction = false;
  /** Statements held back (`SENT_WITH_NEXT`): they go with the next statement, or with the COMMIT. */
  #held: Held[] = [];
  /** COMMIT already sent with the marked statement: the transaction's own COMMIT has nothing to do. */
  #committed = false;

  override query(...args: unknown[]): never {
    const [text, values, callback] = args;
    const run = super.query.bind(this) as Query;
    if (typeof text !== 'string' || !Array.isArray(values) || callback !== undefined) {
      if (this.#held.length > 0)
        return Promise.reject(new Error('a statement held back for the next one was never sent')) as never;
      return run(...args) as never;
    }
    if (values.length === 0) {
      const command = text.trim().toLowerCase();
      if (command === 'begin') {
        this.#beginPending = true;
        this.#inTransaction = true;
        this.#committed = false;
        this.#held = [];
        return done('BEGIN') as never;
      }
      if (command === 'commit' || command === 'rollback') return this.#end(command, run) as never;
    }
    if (this.#inTransaction && text.startsWith(SENT_WITH_NEXT)) {
      this.#held.push({ text, values, name: this.#nameFor(text) });
      return done('HELD') as never;
    }
    return this.#statement(text, values, run) as never;
  }

  /** COMMIT or ROLLBACK: sent only if there is something to end or to send. */
  #end(command: 'commit' | 'rollback', run: Query): Promise<unknown> {
    const held = command === 'commit' ? this.#held : [];
    const nothingSent = this.#beginPending;
    const committed = this.#committed;
    this.#inTransaction = false;
    this.#committed = false;
    this.#held = [];
    // What was held back goes out with the COMMIT (and the BEGIN, if that is still waiting too).
    if (held.length > 0) return this.#statement('COMMIT', [], run, held, null);
    // A ROLLBACK drops what was held back: it never ran.
    this.#beginPending = false;
    if (nothingSent || (command === 'commit' && committed)) return done(command.toUpperCase());
    return run(command.toUpperCase(), []) as Promise<unknown>;
  }

  /** One statement, with the BEGIN waiting to go out, the statements held back and, when marked so, the COMMIT. */
  async #statement(
    text: string,
    values: unknown[],
    run: Query,
    held = this.#held,
    name = this.#nameFor(text),
  ): Promise<unknown> {
    const begin = this.#beginPending;
    const commit = text.startsWith(COMMIT_FOLLOWS);
    this.#beginPending = false;
    this.#held = [];
    let query: FoldedQuery | null = null;
    let results: PgResult | PgResult[];
    try {
      results = await new Promise<PgResult | PgResult[]>((resolve, reject) => {
        const callback = (err: Error | null, res: PgResult | PgResult[]) =>
          err ? reject(err) : resolve(res);
        // Extended protocol even without parameters: the messages go out together up to one Sync.
        const config = { text, values, queryMode: 'extended', callback, ...(name === null ? {} : { name }) };
        query = new FoldedQuery(config, begin, held, commit);
        run(query);
      });
    } catch (e) {
      // Which statement of the batch failed is not known: none of them is prepared again here.
      if ((e as { code?: string }).code === PLAN_CHANGED)
        for (const n of [name, ...held.map((h) => h.name)]) if (n !== null) this.#unpreparable.add(n);
      throw e;
    }
    if (commit) this.#committed = true;
    const all = Array.isArray(results) ? results : [results];
    return all[query!.resultsBefore] ?? { rows: [] };
  }

  /** Each ParseComplete answers the next Parse of the batch: that name is now parsed on this connection. */
  _handleParseComplete(msg: unknown): void {
    const active = (this as unknown as { _getActiveQuery(): unknown })._getActiveQuery();
    if (!(active instanceof FoldedQuery)) {
      (
        pg.Client.prototype as unknown as { _handleParseComplete(m: unknown): void }
      )._handleParseComplete.call(this, msg);
      return;
    }
    const name = active.parses.shift();
    if (name === undefined || name === null) return;
    const connection = (this as unknown as { connection: Connection }).connection;
    connection.parsedStatements[name] = nameText(connection, name);
    delete connection.submittedNamedStatements[name];
  }

  #nameFor(text: string): string | null {
    if (text.length > LONGEST_PREPARED_TEXT) return null;
    const name = nameOf(text);
    if (this.#unpreparable.has(name)) return null;
    if (!this.#prepared.has(name) && this.#prepared.size >= PREPARED_PER_CONNECTION) return null;
    this.#prepared.add(name);
    return name;
  }
}

const done = (command: string) => Promise.resolve({ command, rows: [], rowCount: null });
const nameText = (connection: Connection, name: string) => connection.submittedNamedStatements[name] ?? '';

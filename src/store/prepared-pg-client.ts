import { createHash } from 'node:crypto';
import pg from 'pg';

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

type Query = (...args: unknown[]) => unknown;
interface PgResult {
  command?: string;
}
type Connection = {
  parse(m: { text: string }): void;
  bind(m: Record<string, never>): void;
  execute(m: Record<string, never>): void;
};

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

/** Sends one more unnamed statement (no parameters, no rows) in the same batch of protocol messages. */
function sendPlain(connection: Connection, text: string): void {
  connection.parse({ text });
  connection.bind({});
  connection.execute({});
}

/**
 * A statement sent in one round trip, with the BEGIN before it and the COMMIT after it when asked: the
 * extended protocol runs the messages in order up to one Sync, stopping at the first error (then the
 * transaction is aborted and its ROLLBACK follows as usual).
 */
class FoldedQuery extends PgQuery {
  constructor(
    config: object,
    readonly begin: boolean,
    readonly commit: boolean,
  ) {
    super(config);
  }

  prepare(connection: Connection): void {
    if (this.begin) sendPlain(connection, 'BEGIN');
    (PgQuery.prototype as unknown as { prepare(c: Connection): void }).prepare.call(this, connection);
  }

  _getRows(connection: Connection & { sync(): void }, rows: unknown): void {
    (connection as unknown as { execute(m: object): void }).execute({
      portal: (this as unknown as { portal: string }).portal,
      rows,
    });
    if (this.commit) sendPlain(connection, 'COMMIT');
    connection.sync();
  }
}

/**
 * A pg client that runs each parameterised statement as a named prepared statement, named by its text:
 * PostgreSQL parses a statement once per connection and may keep its plan, instead of parsing and
 * planning it on every execution (Kysely sends the same text for the same query shape every time).
 *
 * It also saves a transaction's two round trips of its own: BEGIN waits and goes out with the
 * transaction's first statement, and COMMIT goes out with a statement marked `COMMIT_FOLLOWS`.
 *
 * A prepared statement whose table changed shape under it (another instance migrated the schema) fails
 * once with "cached plan must not change result type"; that text then runs unprepared on this connection.
 */
export class PreparedPgClient extends pg.Client {
  readonly #prepared = new Set<string>();
  readonly #unpreparable = new Set<string>();
  /** BEGIN asked for and not sent yet: it goes with the next statement. */
  #beginPending = false;
  /** COMMIT already sent with the marked statement: the transaction's own COMMIT has nothing to do. */
  #committed = false;

  override query(...args: unknown[]): never {
    const [text, values, callback] = args;
    const run = super.query.bind(this) as Query;
    if (typeof text !== 'string' || !Array.isArray(values) || callback !== undefined) {
      return run(...args) as never;
    }
    if (values.length === 0) {
      const command = text.trim().toLowerCase();
      if (command === 'begin') {
        this.#beginPending = true;
        this.#committed = false;
        return Promise.resolve({ command: 'BEGIN', rows: [], rowCount: null }) as never;
      }
      if (command === 'commit' || command === 'rollback') {
        const nothingToDo = this.#beginPending || (command === 'commit' && this.#committed);
        this.#beginPending = false;
        this.#committed = false;
        if (nothingToDo)
          return Promise.resolve({ command: command.toUpperCase(), rows: [], rowCount: null }) as never;
        return run(text, values) as never;
      }
    }
    return this.#statement(text, values, run) as never;
  }

  /** One statement, with the BEGIN waiting to go out and, when it is marked so, the COMMIT. */
  async #statement(text: string, values: unknown[], run: Query): Promise<unknown> {
    const begin = this.#beginPending;
    const commit = text.startsWith(COMMIT_FOLLOWS);
    this.#beginPending = false;
    const name = this.#nameFor(text);
    let results: PgResult | PgResult[];
    try {
      results = await new Promise<PgResult | PgResult[]>((resolve, reject) => {
        const callback = (err: Error | null, res: PgResult | PgResult[]) =>
          err ? reject(err) : resolve(res);
        // Extended protocol even without parameters: the messages go out together up to one Sync.
        const config = { text, values, queryMode: 'extended', callback, ...(name === null ? {} : { name }) };
        run(new FoldedQuery(config, begin, commit));
      });
    } catch (e) {
      if (name !== null && (e as { code?: string }).code === PLAN_CHANGED) this.#unpreparable.add(name);
      throw e;
    }
    if (commit) this.#committed = true;
    const all = Array.isArray(results) ? results : [results];
    // The statement's own result comes after BEGIN's.
    return all[begin ? 1 : 0] ?? { rows: [] };
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

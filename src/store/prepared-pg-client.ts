import { createHash } from 'node:crypto';
import pg from 'pg';

/** Statements one connection keeps prepared at most; past it, statements new to it run unprepared. */
const PREPARED_PER_CONNECTION = 200;
/** Longer texts (a many-row insert, say) are rarely run twice: not worth a prepared statement. */
const LONGEST_PREPARED_TEXT = 8_192;
/** PostgreSQL's answer when a prepared statement's result columns changed (a migration by another instance). */
const PLAN_CHANGED = '0A000';

type Query = (...args: unknown[]) => unknown;

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

/**
 * A pg client that runs each parameterised statement as a named prepared statement, named by its text:
 * PostgreSQL parses a statement once per connection and may keep its plan, instead of parsing and
 * planning it on every execution (Kysely sends the same text for the same query shape every time).
 *
 * A prepared statement whose table changed shape under it (another instance migrated the schema) fails
 * once with "cached plan must not change result type"; that text then runs unprepared on this connection.
 */
export class PreparedPgClient extends pg.Client {
  readonly #prepared = new Set<string>();
  readonly #unpreparable = new Set<string>();

  override query(...args: unknown[]): never {
    const [text, values, callback] = args;
    const run = super.query.bind(this) as Query;
    if (
      typeof text !== 'string' ||
      !Array.isArray(values) ||
      callback !== undefined ||
      text.length > LONGEST_PREPARED_TEXT
    ) {
      return run(...args) as never;
    }
    const name = nameOf(text);
    if (
      this.#unpreparable.has(name) ||
      (!this.#prepared.has(name) && this.#prepared.size >= PREPARED_PER_CONNECTION)
    ) {
      return run(text, values) as never;
    }
    this.#prepared.add(name);
    return (run({ name, text, values }) as Promise<unknown>).catch((e: unknown) => {
      if ((e as { code?: string }).code === PLAN_CHANGED) this.#unpreparable.add(name);
      throw e;
    }) as never;
  }
}

import { CompiledQuery } from 'kysely';

/**
 * Multi-row statements are compiled once per row count up to this many rows (nearly every write's);
 * larger ones are built each time: they are rare, and the text of every count seen would be kept for good.
 */
const ROWS_KEPT = 8;

/**
 * Statements of fixed text on the hot path, built and compiled by Kysely the first time and afterwards
 * executed with fresh parameters, in the order the builder put them: building and compiling a statement
 * on every execution costs the process more than the rest of the statement's way through it.
 */
export class CompiledOnce {
  /** Each statement as its text only (the builder's tree would hold the first execution's values). */
  readonly #compiled = new Map<string, { readonly text: CompiledQuery; readonly parameters: number }>();

  /** The statement known as `key` (one text per key: name the dialect and any variant in it) with `parameters`. */
  bind<R>(key: string, compile: () => CompiledQuery<R>, parameters: readonly unknown[]): CompiledQuery<R> {
    let known = this.#compiled.get(key);
    if (known === undefined) {
      const compiled = compile();
      // The first compilation says in which order the statement takes its parameters: check the caller's.
      if (
        compiled.parameters.length !== parameters.length ||
        compiled.parameters.some((p, i) => p !== parameters[i])
      )
        throw new Error(`statement ${key}: parameters given otherwise than the statement takes them`);
      known = { text: CompiledQuery.raw(compiled.sql), parameters: parameters.length };
      this.#compiled.set(key, known);
    }
    if (known.parameters !== parameters.length)
      throw new Error(`statement ${key} takes ${known.parameters} parameters, not ${parameters.length}`);
    return { ...(known.text as CompiledQuery<R>), parameters };
  }

  /**
   * A statement that writes `rows`, its parameters their values in their keys' order (the order a Kysely
   * `values(rows)` takes them in when every row has the same keys): `bind` under `key` and the row count.
   */
  bindRows<R>(key: string, rows: readonly object[], compile: () => CompiledQuery<R>): CompiledQuery<R> {
    if (rows.length > ROWS_KEPT) return compile();
    return this.bind(
      `${key}/${rows.length}`,
      compile,
      rows.flatMap((r): unknown[] => Object.values(r)),
    );
  }
}

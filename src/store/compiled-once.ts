import { CompiledQuery } from 'kysely';

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
}

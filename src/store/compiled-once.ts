import type { CompiledQuery } from 'kysely';

/**
 * Statements of fixed text on the hot path, built and compiled by Kysely the first time and afterwards
 * executed with fresh parameters, in the order the builder put them: building and compiling a statement
 * on every execution costs the process more than the rest of the statement's way through it.
 */
export class CompiledOnce {
  readonly #compiled = new Map<string, CompiledQuery>();

  /** The statement known as `key` (one text per key: name the dialect and any variant in it) with `parameters`. */
  bind<R>(key: string, compile: () => CompiledQuery<R>, parameters: readonly unknown[]): CompiledQuery<R> {
    let compiled = this.#compiled.get(key) as CompiledQuery<R> | undefined;
    if (compiled === undefined) {
      compiled = compile();
      // The first compilation says in which order the statement takes its parameters: check the caller's.
      if (compiled.parameters.some((p, i) => p !== parameters[i]))
        throw new Error(`statement ${key}: parameters given in another order than the statement takes them`);
      this.#compiled.set(key, compiled);
    }
    if (compiled.parameters.length !== parameters.length)
      throw new Error(
        `statement ${key} takes ${compiled.parameters.length} parameters, not ${parameters.length}`,
      );
    return { ...compiled, parameters };
  }
}

/**
 * The adapter backend's operations: small pure functions that an adapter cell runs. A cell template's
 * `analysis_type` (or `action_type`) names the operation, its `metadata` configures it.
 * Operations never throw: bad input or a bad config is a value (`{ ok: false, reason }`), which callers
 * see as a `cell_error`.
 */
export interface OperationConfig {
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly confidenceThreshold?: number;
  readonly links: readonly string[];
}

/** A cell error, shown to callers as 502 `cell_error` with this reason. */
export type OperationResult = { ok: true; output: unknown } | { ok: false; reason: string };

export interface Operation {
  readonly name: string;
  readonly description: string;
  /** Checks the template's config once at fabrication: problems as strings (empty = fine). */
  validateConfig(config: OperationConfig): string[];
  run(input: unknown, config: OperationConfig): OperationResult;
}

/** Settings read from a config: the value, or every problem found (each naming its metadata path). */
export type Settings<S> = { ok: true; value: S } | { ok: false; problems: string[] };

export const succeed = (output: unknown): OperationResult => ({ ok: true, output });
export const reject = (reason: string): OperationResult => ({ ok: false, reason });
export const settings = <S>(value: S): Settings<S> => ({ ok: true, value });
export const problems = (list: string[]): Settings<never> => ({ ok: false, problems: list });

export const NOT_A_STRING = reject('input must be a string');

/** Marks a reason produced by the safety net below; tests assert no operation ever needs it. */
export const UNEXPECTED = 'failed unexpectedly';

interface OperationSpec<S> {
  readonly name: string;
  readonly description: string;
  /** Reads and checks the config; omitted for operations without settings. */
  readonly settings?: (config: OperationConfig) => Settings<S>;
  readonly run: (input: unknown, settings: S, config: OperationConfig) => OperationResult;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Builds an operation whose config check and run share one settings reader, so a config that passed
 * `validateConfig` is read the same way at run time, and a config that did not fails the run with the
 * same problems. A throw is a bug, but it still becomes a cell error rather than escaping.
 */
export function defineOperation<S = undefined>(spec: OperationSpec<S>): Operation {
  const read = (config: OperationConfig): Settings<S> =>
    spec.settings ? spec.settings(config) : settings(undefined as S);
  return {
    name: spec.name,
    description: spec.description,
    validateConfig(config) {
      try {
        const s = read(config);
        return s.ok ? [] : s.problems;
      } catch (e) {
        return [`${spec.name}: config check ${UNEXPECTED}: ${message(e)}`];
      }
    },
    run(input, config) {
      try {
        const s = read(config);
        if (!s.ok) return reject(`invalid config: ${s.problems.join('; ')}`);
        return spec.run(input, s.value, config);
      } catch (e) {
        return reject(`${spec.name} ${UNEXPECTED}: ${message(e)}`);
      }
    },
  };
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

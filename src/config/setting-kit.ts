import type { SettingSpec } from './settings.js';

/** A parser turns the raw text (env, flag or file value) into a value, or says what was expected. */
export type Parse<T> = (raw: unknown) => { value: T } | { expected: string };

/** A whole number within [min, max], from a number or its digits. */
export const int =
  (min: number, max: number): Parse<number> =>
  (raw) => {
    const n =
      typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
    return Number.isInteger(n) && n >= min && n <= max
      ? { value: n }
      : { expected: `an integer from ${min} to ${max}` };
  };

/** A whole-number setting read from one environment variable (the per-area settings files use it). */
export const intSetting = (
  env: string,
  dflt: number,
  min: number,
  max: number,
  unit: string,
  doc: string,
): SettingSpec<number> => ({ env: [env], default: dflt, parse: int(min, max), unit, doc });

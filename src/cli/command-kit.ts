import { InvalidArgumentError, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { parseDuration } from '../domain/access.js';
import { CliError } from './http-client.js';

/** What every client command takes: where the server is, the token, and whether to print JSON. */
export type ClientOpts = { url?: string; token?: string; json?: boolean };
export type Row = Record<string, unknown>;

export const withClientOptions = (c: Command): Command =>
  c
    .option('--url <url>', 'server address (FABRICA_URL; default http://127.0.0.1:3000)')
    .option('--token <token>', 'bearer token (FABRICA_TOKEN)')
    .option('--json', 'print JSON for scripts');

/** A line for the reader on stdout. */
export const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** A side note on stderr, so that stdout stays what scripts read. */
export const note = (line: string): void => {
  process.stderr.write(`fabrica: ${line}\n`);
};

/** The answer as JSON for scripts (`--json`), or the human text. */
export const print = (o: ClientOpts, data: unknown, human: () => string): void =>
  out(o.json === true ? JSON.stringify(data) : human());

/** A field as text for people: strings as they are, absent as `-`, anything else as JSON. */
export const text = (v: unknown): string =>
  typeof v === 'string' ? v : v === null || v === undefined ? '-' : JSON.stringify(v);

/** A whole number ≥ 1 (counts, limits). */
export const intArg = (v: string): number => {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return Number(v);
};

/** A whole number ≥ 0 (event positions). */
export const seqArg = (v: string): number => {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('expected a whole number');
  return Number(v);
};

/** A lifetime such as `90s`, `15m`, `12h`, `30d` (or seconds), checked as the server checks it. */
export const durationArg =
  (flag: string) =>
  (v: string): string => {
    if (parseDuration(v) === null)
      throw new InvalidArgumentError(`${flag} must be a duration such as 30d (a number and s, m, h or d)`);
    return v;
  };

export const oneOf =
  <T extends string>(allowed: readonly T[]) =>
  (v: string): T => {
    if (!(allowed as readonly string[]).includes(v))
      throw new InvalidArgumentError(`expected one of ${allowed.join(', ')}`);
    return v as T;
  };

/** Reads a JSON file (`-` for stdin); a missing file or bad JSON is one line, not a stack trace. */
export function readJson(file: string): unknown {
  let raw: string;
  try {
    raw = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new CliError('invalid_request', `cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(raw) as unknown;
  } catch (e) {
    throw new CliError('invalid_json', `${file} is not valid JSON: ${(e as Error).message}`);
  }
}

import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, loadConfig, type Config } from '../config/config.js';
import { EXAMPLE_URL, serverUrl } from './server-url.js';

/**
 * Reads the optional JSON config file: `FABRICA_CONFIG` names it, else `./fabrica.config.json` if present.
 */
function readConfigFile(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): Record<string, unknown> | undefined {
  const named = env.FABRICA_CONFIG;
  const path = resolve(cwd, named ?? 'fabrica.config.json');
  if (named === undefined && !existsSync(path)) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError(`invalid configuration: FABRICA_CONFIG names ${path}, which cannot be read`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`invalid configuration: ${path} is not valid JSON (${(e as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`invalid configuration: ${path} must hold a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/** The composition root's view of configuration: environment, config file and serve flags. */
export function configFromProcess(flags: Record<string, string | undefined> = {}): Config {
  const env = process.env;
  const cwd = process.cwd();
  const file = readConfigFile(env, cwd);
  return loadConfig({ env, flags, cwd, ...(file === undefined ? {} : { file }) });
}

/** Client commands: where the server is and which token to use. */
export function clientSettings(opts: { url?: string; token?: string }): {
  url: string;
  token: string | null;
} {
  const fromEnv = process.env.FABRICA_URL;
  const url =
    opts.url !== undefined
      ? serverUrl(opts.url, '--url')
      : fromEnv !== undefined
        ? serverUrl(fromEnv, 'FABRICA_URL')
        : EXAMPLE_URL;
  const token = opts.token ?? process.env.FABRICA_TOKEN ?? null;
  return { url, token };
}

import { isAbsolute, resolve } from 'node:path';
import type { CapabilityLevel, CapabilityName } from '../domain/capabilities.js';
import { SETTINGS, type SettingName, type SettingSpec, type SettingValues } from './settings.js';

export interface Config extends SettingValues {
  /** Capability levels requested by configuration (explicit settings and legacy switches merged). */
  readonly capabilityOverrides: Readonly<Partial<Record<CapabilityName, CapabilityLevel>>>;
  readonly warnings: readonly string[];
  /** What verification commands see of the host environment: PATH and HOME, nothing else. */
  readonly commandEnv: Readonly<Record<string, string>>;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface ConfigSources {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Values from `fabrica serve` flags, keyed by flag name (`port`, `data-dir`, …). */
  readonly flags?: Readonly<Record<string, string | undefined>>;
  /** Parsed `fabrica.config.json`, keyed by setting name. */
  readonly file?: Readonly<Record<string, unknown>>;
  readonly cwd: string;
}

/**
 * Builds the frozen configuration. Precedence: flag, then environment, then config file, then default.
 * Throws ConfigError naming the first invalid setting and what it expects.
 */
export function loadConfig(src: ConfigSources): Config {
  const warnings: string[] = [];
  const values: Record<string, unknown> = {};
  const known = new Set<string>(Object.keys(SETTINGS));
  for (const key of Object.keys(src.file ?? {})) {
    if (!known.has(key)) {
      throw new ConfigError(
        `invalid configuration: unknown key "${key}" in the config file (known: ${[...known].join(', ')})`,
      );
    }
  }
  for (const [name, s] of Object.entries(SETTINGS) as [SettingName, SettingSpec<unknown>][]) {
    const found = lookup(name, s, src, warnings);
    if (found === undefined) {
      values[name] =
        typeof s.default === 'function'
          ? (s.default as (p: Record<string, unknown>) => unknown)(values)
          : s.default;
      continue;
    }
    const parsed = s.parse(found.raw);
    if ('expected' in parsed) {
      throw new ConfigError(
        `invalid configuration: ${found.source} must be ${parsed.expected} (got ${JSON.stringify(found.raw)})`,
      );
    }
    values[name] = parsed.value;
  }
  for (const key of ['dataDir', 'templatesDir', 'workspaceRoot'] as const) {
    const p = values[key] as string;
    values[key] = isAbsolute(p) ? p : resolve(src.cwd, p);
  }
  if ((values.canaryPercent as number) + (values.experimentalPercent as number) > 100) {
    throw new ConfigError(
      'invalid configuration: FABRICA_CANARY_PERCENT + FABRICA_EXPERIMENTAL_PERCENT must be at most 100',
    );
  }
  if ((values.watchdogHardMs as number) < (values.watchdogSoftMs as number)) {
    throw new ConfigError(
      'invalid configuration: FABRICA_WATCHDOG_HARD_MS must be at least FABRICA_WATCHDOG_SOFT_MS',
    );
  }
  const overrides: Partial<Record<CapabilityName, CapabilityLevel>> = {};
  const legacy = (flag: unknown): CapabilityLevel | undefined =>
    flag === true ? 'experimental' : flag === false ? 'locked' : undefined;
  const adapter = legacy(values.factoryAdapterEnabled);
  const organs = legacy(values.organsBuilderEnabled);
  if (adapter) overrides.factory_adapter = adapter;
  if (organs) overrides.organs_builder = organs;
  Object.assign(overrides, values.capabilities);
  return Object.freeze({
    ...(values as unknown as SettingValues),
    capabilityOverrides: Object.freeze(overrides),
    warnings: Object.freeze(warnings),
    commandEnv: Object.freeze(
      Object.fromEntries(
        (['PATH', 'HOME'] as const).flatMap((k) => (src.env[k] === undefined ? [] : [[k, src.env[k]]])),
      ),
    ),
  });
}

function lookup(
  name: string,
  s: SettingSpec<unknown>,
  src: ConfigSources,
  warnings: string[],
): { raw: unknown; source: string } | undefined {
  const flagValue = s.flag === undefined ? undefined : src.flags?.[s.flag];
  if (flagValue !== undefined) return { raw: flagValue, source: `--${s.flag}` };
  for (const env of s.env) {
    const v = src.env[env];
    if (v !== undefined && v !== '') return { raw: v, source: env };
  }
  for (const env of s.deprecatedEnv ?? []) {
    const v = src.env[env];
    if (v !== undefined && v !== '') {
      warnings.push(`${env} is deprecated; use ${s.env[0]} instead`);
      return { raw: v, source: env };
    }
  }
  const fileValue = src.file?.[name];
  if (fileValue !== undefined) return { raw: fileValue, source: `"${name}" in the config file` };
  return undefined;
}

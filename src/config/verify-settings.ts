import {
  DEFAULT_LIMITS,
  DEFAULT_PROGRAMS,
  LIMITS_TEXT,
  SANDBOX_MODES,
  parseLimits,
  type SandboxLimits,
  type SandboxMode,
} from '../runtime/verify-sandbox.js';
import type { SettingSpec } from './settings.js';

/** `node,npm,git`: program names, no paths. */
const programNames = (raw: unknown): { value: readonly string[] } | { expected: string } => {
  const expected = 'program names separated by commas (names only, no paths), e.g. node,npm,git';
  const parts = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? raw.split(',') : null;
  const names = parts?.map((p) => p.trim()).filter((p) => p !== '');
  if (names === undefined || names.length === 0) return { expected };
  return names.every((n) => /^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(n)) ? { value: names } : { expected };
};

const sandboxMode = (raw: unknown): { value: SandboxMode } | { expected: string } =>
  typeof raw === 'string' && (SANDBOX_MODES as readonly string[]).includes(raw.trim().toLowerCase())
    ? { value: raw.trim().toLowerCase() as SandboxMode }
    : { expected: `one of ${SANDBOX_MODES.join(', ')}` };

const bool = (raw: unknown): { value: boolean } | { expected: string } => {
  if (typeof raw === 'boolean') return { value: raw };
  const t = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  if (['1', 'true', 'yes', 'on'].includes(t)) return { value: true };
  if (['0', 'false', 'no', 'off'].includes(t)) return { value: false };
  return { expected: 'true or false' };
};

/** The settings of host verification's confinement (docs/security.md). */
export const verifySettings = {
  verifySandbox: {
    env: ['FABRICA_VERIFY_SANDBOX'],
    default: 'bwrap',
    parse: sandboxMode,
    unit: 'mode',
    doc: '`bwrap`: verification commands run in the bubblewrap sandbox (refused with 503 when it is missing); `none`: unconfined, and every report says so.',
  } satisfies SettingSpec<SandboxMode> as SettingSpec<SandboxMode>,
  verifyPrograms: {
    env: ['FABRICA_VERIFY_PROGRAMS'],
    default: [...DEFAULT_PROGRAMS],
    parse: programNames,
    unit: 'name,…',
    doc: 'The only programs a verification command may name (by name, never a path); shells run only in the sandbox.',
  } satisfies SettingSpec<readonly string[]> as SettingSpec<readonly string[]>,
  verifyTenantRoot: {
    env: ['FABRICA_VERIFY_TENANT_ROOT'],
    default: false,
    parse: bool,
    unit: 'boolean',
    doc: 'Let tenant `root` tokens run verification; otherwise only the admin token may.',
  } satisfies SettingSpec<boolean> as SettingSpec<boolean>,
  verifyLimits: {
    env: ['FABRICA_VERIFY_LIMITS'],
    default: DEFAULT_LIMITS,
    parse: parseLimits,
    unit: 'name=n,…',
    doc: `Resource limits in the sandbox: CPU seconds, address space MiB, processes, file size MiB, open files (default ${LIMITS_TEXT}).`,
  } satisfies SettingSpec<SandboxLimits> as SettingSpec<SandboxLimits>,
};

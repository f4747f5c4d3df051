import {
  CAPABILITY_NAMES,
  isCapabilityLevel,
  type CapabilityLevel,
  type CapabilityName,
} from '../domain/capabilities.js';
import { int, type Parse } from './setting-kit.js';
import { verifySettings } from './verify-settings.js';
import { sandboxSettings } from './sandbox-settings.js';
import { rolloutSettings } from './rollout-settings.js';
import { webhookSettings } from './webhook-settings.js';

const text: Parse<string> = (raw) =>
  typeof raw === 'string' && raw.trim() !== '' ? { value: raw.trim() } : { expected: 'a non-empty string' };

const optionalText: Parse<string | null> = (raw) =>
  raw === null || raw === ''
    ? { value: null }
    : typeof raw === 'string'
      ? { value: raw }
      : { expected: 'a string' };

const oneOf =
  <T extends string>(...values: T[]): Parse<T> =>
  (raw) =>
    typeof raw === 'string' && (values as string[]).includes(raw.trim().toLowerCase())
      ? { value: raw.trim().toLowerCase() as T }
      : { expected: `one of ${values.join(', ')}` };

const httpUrl: Parse<string | null> = (raw) => {
  if (raw === null || raw === '') return { value: null };
  if (typeof raw === 'string' && /^https?:\/\/[^\s]+$/.test(raw.trim())) return { value: raw.trim() };
  return { expected: 'an http:// or https:// URL' };
};

const postgresUrl: Parse<string | null> = (raw) => {
  if (raw === null || raw === '') return { value: null };
  if (typeof raw === 'string' && /^postgres(ql)?:\/\/.+/.test(raw)) return { value: raw };
  return { expected: 'a postgres:// or postgresql:// connection URL' };
};

/** `50,100,200`: three waits in ms before canary, experimental and stable. */
const stageDelays: Parse<readonly number[]> = (raw) => {
  const parts = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? raw.split(',') : null;
  const expected = 'three comma-separated whole numbers of milliseconds, e.g. 50,100,200';
  if (parts?.length !== 3) return { expected };
  const values = parts.map((p) => (/^\s*\d+\s*$/.test(p) ? Number(p) : NaN));
  return values.every((v) => Number.isSafeInteger(v) && v <= 86_400_000) ? { value: values } : { expected };
};

const bool: Parse<boolean> = (raw) => {
  if (typeof raw === 'boolean') return { value: raw };
  const t = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  if (['1', 'true', 'yes', 'on'].includes(t)) return { value: true };
  if (['0', 'false', 'no', 'off'].includes(t)) return { value: false };
  return { expected: 'true or false' };
};

/** `https://panel.example.org,http://127.0.0.1:5173` or `*`: origins exactly as browsers send them. */
const origins: Parse<readonly string[]> = (raw) => {
  const expected =
    'comma-separated origins like https://panel.example.org or http://127.0.0.1:5173 (no path), or *';
  const parts = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? raw.split(',') : null;
  if (parts === null) return { expected };
  const list = parts.map((p) => p.trim()).filter((p) => p !== '');
  const isOrigin = (o: string) => {
    try {
      const u = new URL(o);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === o;
    } catch {
      return false;
    }
  };
  return list.every((o) => o === '*' || isOrigin(o)) ? { value: list } : { expected };
};

/** `factory_script=experimental,self_edit=locked` */
const capabilityLevels: Parse<Partial<Record<CapabilityName, CapabilityLevel>>> = (raw) => {
  const expected = `name=level pairs separated by commas, names from ${CAPABILITY_NAMES.join(', ')}, levels locked|experimental|stable`;
  const entries =
    typeof raw === 'string'
      ? raw
          .split(',')
          .filter((s) => s.trim() !== '')
          .map((s) => s.split('=').map((x) => x.trim()))
      : raw !== null && typeof raw === 'object'
        ? Object.entries(raw)
        : null;
  if (entries === null) return { expected };
  const out: Partial<Record<CapabilityName, CapabilityLevel>> = {};
  for (const [name, level] of entries) {
    if (!(CAPABILITY_NAMES as string[]).includes(String(name)) || !isCapabilityLevel(level))
      return { expected };
    out[name as CapabilityName] = level;
  }
  return { value: out };
};

export interface SettingSpec<T> {
  /** Environment variables, the first being the documented one; later ones are aliases. */
  readonly env: readonly string[];
  /** Aliases that still work but print a deprecation warning. */
  readonly deprecatedEnv?: readonly string[];
  readonly flag?: string;
  readonly default: T | ((partial: Record<string, unknown>) => T);
  readonly parse: Parse<T>;
  readonly unit: string;
  readonly doc: string;
}

const spec = <T>(s: SettingSpec<T>): SettingSpec<T> => s;

/** Every setting fabrica reads. README's configuration table lists each (a test keeps them in step). */
export const SETTINGS = {
  port: spec({
    env: ['FABRICA_PORT', 'PORT'],
    flag: 'port',
    default: 3000,
    parse: int(0, 65535),
    unit: 'TCP port',
    doc: 'Port the server listens on.',
  }),
  host: spec({
    env: ['FABRICA_HOST'],
    flag: 'host',
    default: '127.0.0.1',
    parse: text,
    unit: 'address',
    doc: 'Address the server listens on.',
  }),
  dataDir: spec({
    env: ['FABRICA_DATA_DIR'],
    flag: 'data-dir',
    default: './.fabrica',
    parse: text,
    unit: 'path',
    doc: 'Data directory: the SQLite file, the template catalog.',
  }),
  databaseUrl: spec({
    env: ['DATABASE_URL'],
    flag: 'database-url',
    default: null,
    parse: postgresUrl,
    unit: 'URL',
    doc: 'Use PostgreSQL at this URL instead of the embedded SQLite file.',
  }),
  adminToken: spec({
    env: ['FABRICA_ADMIN_TOKEN'],
    default: null,
    parse: optionalText,
    unit: 'secret',
    doc: 'The admin/root token. Unset: one is generated on first start, stored hashed and printed once.',
  }),
  metricsToken: spec({
    env: ['FABRICA_METRICS_TOKEN'],
    default: null,
    parse: optionalText,
    unit: 'secret',
    doc: 'When set, `GET /metrics` requires this token (or the admin token).',
  }),
  corsOrigins: spec({
    env: ['FABRICA_CORS_ORIGINS'],
    default: [] as readonly string[],
    parse: origins,
    unit: 'origins',
    doc: 'Browser origins that may call the API (`*`: any page, public routes only). Unset: none.',
  }),
  stageDelays: spec({
    env: ['ORGANS_BUILDER_STAGE_DELAYS'],
    deprecatedEnv: ['ORGANS_BUILDER_STAGE_DELAYS_MS'],
    default: [50, 50, 50],
    parse: stageDelays,
    unit: 'ms,ms,ms',
    doc: 'Waits before an organ build moves to canary, experimental and stable.',
  }),
  templatesDir: spec({
    env: ['CELL_TEMPLATES_DIR'],
    default: (p) => `${String(p.dataDir)}/templates`,
    parse: text,
    unit: 'path',
    doc: 'Cell template catalog directory (watched).',
  }),
  capabilities: spec({
    env: ['FABRICA_CAPABILITIES'],
    default: {},
    parse: capabilityLevels,
    unit: 'name=level,…',
    doc: 'Capability levels set at start, e.g. `factory_script=experimental`.',
  }),
  factoryAdapterEnabled: spec({
    env: ['FACTORY_ADAPTER_ENABLED'],
    default: null as boolean | null,
    parse: bool,
    unit: 'boolean',
    doc: 'Legacy switch: false locks `factory_adapter`, true sets it experimental.',
  }),
  organsBuilderEnabled: spec({
    env: ['ORGANS_BUILDER_ENABLED'],
    default: null as boolean | null,
    parse: bool,
    unit: 'boolean',
    doc: 'Legacy switch: false locks `organs_builder`, true sets it experimental.',
  }),
  logLevel: spec({
    env: ['FABRICA_LOG_LEVEL'],
    default: 'info',
    parse: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
    unit: 'level',
    doc: 'Log level (logs are JSON lines on stdout).',
  }),
  bodyLimit: spec({
    env: ['FABRICA_BODY_LIMIT'],
    default: 1_048_576,
    parse: int(1024, 1_073_741_824),
    unit: 'bytes',
    doc: 'Largest request body accepted; larger ones get 413.',
  }),
  sqliteSynchronous: spec<'full' | 'normal'>({
    env: ['FABRICA_SQLITE_SYNCHRONOUS'],
    default: 'full',
    parse: oneOf<'full' | 'normal'>('full', 'normal'),
    unit: 'mode',
    doc: '`full` survives power loss; `normal` survives a process crash and writes faster.',
  }),
  sqliteCacheKib: spec({
    env: ['FABRICA_SQLITE_CACHE_KIB'],
    default: 2048,
    parse: int(64, 1_048_576),
    unit: 'KiB',
    doc: 'SQLite page cache per connection (two connections); the OS file cache serves the rest.',
  }),
  pgPoolSize: spec({
    env: ['FABRICA_PG_POOL_SIZE'],
    default: 10,
    parse: int(1, 1000),
    unit: 'connections',
    doc: 'PostgreSQL connection pool size per instance.',
  }),
  pgPreparedStatements: spec({
    env: ['FABRICA_PG_PREPARED_STATEMENTS'],
    default: true,
    parse: bool,
    unit: 'boolean',
    doc: 'Run repeated PostgreSQL statements as prepared statements (off behind a pooler in transaction mode).',
  }),
  timerPollMs: spec({
    env: ['FABRICA_TIMER_POLL_MS'],
    default: 1000,
    parse: int(10, 3_600_000),
    unit: 'ms',
    doc: 'Longest wait between looks for due timers (timers scheduled here wake the scheduler at once).',
  }),
  heartbeatMs: spec({
    env: ['FABRICA_HEARTBEAT_MS'],
    default: 15_000,
    parse: int(100, 3_600_000),
    unit: 'ms',
    doc: 'Heartbeat interval on event streams.',
  }),
  streamBufferBytes: spec({
    env: ['FABRICA_STREAM_BUFFER_BYTES'],
    default: 1_048_576,
    parse: int(1024, 1_073_741_824),
    unit: 'bytes',
    doc: 'Unsent bytes a stream client may fall behind before it is closed (it can resume).',
  }),
  shutdownTimeoutMs: spec({
    env: ['FABRICA_SHUTDOWN_TIMEOUT_MS'],
    default: 10_000,
    parse: int(0, 600_000),
    unit: 'ms',
    doc: 'How long SIGTERM waits for in-flight requests before closing anyway.',
  }),
  workspaceRoot: spec({
    env: ['FABRICA_WORKSPACE_ROOT'],
    default: (p) => `${String(p.dataDir)}/workspace`,
    parse: text,
    unit: 'path',
    doc: 'Root directory verification commands run in; their `cwd` cannot leave it.',
  }),
  verifyTimeoutMs: spec({
    env: ['FABRICA_VERIFY_TIMEOUT_MS'],
    default: 120_000,
    parse: int(100, 86_400_000),
    unit: 'ms',
    doc: 'Timeout of a verification command that names none.',
  }),
  verifyMaxTimeoutMs: spec({
    env: ['FABRICA_VERIFY_MAX_TIMEOUT_MS'],
    default: 1_800_000,
    parse: int(100, 86_400_000),
    unit: 'ms',
    doc: 'Largest `timeout_ms` a verification command may ask for.',
  }),
  verifyOutputCapBytes: spec({
    env: ['FABRICA_VERIFY_OUTPUT_CAP_BYTES'],
    default: 65_536,
    parse: int(1024, 104_857_600),
    unit: 'bytes',
    doc: 'How much of the end of each command’s stdout and stderr the report keeps.',
  }),
  llmUrl: spec({
    env: ['FABRICA_LLM_URL'],
    default: null,
    parse: httpUrl,
    unit: 'URL',
    doc: 'An OpenAI-compatible chat-completions endpoint (e.g. Ollama’s `/v1/chat/completions`) asked for commands the grammar cannot read. Unset: no LLM.',
  }),
  llmModel: spec({
    env: ['FABRICA_LLM_MODEL'],
    default: 'llama3.2',
    parse: text,
    unit: 'name',
    doc: 'The model named in requests to `FABRICA_LLM_URL`.',
  }),
  commandTtlMs: spec({
    env: ['FABRICA_COMMAND_TTL_MS'],
    default: 600_000,
    parse: int(1, 86_400_000),
    unit: 'ms',
    doc: 'How long a planned natural-language command may be applied (then `command_expired`).',
  }),
  trainingStepMs: spec({
    env: ['FABRICA_TRAINING_STEP_MS'],
    default: 0,
    parse: int(0, 3_600_000),
    unit: 'ms',
    doc: 'Pause between two steps (a measurement, trials, a proposal) of a training job; 0 runs them back to back.',
  }),
  trainingStepBudgetMs: spec({
    env: ['FABRICA_TRAINING_STEP_BUDGET_MS'],
    default: 50,
    parse: int(0, 60_000),
    unit: 'ms',
    doc: 'How long one step of a training job runs trials before it commits (at least one trial); 0: one trial per step.',
  }),
  ...verifySettings,
  ...sandboxSettings,
  ...rolloutSettings,
  ...webhookSettings,
  canaryPercent: spec({
    env: ['FABRICA_CANARY_PERCENT'],
    default: 10,
    parse: int(0, 100),
    unit: '%',
    doc: 'Share of a cell’s traffic its canary revision takes.',
  }),
  experimentalPercent: spec({
    env: ['FABRICA_EXPERIMENTAL_PERCENT'],
    default: 50,
    parse: int(0, 100),
    unit: '%',
    doc: 'Share of a cell’s traffic its experimental revision takes.',
  }),
  checkResponses: spec({
    env: ['FABRICA_CHECK_RESPONSES'],
    default: false,
    parse: bool,
    unit: 'boolean',
    doc: 'Check every JSON answer against the schema its route documents; a mismatch answers 500 (for tests and development: it costs CPU).',
  }),
  watchdogSoftMs: spec({
    env: ['FABRICA_WATCHDOG_SOFT_MS'],
    default: 200,
    parse: int(1, 3_600_000),
    unit: 'ms',
    doc: 'Event-loop stall or overdue work beyond this raises a soft watchdog warning.',
  }),
  watchdogHardMs: spec({
    env: ['FABRICA_WATCHDOG_HARD_MS'],
    default: 2000,
    parse: int(1, 3_600_000),
    unit: 'ms',
    doc: 'Beyond this, a hard watchdog alarm (also logged).',
  }),
  watchdogGraceMs: spec({
    env: ['FABRICA_WATCHDOG_GRACE_MS'],
    default: 1000,
    parse: int(0, 3_600_000),
    unit: 'ms',
    doc: 'A single event-loop stall past the soft threshold but no longer than this is forgiven: the soft alarm needs a second one within a minute (0: none forgiven).',
  }),
} as const;

export type SettingName = keyof typeof SETTINGS;
type ValueOf<S> = S extends SettingSpec<infer T> ? T : never;
export type SettingValues = { readonly [K in SettingName]: ValueOf<(typeof SETTINGS)[K]> };

import { fail, ok, type Result } from '../errors.js';

/**
 * A cell's rollout policy (docs/rollouts.md): who promotes (`hitl`), how the judge looks at a revision
 * (`analysis`) and whether calls are mirrored to a shadow revision (`shadow`). Every field is optional
 * on the wire; what is absent takes the default below.
 */
export interface AnalysisPolicy {
  /** How often the judge evaluates a canary or experimental revision. */
  readonly interval_ms: number;
  /** Canary calls needed before any verdict but `inconclusive`. */
  readonly min_calls: number;
  /** Absolute ceiling on the revision's error rate (0…1). */
  readonly max_error_rate: number;
  /** Tolerated error-rate increase over the baseline (0…1): the equivalence margin of the sequential test. */
  readonly max_error_rate_increase: number;
  /** Absolute ceiling on the revision's p95 latency in ms; null: none. */
  readonly max_p95_ms: number | null;
  /** Tolerated ratio of the revision's p95 to the baseline's (≥ 1). */
  readonly max_p95_ratio: number;
  /** Share of shadow comparisons allowed to differ (0…1); null: not judged. */
  readonly max_shadow_diff_rate: number | null;
  /** Passing verdicts in a row before a promotion (or `awaiting_approval`). */
  readonly passes_to_promote: number;
  /** 1 − the judge's false-alarm rate over the whole analysis (0.5…0.9999). */
  readonly confidence: number;
  /** What a `fail` verdict does: roll back to the stable revision, or hold for a person. */
  readonly on_fail: 'rollback' | 'hold';
}

export interface ShadowPolicy {
  readonly enabled: boolean;
  readonly percent: number;
}

/** When the immune system quarantines a cell whose stable revision fails (docs/rollouts.md "Immune system"). */
export interface QuarantinePolicy {
  /** Cell errors in a row on the stable revision (0: never); null: the instance's FABRICA_QUARANTINE_AFTER_ERRORS. */
  readonly consecutive_errors: number | null;
  /** Errors within `burst_window_ms` that make a burst (0: no burst rule)… */
  readonly burst_errors: number;
  readonly burst_window_ms: number;
  /** …when they are also at least this share of the window's calls. */
  readonly burst_error_rate: number;
}

export interface RolloutPolicy {
  readonly hitl: boolean;
  readonly analysis: AnalysisPolicy;
  readonly shadow: ShadowPolicy;
  readonly quarantine: QuarantinePolicy;
}

export const DEFAULT_ANALYSIS: AnalysisPolicy = {
  interval_ms: 60_000,
  min_calls: 50,
  max_error_rate: 0.05,
  max_error_rate_increase: 0.02,
  max_p95_ms: null,
  max_p95_ratio: 1.2,
  max_shadow_diff_rate: null,
  passes_to_promote: 3,
  confidence: 0.99,
  on_fail: 'rollback',
};

export const DEFAULT_SHADOW: ShadowPolicy = { enabled: false, percent: 100 };

export const DEFAULT_QUARANTINE: QuarantinePolicy = {
  consecutive_errors: null,
  burst_errors: 20,
  burst_window_ms: 10_000,
  burst_error_rate: 0.5,
};

/** The default policy of a cell; `hitl` is what its creation said (true unless told otherwise). */
export const defaultPolicy = (hitl: boolean): RolloutPolicy => ({
  hitl,
  analysis: DEFAULT_ANALYSIS,
  shadow: DEFAULT_SHADOW,
  quarantine: DEFAULT_QUARANTINE,
});

type Check = (v: unknown) => string | null;

const number =
  (min: number, max: number, integer = false): Check =>
  (v) =>
    typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max && (!integer || Number.isInteger(v))
      ? null
      : `must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`;
const nullable =
  (c: Check): Check =>
  (v) =>
    v === null ? null : c(v);
const boolean: Check = (v) => (typeof v === 'boolean' ? null : 'must be a boolean');
const oneOf =
  (...values: string[]): Check =>
  (v) =>
    typeof v === 'string' && values.includes(v) ? null : `must be one of ${values.join(', ')}`;

const ANALYSIS_FIELDS: Record<keyof AnalysisPolicy, Check> = {
  interval_ms: number(10, 86_400_000, true),
  min_calls: number(1, 10_000_000, true),
  max_error_rate: number(0, 1),
  max_error_rate_increase: number(0, 1),
  max_p95_ms: nullable(number(0, 3_600_000)),
  max_p95_ratio: number(1, 1000),
  max_shadow_diff_rate: nullable(number(0, 1)),
  passes_to_promote: number(1, 1000, true),
  confidence: number(0.5, 0.9999),
  on_fail: oneOf('rollback', 'hold'),
};
const SHADOW_FIELDS: Record<keyof ShadowPolicy, Check> = {
  enabled: boolean,
  percent: number(0, 100),
};

const QUARANTINE_FIELDS: Record<keyof QuarantinePolicy, Check> = {
  consecutive_errors: nullable(number(0, 1_000_000, true)),
  burst_errors: number(0, 1_000_000, true),
  burst_window_ms: number(100, 3_600_000, true),
  burst_error_rate: number(0, 1),
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const invalid = (field: string, problem: string) =>
  fail('invalid_policy', `${field} ${problem}`, { details: { field } });

function section<T extends object>(
  raw: unknown,
  name: string,
  fields: Record<keyof T, Check>,
  defaults: T,
): Result<T> {
  if (raw === undefined) return ok(defaults);
  if (!isObject(raw)) return invalid(name, 'must be an object');
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [key, value] of Object.entries(raw)) {
    // Own fields only: `toString` or `__proto__` must read as unknown, not as a check from the prototype.
    const check = Object.hasOwn(fields, key) ? (fields as Record<string, Check>)[key] : undefined;
    if (check === undefined) return invalid(`${name}.${key}`, 'is not a policy field');
    if (value === undefined) continue;
    const problem = check(value);
    if (problem !== null) return invalid(`${name}.${key}`, problem);
    out[key] = value;
  }
  return ok(out as T);
}

/**
 * Reads a policy as a client sends it: every field optional (absent ones take the defaults, `hitl` the
 * cell's current value), unknown fields refused. The refusal names the first field at fault.
 */
export function readPolicy(raw: unknown, hitlDefault: boolean): Result<RolloutPolicy> {
  if (!isObject(raw)) return invalid('policy', 'must be an object');
  for (const key of Object.keys(raw)) {
    if (!['hitl', 'analysis', 'shadow', 'quarantine', 'if_version'].includes(key))
      return invalid(key, 'is not a policy field');
  }
  if (raw.hitl !== undefined && typeof raw.hitl !== 'boolean') return invalid('hitl', 'must be a boolean');
  const analysis = section<AnalysisPolicy>(raw.analysis, 'analysis', ANALYSIS_FIELDS, DEFAULT_ANALYSIS);
  if (!analysis.ok) return analysis;
  const shadow = section<ShadowPolicy>(raw.shadow, 'shadow', SHADOW_FIELDS, DEFAULT_SHADOW);
  if (!shadow.ok) return shadow;
  const quarantine = section<QuarantinePolicy>(
    raw.quarantine,
    'quarantine',
    QUARANTINE_FIELDS,
    DEFAULT_QUARANTINE,
  );
  if (!quarantine.ok) return quarantine;
  return ok({
    hitl: typeof raw.hitl === 'boolean' ? raw.hitl : hitlDefault,
    analysis: analysis.value,
    shadow: shadow.value,
    quarantine: quarantine.value,
  });
}

/** A stored policy read back: what later versions added takes its default. */
export const storedPolicy = (doc: unknown, hitlDefault: boolean): RolloutPolicy => {
  const r = readPolicy(doc, hitlDefault);
  return r.ok ? r.value : defaultPolicy(hitlDefault);
};

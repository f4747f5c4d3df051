import { Type, type Static } from 'typebox';
import { JsonObject, Nullable, StringEnum, Timestamp, View } from './common.js';

/**
 * Rollouts that decide (docs/rollouts.md): the policy, the durable statistics, the judge's verdicts and
 * quarantine. A policy body is read field by field by the domain (`invalid_policy` names the field), so
 * its schema here only says it is an object.
 */

export const AnalysisPolicy = View({
  interval_ms: Type.Integer(),
  min_calls: Type.Integer(),
  max_error_rate: Type.Number(),
  max_error_rate_increase: Type.Number(),
  max_p95_ms: Nullable(Type.Number()),
  max_p95_ratio: Type.Number(),
  max_shadow_diff_rate: Nullable(Type.Number()),
  passes_to_promote: Type.Integer(),
  confidence: Type.Number(),
  on_fail: StringEnum(['rollback', 'hold'] as const),
});

export const RolloutPolicy = View({
  hitl: Type.Boolean(),
  analysis: AnalysisPolicy,
  shadow: View({ enabled: Type.Boolean(), percent: Type.Number() }),
  quarantine: View({
    consecutive_errors: Nullable(Type.Integer({ description: 'null: FABRICA_QUARANTINE_AFTER_ERRORS' })),
    burst_errors: Type.Integer({ description: '0: no burst rule' }),
    burst_window_ms: Type.Integer(),
    burst_error_rate: Type.Number(),
  }),
});

export const PolicyAnswer = View({
  cell: Type.String(),
  policy: RolloutPolicy,
  version: Type.Integer({ description: '0 while the cell runs on the defaults.' }),
  updated_at: Nullable(Timestamp),
  updated_by: Nullable(Type.String()),
});

export const PolicyBody = Type.Object(
  {},
  {
    additionalProperties: true,
    description:
      '`{hitl?, analysis?: {…}, shadow?: {enabled?, percent?}, quarantine?: {consecutive_errors?, burst_errors?, burst_window_ms?, burst_error_rate?}, if_version?}`; absent fields take their defaults.',
  },
);

export const StatsQuery = Type.Object({
  version: Type.Optional(Type.String({ minLength: 1 })),
  from: Type.Optional(Timestamp),
  to: Type.Optional(Timestamp),
  step: Type.Optional(
    Type.Integer({ minimum: 60_000, maximum: 86_400_000, description: 'ms, whole minutes' }),
  ),
});

export const StatsFigures = View({
  calls: Type.Integer(),
  errors: Type.Integer(),
  error_rate: Nullable(Type.Number()),
  p50_ms: Nullable(Type.Number()),
  p95_ms: Nullable(Type.Number()),
});

export const StatsPoint = View({ at: Timestamp, ...StatsFigures.properties });

export const StatsAnswer = View({
  cell: Type.String(),
  from: Timestamp,
  to: Timestamp,
  step_ms: Type.Integer(),
  revisions: Type.Array(
    View({
      version: Type.String(),
      state: Type.String(),
      totals: StatsFigures,
      points: Type.Array(StatsPoint),
    }),
  ),
});

export const AnalysisQuery = Type.Object({
  version: Type.Optional(Type.String({ minLength: 1 })),
  before: Type.Optional(Type.Integer({ minimum: 1, description: 'a verdict seq: older verdicts only' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
});

export const Verdict = View({
  seq: Type.Integer(),
  window: Type.Integer({ description: 'the look of this analysis (1 for the first in this state)' }),
  state: Type.String(),
  verdict: StringEnum(['pass', 'inconclusive', 'fail'] as const),
  reasons: Type.Array(Type.String()),
  canary: StatsFigures,
  baseline: Nullable(StatsFigures),
  baseline_version: Nullable(Type.String()),
  tests: JsonObject,
  passes_in_a_row: Type.Integer(),
  step: Type.String(),
  at: Timestamp,
});

export const AnalysisAnswer = View({
  cell: Type.String(),
  version: Type.String(),
  state: Type.String(),
  awaiting_approval: Type.Boolean(),
  judge_failed: Type.Boolean({ description: 'the latest verdict is fail' }),
  next_evaluation_at: Nullable(Timestamp),
  verdicts: Type.Array(Verdict),
  next_cursor: Nullable(Type.Integer()),
});

export const ShadowQuery = Type.Object({
  version: Type.Optional(
    Type.String({
      minLength: 1,
      description: 'default: the revision the calls are mirrored to now, else the newest',
    }),
  ),
});

export const ShadowSample = View({
  at: Timestamp,
  input: Type.String({ description: 'the call’s input as JSON text (cut to 2000 characters)' }),
  stable_output: Type.String({ description: 'the stable revision’s answer as JSON text' }),
  shadow_output: Type.String({ description: 'the shadow’s answer as JSON text, or `error: <reason>`' }),
  diff: Type.String({ description: 'what differs: `@@ <offset> @@ …[-stable-]{+shadow+}…`' }),
});

export const ShadowAnswer = View({
  cell: Type.String(),
  version: Type.String(),
  state: Type.String(),
  enabled: Type.Boolean({ description: 'the policy’s shadow.enabled' }),
  percent: Type.Number({ description: 'the policy’s shadow.percent' }),
  current: Type.Boolean({ description: 'this revision receives the mirrored calls now' }),
  calls: Type.Integer({ description: 'mirrored calls that ran on this revision' }),
  equal: Type.Integer(),
  different: Type.Integer(),
  errors: Type.Integer(),
  dropped: Type.Integer({ description: 'calls not mirrored because the shadow queue was full' }),
  p95_ms: Nullable(Type.Number()),
  samples: Type.Array(ShadowSample, {
    description: 'the newest differences and errors, newest first (≤ 20)',
  }),
});

export const QuarantineBody = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 2000 }) });
export const ReleaseBody = Type.Optional(
  Type.Object({ reason: Type.Optional(Type.String({ maxLength: 2000 })) }),
);

export const QuarantineAnswer = View({
  id: Type.String(),
  quarantine: Nullable(View({ reason: Type.String(), at: Timestamp })),
});

export type PolicyAnswer = Static<typeof PolicyAnswer>;
export type AnalysisAnswer = Static<typeof AnalysisAnswer>;
export type StatsAnswer = Static<typeof StatsAnswer>;
export type ShadowAnswer = Static<typeof ShadowAnswer>;

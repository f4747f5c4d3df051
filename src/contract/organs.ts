import { Type, type Static } from 'typebox';
import { ORGAN_STATES, type OrganState } from '../domain/organs/organ-model.js';
import { ORGAN_RISK_CODES, RISK_SEVERITIES, type OrganRiskCode } from '../domain/risks.js';
import { Json, Nullable, StringEnum as Enum, Timestamp, View } from './common.js';
import { StatsFigures, StatsPoint } from './rollouts.js';

/**
 * The organ API on the wire: params, bodies and every answer of `/organs…` and `WS /organs/:id/stream`.
 * The routes declare these schemas (Fastify validates requests and serialises answers with them, and
 * `/openapi.json` shows them); the views are their `Static` types, so a field cannot drift from its
 * schema. docs/organs.md describes the fields.
 */

export const OrganStateSchema = Enum<OrganState>(ORGAN_STATES);

// ---- requests

export const OrganParams = Type.Object({ id: Type.String({ minLength: 1 }) });

export const OrganListQuery = Type.Object(
  {
    state: Type.Optional(OrganStateSchema),
    after: Type.Optional(
      Type.Integer({ minimum: 0, description: 'The `next_cursor` of the previous page.' }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);

export const BuildBody = Type.Object(
  {
    organ_template: Type.Unknown({ description: 'An organ template (docs/organs.md).' }),
    dryrun: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const SetStateBody = Type.Object({ state: OrganStateSchema }, { additionalProperties: false });

export const InvokeBody = Type.Object(
  { input: Type.Unknown(), pathway: Type.Optional(Type.String({ minLength: 1 })) },
  { additionalProperties: false },
);

export const OrganStreamQuery = Type.Object(
  {
    after: Type.Optional(
      Type.Integer({
        minimum: 0,
        description: 'Resume point: send the stage changes with seq greater than this.',
      }),
    ),
    token: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

// ---- answers

export const StageEntrySchema = View({
  state: OrganStateSchema,
  at: Timestamp,
  actor: Type.String(),
  reason: Type.Optional(Type.String()),
});

export const OrganCellView = View({
  id: Type.String(),
  state: Nullable(Type.String({ description: 'The best state among its revisions (stable first).' })),
  serving: Type.Boolean(),
});

export const OrganMetricsView = View({
  build_duration_ms: Nullable(Type.Number({ description: 'From the build start to stable.' })),
  invocations: Type.Integer({ description: 'Since this server process started.' }),
  errors: Type.Integer(),
  p50_ms: Nullable(Type.Number()),
  p95_ms: Nullable(Type.Number()),
});

/** `GET /organs/:id/status`, and each row of `GET /organs`. */
export const OrganViewSchema = View({
  id: Type.String(),
  state: OrganStateSchema,
  template: View({ id: Type.String(), version: Type.String() }),
  cells: Type.Array(OrganCellView),
  nodes: Type.Array(OrganCellView, { description: 'The same list under the seed’s name (Neira’s tools).' }),
  metrics: OrganMetricsView,
  building: Type.Boolean({
    description: 'The staged build runs by itself (timers pending or a HITL pause).',
  }),
  awaiting_approval: Type.Boolean(),
  stage_history: Type.Array(StageEntrySchema),
  reason: Type.Optional(Type.String({ description: 'Why it failed, or the last move’s reason.' })),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const OrganPageSchema = View({
  organs: Type.Array(OrganViewSchema),
  next_cursor: Nullable(Type.Integer({ description: 'Pass as `after` for the next page.' })),
});

/** `POST /organs/build` (201). */
export const BuiltSchema = View({ organ_id: Type.String(), state: OrganStateSchema });

export const DryRunCellSchema = View({
  ref: Type.String({ description: 'The cell as the template names it.' }),
  id: Type.String(),
  exists: Type.Boolean(),
  state: Nullable(Type.String()),
  serving: Type.Boolean(),
});

export const RISK_CODES = Object.keys(ORGAN_RISK_CODES) as OrganRiskCode[];

export const RiskSchema = View({
  code: Enum(RISK_CODES),
  severity: Enum(RISK_SEVERITIES, '`blocking`: the build would be refused.'),
  message: Type.String(),
});

export const PathwaySchema = View({
  name: Type.String(),
  cells: Type.Array(Type.String()),
  description: Type.Optional(Type.String()),
});

/** `POST /organs/build` with `dryrun: true` (200): nothing is stored. */
export const DryRunSchema = View({
  organ_id: Type.Null(),
  state: Type.Literal('dry_run'),
  report: View({
    cells: Type.Array(DryRunCellSchema),
    pathways: Type.Array(PathwaySchema),
    risks: Type.Array(RiskSchema),
    ok: Type.Boolean({ description: 'No blocking risk.' }),
  }),
});

/** `DELETE /organs/:id/build` (204, no body): the build stopped and the organ is failed. */
export const StoppedSchema = Type.Null({ description: 'No content: the build stopped.' });

/** `POST /organs/:id/status`, `/approve` and `/rebuild`: the state the organ moved to. */
export const OrganMovedSchema = View({ id: Type.String(), state: OrganStateSchema });

export const TraceStepSchema = View({
  cell: Type.String(),
  revision: Type.String(),
  duration_ms: Type.Number(),
});

/** `POST /organs/:id/invoke`. */
export const InvokedSchema = View({
  output: Json,
  pathway: Type.String(),
  trace: Type.Array(TraceStepSchema),
});

/** The first frame of `WS /organs/:id/stream`: the organ's state as of `seq`, null before it existed. */
export const OrganSnapshotFrameSchema = View({
  type: Type.Literal('snapshot'),
  id: Type.String(),
  state: Nullable(OrganStateSchema),
  seq: Type.Integer(),
});

/** One `organ.stage_changed` event of the organ: `state` is the state it moved to. */
export const StageChangedFrameSchema = View({
  type: Type.Literal('stage_changed'),
  id: Type.String(),
  state: Nullable(OrganStateSchema),
  seq: Type.Integer(),
  from: Nullable(OrganStateSchema),
  actor: Type.String(),
  ts: Timestamp,
  reason: Type.Optional(Type.String()),
});

export type OrganView = Static<typeof OrganViewSchema>;
export type OrganCell = Static<typeof OrganCellView>;
export type OrganMetrics = Static<typeof OrganMetricsView>;
export type StageEntryView = Static<typeof StageEntrySchema>;
export type OrganPage = Static<typeof OrganPageSchema>;
export type Built = Static<typeof BuiltSchema>;
export type DryRun = Static<typeof DryRunSchema>;
export type DryRunReport = DryRun['report'];
export type DryRunCell = Static<typeof DryRunCellSchema>;
export type Risk = Static<typeof RiskSchema>;
export type OrganMoved = Static<typeof OrganMovedSchema>;
export type Invoked = Static<typeof InvokedSchema>;
export type TraceStep = Static<typeof TraceStepSchema>;
export type OrganSnapshotFrame = Static<typeof OrganSnapshotFrameSchema>;
export type StageChangedFrame = Static<typeof StageChangedFrameSchema>;
export type OrganStreamFrame = OrganSnapshotFrame | StageChangedFrame;
export type BuildRequest = Static<typeof BuildBody>;
export type SetStateRequest = Static<typeof SetStateBody>;
export type InvokeRequest = Static<typeof InvokeBody>;
export type OrganListRequest = Static<typeof OrganListQuery>;

export const OrganStatsQuery = Type.Object({
  from: Type.Optional(Timestamp),
  to: Type.Optional(Timestamp),
  step: Type.Optional(
    Type.Integer({ minimum: 60_000, maximum: 86_400_000, description: 'ms, whole minutes' }),
  ),
});

export const OrganStatsAnswer = View({
  organ: Type.String(),
  from: Timestamp,
  to: Timestamp,
  step_ms: Type.Integer(),
  totals: StatsFigures,
  points: Type.Array(StatsPoint),
});

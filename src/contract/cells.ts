import { Type, type Static } from 'typebox';
import { LIFECYCLE_COMMANDS, REVISION_STATES } from '../domain/cells/cell-lifecycle.js';
import { BACKENDS } from '../domain/cells/backends.js';
import { RISK_SEVERITIES } from '../domain/risks.js';
import { Json, JsonObject, NextCursor, Nullable, StringEnum, Timestamp, View } from './common.js';

/** The cell factory (`/factory/cells…`, alias `/factory/nodes…`) and the template registry (`/cells…`). */

const State = StringEnum(REVISION_STATES);

export const CellParams = Type.Object({ id: Type.String({ minLength: 1 }) });
export const TemplateParams = Type.Object({ id: Type.String() });
export const TemplateVersionParams = Type.Object({ id: Type.String(), version: Type.String() });

export const TemplateListQuery = Type.Object(
  {
    analysis_type: Type.Optional(Type.String({ minLength: 1 })),
    after: Type.Optional(Type.String()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);

export const CellListQuery = Type.Object(
  {
    state: Type.Optional(State),
    after: Type.Optional(Type.String()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);

export const VersionQuery = Type.Object({
  version: Type.Optional(Type.String({ minLength: 1 })),
  token: Type.Optional(Type.String()),
});

export const CommandBody = Type.Optional(
  Type.Object({
    reason: Type.Optional(Type.String({ maxLength: 2000 })),
    force: Type.Optional(
      Type.Boolean({
        description: 'approve past a failing analysis verdict; needs a reason (docs/rollouts.md)',
      }),
    ),
  }),
);

export const InvokeBody = Type.Object({ input: Type.Unknown() });

export const SelectBody = Type.Object(
  {
    analysis_type: Type.String({ minLength: 1 }),
    prefer_id: Type.Optional(Type.String()),
    allowed_types: Type.Optional(Type.Array(Type.String())),
    blocked_types: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);

/** A registered template version. */
export const Template = View({
  id: Type.String(),
  version: Type.String(),
  type: Type.String({ description: 'The analysis or action type.' }),
  template: JsonObject,
  sha256: Type.String(),
  source: StringEnum(['api', 'catalog'] as const),
  source_path: Nullable(Type.String()),
  created_at: Timestamp,
  created_by: Type.String(),
});
export type Template = Static<typeof Template>;

export const TemplateRegistered = View({ ...Template.properties, created: Type.Boolean() });
export const TemplatePage = View({ templates: Type.Array(Template), next_cursor: NextCursor });
export const TemplateVersions = View({
  id: Type.String(),
  latest: Template,
  versions: Type.Array(Template),
});

export const Transition = View({
  from: Nullable(State),
  to: State,
  command: Type.String(),
  actor: Type.String(),
  at: Timestamp,
  reason: Type.Optional(Type.String()),
});

/** This instance's call statistics for a revision (since it started). */
export const RevisionStats = View({
  calls: Type.Integer(),
  errors: Type.Integer(),
  p50_ms: Nullable(Type.Number()),
  p95_ms: Nullable(Type.Number()),
});

export const Revision = View({
  id: Type.String(),
  version: Type.String(),
  state: State,
  allowed: Type.Array(StringEnum(LIFECYCLE_COMMANDS)),
  history: Type.Array(Transition),
  stats: RevisionStats,
  traffic_percent: Type.Number({
    description: 'the share of the calls the traffic split gives this revision now (0 while quarantined)',
  }),
  created_at: Timestamp,
  updated_at: Timestamp,
});

/** A cell as `GET /factory/cells/:id` answers it (and the cell stream's snapshots carry it). */
export const Cell = View({
  id: Type.String({ description: '`<backend>:<template id>`' }),
  backend: StringEnum(BACKENDS),
  template_id: Type.String(),
  hitl: Type.Boolean(),
  state: Nullable(State),
  version: Nullable(Type.String()),
  serving: Type.Boolean(),
  quarantine: Nullable(View({ reason: Type.String(), at: Timestamp })),
  revisions: Type.Array(Revision),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type Cell = Static<typeof Cell>;

export const CellPage = View({ cells: Type.Array(Cell), next_cursor: NextCursor });

/** The answer of fabrication and of every lifecycle command: the revision and the state it is now in. */
export const RevisionState = View({ id: Type.String(), state: State, version: Type.String() });
export type RevisionStateAnswer = Static<typeof RevisionState>;

export const InvokeAnswer = View({
  output: Json,
  revision: Type.String(),
  duration_ms: Type.Number(),
  log: Type.Optional(
    Type.Array(Type.String(), {
      description: 'Lines a script cell logged (`ctx.log`) or a WASM cell wrote to stderr.',
    }),
  ),
});

export const Risk = View({
  code: Type.String({ description: 'A risk code from docs/cells.md or docs/organs.md.' }),
  severity: StringEnum(RISK_SEVERITIES),
  message: Type.String(),
});
export type Risk = Static<typeof Risk>;

export const DryRun = View({
  ok: Type.Boolean({ description: 'False when a risk is blocking.' }),
  report: View({
    analysis_type: Type.String(),
    links: Type.Array(Type.String()),
    risks: Type.Array(Risk),
    deps: Type.Array(
      View({
        link: Type.String(),
        cell: Nullable(Type.String()),
        state: Nullable(Type.String()),
        missing: Type.Boolean(),
      }),
    ),
    compat: View({
      cell: Type.String(),
      current_stable: Nullable(Type.String()),
      changes: Type.Array(View({ field: Type.String(), from: Json, to: Json })),
    }),
  }),
});
export type DryRun = Static<typeof DryRun>;

export const SelectAnswer = Type.Union([
  View({
    decision: Type.Literal('reuse'),
    cell: View({
      id: Type.String(),
      state: StringEnum(['stable', 'experimental'] as const),
      version: Type.String(),
    }),
    reason: Type.String(),
  }),
  View({
    decision: Type.Literal('create'),
    reason: Type.String(),
    request: View({ backend: Type.String(), tpl: JsonObject }),
  }),
]);
export type SelectAnswer = Static<typeof SelectAnswer>;

export type TemplateRegistered = Static<typeof TemplateRegistered>;
export type TemplatePage = Static<typeof TemplatePage>;
export type TemplateVersions = Static<typeof TemplateVersions>;
export type Transition = Static<typeof Transition>;
export type RevisionStats = Static<typeof RevisionStats>;
export type Revision = Static<typeof Revision>;
export type CellPage = Static<typeof CellPage>;
export type InvokeAnswer = Static<typeof InvokeAnswer>;

/** The frames of `WS /factory/cells/:id/stream` besides the heartbeat and the close frame. */
export const CellSnapshotFrame = View({ type: Type.Literal('snapshot'), seq: Type.Integer(), cell: Cell });
export const CellEventFrame = View({
  type: Type.Literal('event'),
  seq: Type.Integer(),
  ts: Timestamp,
  event_type: Type.String(),
  actor: Type.String(),
  data: Json,
});
export type CellSnapshotFrame = Static<typeof CellSnapshotFrame>;
export type CellEventFrame = Static<typeof CellEventFrame>;

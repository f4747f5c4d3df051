import { Type, type Static } from 'typebox';
import { ACCESS_LEVELS, TOKEN_STATES } from '../domain/access.js';
import { CAPABILITY_LEVELS } from '../domain/capabilities.js';
import { EventStream, Json, NotJson, NextCursor, Nullable, StringEnum, Timestamp, View } from './common.js';

/** The operator surface: health, capabilities, safe mode, tokens, who am I, audit, introspection, events. */

const Access = StringEnum(ACCESS_LEVELS);
const Level = StringEnum(CAPABILITY_LEVELS);

export const Health = View({ status: Type.Literal('ok'), version: Type.String(), uptime_s: Type.Integer() });
export const Ready = View({
  status: Type.Literal('ready'),
  store: StringEnum(['sqlite', 'postgres'] as const),
  migrations: Type.Array(Type.String()),
  head_seq: Type.Integer({ minimum: 0 }),
});

export const Capability = View({
  name: Type.String(),
  level: Level,
  enabled: Type.Boolean(),
  gates: Type.String({ description: 'What the capability gates.' }),
  reason: Type.String(),
  updated_at: Nullable(Timestamp),
  updated_by: Type.String(),
  version: Type.Integer({ minimum: 0 }),
});
export type Capability = Static<typeof Capability>;

export const SafeMode = View({
  on: Type.Boolean(),
  reason: Type.String(),
  since: Nullable(Timestamp),
  by: Nullable(Type.String()),
});
export type SafeMode = Static<typeof SafeMode>;

export const Capabilities = View({
  capabilities: Type.Array(Capability),
  safe_mode: View({ on: Type.Boolean(), reason: Type.String(), since: Nullable(Timestamp) }),
});
export type Capabilities = Static<typeof Capabilities>;

export const CapabilityParams = Type.Object({ name: Type.String() });
export const CapabilityBody = Type.Object(
  {
    level: Level,
    reason: Type.String({ minLength: 1, maxLength: 2000 }),
    expected_version: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export const SafeModeBody = Type.Object(
  { on: Type.Boolean(), reason: Type.String({ minLength: 1, maxLength: 2000 }) },
  { additionalProperties: false },
);

export const TokenBody = Type.Object(
  {
    tenant: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }),
    access: Access,
    expires_in: Type.Optional(
      Type.Union([Type.String({ minLength: 1 }), Type.Integer({ minimum: 1 })], {
        description: 'Seconds, or a duration such as 90s, 15m, 12h, 30d.',
      }),
    ),
    label: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export const TokenListQuery = Type.Object(
  {
    tenant: Type.Optional(Type.String()),
    after: Type.Optional(Type.String()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);
export const TokenParams = Type.Object({ id: Type.String() });
export const RevokeQuery = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 2000 })) },
  { additionalProperties: false },
);

/** A token as the API lists it: never the secret, never its hash. */
export const Token = View({
  id: Type.String(),
  tenant: Type.String(),
  access: Access,
  label: Nullable(Type.String()),
  state: StringEnum(TOKEN_STATES),
  created_at: Timestamp,
  created_by: Type.String(),
  expires_at: Nullable(Timestamp),
  revoked_at: Nullable(Timestamp),
});
export type Token = Static<typeof Token>;
/** The answer of `POST /tokens`: the only place the secret ever appears. */
export const TokenCreated = View({ ...Token.properties, token: Type.String() });
export type TokenCreated = Static<typeof TokenCreated>;
export const TokenPage = View({ tokens: Type.Array(Token), next_cursor: NextCursor });

export const Whoami = View({
  kind: StringEnum(['admin', 'tenant'] as const, 'The admin token, or a tenant token.'),
  token_id: Type.String({ description: 'The id recorded as actor on events (`admin` for the admin token).' }),
  tenant: Nullable(Type.String({ description: 'Null for the admin token (every tenant).' })),
  access: Access,
});
export type Whoami = Static<typeof Whoami>;

export const AuditQuery = Type.Object(
  {
    subject_kind: Type.Optional(Type.String({ minLength: 1 })),
    subject_id: Type.Optional(Type.String({ minLength: 1 })),
    actor: Type.Optional(Type.String({ minLength: 1 })),
    type: Type.Optional(Type.String({ minLength: 1, description: 'Comma-separated event types.' })),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    after: Type.Optional(Type.Integer({ minimum: 0, description: 'Cursor: the seq to continue after.' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);

/** An event of the log as every API and stream shows it. */
export const Event = View({
  seq: Type.Integer({ minimum: 1 }),
  ts: Timestamp,
  type: Type.String(),
  subject_kind: Type.String(),
  subject_id: Type.String(),
  tenant: Nullable(Type.String()),
  actor: Type.String(),
  data: Json,
  hash: Type.String(),
});
export type Event = Static<typeof Event>;

export const AuditPage = View({
  events: Type.Array(Event),
  next_cursor: Nullable(Type.Integer()),
});

export const ChainReport = View({
  ok: Type.Boolean(),
  checked: Type.Integer({ minimum: 0 }),
  head_seq: Type.Integer({ minimum: 0 }),
  first_break: Nullable(
    View({
      seq: Type.Integer(),
      problem: StringEnum(['hash_mismatch', 'prev_hash_mismatch', 'seq_gap'] as const),
      expected: Type.String(),
      found: Type.String(),
    }),
  ),
  unsealed: View({
    count: Type.Integer({ minimum: 0, description: 'Committed events not numbered and chained yet.' }),
    oldest_ts: Nullable(Type.String({ description: 'When the oldest of them was written.' })),
    stale: Type.Boolean({
      description: 'The oldest has waited over a minute: nothing is sealing (then `ok` is false).',
    }),
  }),
});
export type ChainReport = Static<typeof ChainReport>;

const CountMap = Type.Record(Type.String(), Type.Integer({ minimum: 0 }));

export const IntrospectionStatus = View({
  version: Type.String(),
  uptime_s: Type.Integer({ minimum: 0 }),
  safe_mode: Type.Boolean(),
  capabilities: Type.Record(Type.String(), View({ enabled: Type.Boolean(), level: Level })),
  store: View({
    kind: Type.String(),
    healthy: Type.Boolean(),
    migrations_pending: Type.Array(Type.String()),
  }),
  watchdogs: View({
    soft_ms: Type.Integer(),
    hard_ms: Type.Integer(),
    alarms: View(
      { soft: Type.Integer(), hard: Type.Integer() },
      'Alarms this instance raised since it started.',
    ),
    grace_ms: Type.Integer({ description: 'A lone event-loop stall up to this long raises nothing.' }),
    checks: Type.Integer({
      minimum: 0,
      description: 'Checks of the event loop since the watchdog was armed (when the server listens).',
    }),
  }),
  counts: View({ cells: CountMap, organs: CountMap, runs: CountMap }),
  pending_approvals: Type.Integer({ minimum: 0 }),
  event_log: View({ head_seq: Type.Integer({ minimum: 0 }) }),
});
export type IntrospectionStatus = Static<typeof IntrospectionStatus>;

export const EventsQuery = Type.Object(
  {
    after: Type.Optional(
      Type.Integer({ minimum: 0, description: 'Deliver events with seq greater than this.' }),
    ),
    subject_kind: Type.Optional(Type.String({ minLength: 1 })),
    subject_id: Type.Optional(Type.String({ minLength: 1 })),
    type: Type.Optional(Type.String({ minLength: 1, description: 'Comma-separated event types.' })),
    token: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const EventsStream = EventStream(
  'Server-Sent Events: each event of the log as `id: <seq>`, `event: <type>`, `data: <Event JSON>`; comments as heartbeats. A WebSocket upgrade on the same path sends each Event as a JSON text frame.',
);

export const MetricsText = NotJson('text/plain', 'Prometheus text exposition format.');

export type Health = Static<typeof Health>;
export type Ready = Static<typeof Ready>;
export type TokenPage = Static<typeof TokenPage>;
export type AuditPage = Static<typeof AuditPage>;

/** The frames of `WS /events` besides the heartbeat and the close frame. */
export const EventsHelloFrame = View({
  type: Type.Literal('hello'),
  after: Type.Integer({ minimum: 0, description: 'Events with a greater seq follow.' }),
  head: Type.Integer({ minimum: 0 }),
});
export const EventsEventFrame = View({ type: Type.Literal('event'), event: Event });
export type EventsHelloFrame = Static<typeof EventsHelloFrame>;
export type EventsEventFrame = Static<typeof EventsEventFrame>;

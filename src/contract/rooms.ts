import { Type, type Static } from 'typebox';
import { ASSIGNMENT_STATES, LEASE_MS, RESULT_STATUSES, ROOM_STATUSES } from '../domain/runs/assignments.js';
import { JsonObject, Nullable, StringEnum, Timestamp, View } from './common.js';
import { EnvelopePage, Strings } from './llm.js';
import { Issue } from './run-records.js';
import { ArtifactBody, CheckpointBody } from './runs.js';
import { ASSIGNMENT_KINDS } from '../domain/runs/supervisor.js';

/** Rooms, the dispatch of an issue's prompt into one, and the leased inbox workers pull from (`/llm/rooms…`). */

const Id = Type.String({ minLength: 1, maxLength: 200 });

export const RoomParams = Type.Object({ id: Id });
export const InboxItemParams = Type.Object({ id: Id, assignment_id: Id });
export const DispatchParams = Type.Object({ id: Id, issue_id: Id });

/** fabrica's `{name, …}` and the abbot client's `{purpose?, metadata: {name}}` (see `readRoomInput`). */
export const CreateRoomBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    purpose: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    tenant: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const RoomListQuery = Type.Object(
  {
    after: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    tenant: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const DispatchBody = Type.Object(
  {
    prompt: Type.String({ minLength: 1, maxLength: 1_000_000 }),
    room_id: Type.Optional(Id),
  },
  { additionalProperties: false },
);

export const InboxQuery = Type.Object(
  {
    lease_ms: Type.Optional(
      Type.Integer({
        minimum: LEASE_MS.min,
        maximum: LEASE_MS.max,
        default: LEASE_MS.default,
        description: 'How long the claim holds the assignment before it goes back to the inbox.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ResultBody = Type.Object(
  {
    lease_token: Type.String({ minLength: 1, maxLength: 200 }),
    status: StringEnum(RESULT_STATUSES),
    summary: Type.Optional(Type.String({ maxLength: 100_000 })),
    notes: Type.Optional(Type.Array(Type.String({ maxLength: 10_000 }), { maxItems: 1000 })),
    artifacts: Type.Optional(
      Type.Array(ArtifactBody, {
        maxItems: 100,
        description:
          "Attached with the result, as if posted by the room's producer (envelope defaults: producer_type room, producer_id the room).",
      }),
    ),
    checkpoint: Type.Optional(CheckpointBody),
  },
  { additionalProperties: false },
);

export const RenewBody = Type.Object(
  {
    lease_token: Type.String({ minLength: 1, maxLength: 200 }),
    lease_ms: Type.Optional(
      Type.Integer({
        minimum: LEASE_MS.min,
        maximum: LEASE_MS.max,
        default: LEASE_MS.default,
        description: 'The lease runs this long from the renewal (not from its old end).',
      }),
    ),
  },
  { additionalProperties: false },
);

// ---- Answers ----

export const Room = View(
  {
    id: Type.String(),
    tenant: Type.String(),
    name: Type.String(),
    purpose: Nullable(Type.String()),
    status: StringEnum(ROOM_STATUSES, '`closed`: nothing more is dispatched to it.'),
    metadata: JsonObject,
    rented_at: Timestamp,
    created_at: Timestamp,
    created_by: Type.String(),
  },
  'A room: where dispatched prompts wait for a worker.',
);
export type Room = Static<typeof Room>;
export const RoomPage = EnvelopePage(Room);
export type RoomPage = Static<typeof RoomPage>;

const AssignmentState = StringEnum(ASSIGNMENT_STATES);
const assignment = {
  assignment_id: Type.String(),
  run_id: Type.String(),
  issue_id: Nullable(
    Type.String({ description: 'Null for work of the whole run (planning, verification, a checkpoint).' }),
  ),
  room_id: Type.String(),
  kind: StringEnum(ASSIGNMENT_KINDS, '`issue` unless the supervisor dispatched work of the whole run.'),
  action_key: Nullable(
    Type.String({ description: "The supervisor's key for this action; null for a dispatch by hand." }),
  ),
};

/** `POST /llm/factory/runs/:id/issues/:issue_id/dispatch` (201): the assignment as it was queued. */
export const Dispatched = View(
  {
    ...assignment,
    state: AssignmentState,
    prompt: Type.String(),
    attempts: Type.Integer({ minimum: 0 }),
    created_at: Timestamp,
  },
  'A dispatched assignment.',
);
export type Dispatched = Static<typeof Dispatched>;

/** `GET /llm/rooms/:id/inbox`: the prompt and the lease the worker must answer under (data null: nothing waits). */
export const Claimed = View(
  {
    ...assignment,
    prompt: Type.String(),
    lease_token: Nullable(Type.String({ description: 'Send it back with the result.' })),
    lease_expires_at: Nullable(Timestamp),
    attempts: Type.Integer({ minimum: 0 }),
    created_at: Timestamp,
  },
  'A claimed assignment.',
);
export type Claimed = Static<typeof Claimed>;

export const AssignmentResult = View({
  status: StringEnum(RESULT_STATUSES),
  summary: Nullable(Type.String()),
  notes: Strings(),
  applied: Type.Boolean({
    description: 'False when the issue had moved on before the result came: kept, not applied.',
  }),
  reported_at: Timestamp,
  reported_by: Type.String(),
});

/** An assignment with its result (null until one is posted). */
export const AssignmentView = View({
  ...assignment,
  state: AssignmentState,
  attempts: Type.Integer({ minimum: 0 }),
  result: Nullable(AssignmentResult),
});
export type AssignmentView = Static<typeof AssignmentView>;

/** `POST /llm/rooms/:id/inbox/:assignment_id/result`: the assignment and its issue after the result. */
export const ResultAnswer = View(
  { ...AssignmentView.properties, issue: Nullable(Issue) },
  'The assignment with its result, and the issue as it stands after it.',
);
export type ResultAnswer = Static<typeof ResultAnswer>;

/** `POST /llm/rooms/:id/inbox/:assignment_id/renew`: the lease as it now stands (same token). */
export const Renewed = View(
  {
    ...assignment,
    state: AssignmentState,
    lease_token: Type.String(),
    lease_expires_at: Timestamp,
    attempts: Type.Integer({ minimum: 0 }),
  },
  'A renewed lease.',
);
export type Renewed = Static<typeof Renewed>;

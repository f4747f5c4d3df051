import { Type } from '@fastify/type-provider-typebox';
import { LEASE_MS, RESULT_STATUSES } from '../../domain/runs/assignments.js';
import { StringEnum } from '../schemas.js';

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
  },
  { additionalProperties: false },
);

import { Type } from '@fastify/type-provider-typebox';
import { CHECKPOINT_STATUSES, RUN_STATUSES, WORK_STATUSES } from '../../domain/runs/run-model.js';
import { StringEnum } from '../schemas.js';

const Strs = Type.Array(Type.String({ maxLength: 10_000 }), { maxItems: 1000 });
const Id = Type.String({ minLength: 1, maxLength: 200 });

export const RunParams = Type.Object({ id: Id });
export const StageParams = Type.Object({ id: Id, stage_id: Id });
export const IssueParams = Type.Object({ id: Id, issue_id: Id });

export const ListQuery = Type.Object(
  {
    after: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);

export const RunListQuery = Type.Object(
  {
    after: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 })),
    status: Type.Optional(StringEnum(RUN_STATUSES)),
    tenant: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const CreateRunBody = Type.Object(
  {
    source: Type.Object({
      kind: Type.String({ minLength: 1, maxLength: 100 }),
      format: Type.Optional(StringEnum(['text', 'markdown'])),
      content: Type.String({ maxLength: 1_000_000 }),
    }),
    workflow_kind: Type.Optional(Type.String({ maxLength: 200 })),
    title: Type.Optional(Type.String({ maxLength: 500 })),
    subject_type: Type.Optional(Type.String({ maxLength: 200 })),
    subject_id: Type.Optional(Type.String({ maxLength: 200 })),
    auto_advance: Type.Optional(Type.Boolean()),
    tenant: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const CancelBody = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 2000 })) },
  { additionalProperties: false },
);

export const StageBody = Type.Object(
  {
    stage_name: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    stable_key: Type.Optional(Type.String({ maxLength: 200 })),
    depends_on: Type.Optional(Strs),
    status: Type.Optional(StringEnum(WORK_STATUSES)),
    summary: Type.Optional(Type.String()),
    notes: Type.Optional(Strs),
    assigned_room_id: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const StagePatchBody = Type.Object(
  {
    stage_name: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    status: Type.Optional(StringEnum(WORK_STATUSES)),
    summary: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    verification_summary: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    notes: Type.Optional(Strs),
    assigned_room_id: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    depends_on: Type.Optional(Strs),
    expected_version: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

export const IssueBody = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 1000 }),
    kind: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    stage_id: Type.Optional(Type.String()),
    stable_key: Type.Optional(Type.String({ maxLength: 200 })),
    depends_on: Type.Optional(Strs),
    acceptance_criteria: Type.Optional(Strs),
    verification_requirements: Type.Optional(Strs),
    status: Type.Optional(StringEnum(WORK_STATUSES)),
    summary: Type.Optional(Type.String()),
    notes: Type.Optional(Strs),
  },
  { additionalProperties: false },
);

export const IssuePatchBody = Type.Object(
  {
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
    kind: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    status: Type.Optional(StringEnum(WORK_STATUSES)),
    summary: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    notes: Type.Optional(Strs),
    assigned_room_id: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    depends_on: Type.Optional(Strs),
    acceptance_criteria: Type.Optional(Strs),
    verification_requirements: Type.Optional(Strs),
    expected_version: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

export const CheckpointBody = Type.Object(
  {
    branch_name: Type.String({ minLength: 1, maxLength: 500 }),
    worktree_path: Type.String({ minLength: 1, maxLength: 4000 }),
    base_ref: Type.String({ minLength: 1, maxLength: 500 }),
    head_sha: Type.Optional(Type.String({ maxLength: 200 })),
    status: Type.Optional(StringEnum(CHECKPOINT_STATUSES)),
    included_issue_ids: Type.Optional(Strs),
    merged_issue_ids: Type.Optional(Strs),
    conflict_issue_ids: Type.Optional(Strs),
    notes: Type.Optional(Strs),
  },
  { additionalProperties: false },
);

export const ArtifactBody = Type.Object(
  {
    artifact_type: Type.String({ minLength: 1, maxLength: 200 }),
    payload: Type.Unknown(),
    // The protocol's envelope: clients send the schema version as a string or an integer; a producer,
    // when named, must be named (an empty one would make the provenance unreadable).
    schema_version: Type.Optional(
      Type.Union([Type.String({ minLength: 1, maxLength: 50 }), Type.Integer({ minimum: 0 })]),
    ),
    producer_type: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' })),
    producer_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' })),
    producer_stage_id: Type.Optional(Type.String({ maxLength: 200 })),
    input_artifact_ids: Type.Optional(Strs),
    supersedes_artifact_id: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const GateCheckBody = Type.Object(
  { gate: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

export const GateBody = Type.Object(
  {
    gate: Type.String({ minLength: 1, maxLength: 200 }),
    verdict: Type.String({ minLength: 1, maxLength: 100 }),
    reasons: Type.Optional(Strs),
    evidence: Type.Optional(Strs),
  },
  { additionalProperties: false },
);

import { Type, type Static } from 'typebox';
import { CHECKPOINT_STATUSES, RUN_STATUSES, WORK_STATUSES } from '../domain/runs/run-model.js';
import { Nullable, StringEnum, Timestamp, View } from './common.js';
import { EnvelopePage, List, Strings } from './llm.js';

/**
 * The LLM factory family's runs on the wire: requests and answers of `/llm/factory/runs…`
 * (docs/llm-factory.md). Record views (stages, issues, …) are in run-records.ts, rooms in rooms.ts.
 */

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
    version: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 1_000_000_000,
        description:
          'The provenance version the client expects this artifact to get: stored only when it is the next one of its type (0 for the first), else 409 version_conflict naming the next.',
      }),
    ),
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

export const VerifyBody = Type.Object(
  {
    commands: Type.Optional(
      Type.Array(Type.Unknown(), { description: '{program, args[], cwd?, timeout_ms?, env?}' }),
    ),
  },
  { additionalProperties: false },
);

// ---- Answers ----

export const RunStatusName = StringEnum(RUN_STATUSES, 'Where the run is in its lifecycle.');

export const RunSource = View({
  kind: Type.String(),
  format: Type.String({ description: 'text or markdown' }),
  content: Type.String(),
});

/** One run: `GET /runs/:id`, `POST /runs` (201), `POST /runs/:id/cancel`, and each item of the list. */
export const Run = View(
  {
    id: Type.String(),
    run_id: Type.String({ description: 'The same as id (older clients read run_id).' }),
    tenant: Type.String(),
    status: RunStatusName,
    current_stage: Nullable(
      Type.String({ description: 'The running stage, else the first not passed (null in lists).' }),
    ),
    workflow_kind: Nullable(Type.String()),
    title: Nullable(Type.String()),
    source_brief: Type.String({ description: "The source's first line, at most 120 characters." }),
    subject_type: Nullable(Type.String()),
    subject_id: Nullable(Type.String()),
    source: RunSource,
    auto_advance: Type.Boolean(),
    active_room_ids: Strings('Rooms of running stages and issues (empty in lists).'),
    cancel_reason: Nullable(Type.String()),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  'A factory run.',
);
export type Run = Static<typeof Run>;

/** `POST /runs/:id/cancel`: the run, with the reason also under the name the abbot client reads. */
export const CancelledRun = View(
  { ...Run.properties, reason: Nullable(Type.String({ description: 'The same as cancel_reason.' })) },
  'The cancelled run.',
);
export type CancelledRun = Static<typeof CancelledRun>;

/** An item of `GET /runs`: the run without its records (`current_stage` null, `active_room_ids` empty). */
export const RunListItem = Run;
export type RunListItem = Run;
export const RunListPage = EnvelopePage(RunListItem);
export type RunListPage = Static<typeof RunListPage>;

const count = Type.Integer({ minimum: 0 });
/** How many live stages (or issues) are in each work status. */
export const WorkCounts = View({
  pending: count,
  ready: count,
  running: count,
  passed: count,
  failed: count,
  blocked: count,
});
export type WorkCounts = Static<typeof WorkCounts>;

export const VERIFICATION_STATES = ['passed', 'failed', 'skipped', 'pending'] as const;

/**
 * The status aggregate (`GET /runs/:id/status`, and the `data` of a live `factory.snapshot` frame).
 * Named for the view: `RunStatus` is the domain's name of the lifecycle status itself.
 */
export const RunStatusView = View(
  {
    run_id: Type.String(),
    status: RunStatusName,
    current_stage: Nullable(Type.String()),
    stage_counts: WorkCounts,
    issue_counts: WorkCounts,
    latest_checkpoint_status: Nullable(StringEnum(CHECKPOINT_STATUSES)),
    latest_checkpoint_id: Nullable(Type.String()),
    latest_verification: StringEnum(VERIFICATION_STATES, 'The latest verification report, pending if none.'),
    latest_verification_success: Nullable(Type.Boolean()),
    latest_verification_artifact_id: Nullable(Type.String()),
    latest_gate_verdicts: Type.Record(Type.String(), Type.String(), {
      description: 'Gate name → its latest verdict.',
    }),
    blockers: Strings(
      'What only a person can resolve (a blocked or failed stage or issue, a gate verdict asking for review).',
    ),
    waiting_on: Strings('The preconditions the next step waits for (nothing a person must do).'),
    diagnostics: Strings('Failed or blocked issues and gate verdicts that need a human.'),
    next_actions: Strings(),
    updated_at: Timestamp,
  },
  'Where a run stands and what to do next.',
);
export type RunStatusView = Static<typeof RunStatusView>;

/** `GET /runs/:id/review`: a plan summary and string lists a reviewer reads top to bottom. */
export const ReviewBundle = View(
  {
    id: Type.String(),
    run_id: Type.String(),
    run_status: RunStatusName,
    plan_summary: Type.String(),
    artifact_summary: Strings(),
    checkpoint_summary: Strings(),
    issue_summary: Strings(),
    stage_summary: Strings(),
    gate_summary: Strings(),
    evidence_summary: Strings(),
    blockers: Strings(),
    waiting_on: Strings(),
    diagnostics: Strings(),
    next_actions: Strings(),
    open_risks: Strings(),
  },
  'A review bundle, made anew when the run changed since the last one.',
);
export type ReviewBundle = Static<typeof ReviewBundle>;

/** `POST /runs/:id/start`: what the supervisor did. */
export const StartResult = View({
  run_id: Type.String(),
  status: RunStatusName,
  completed: Type.Boolean(),
  failed: Type.Boolean(),
  actions: Strings('The steps taken, e.g. "advanced planning → implementing".'),
});
export type StartResult = Static<typeof StartResult>;

/** `POST /runs/:id/advance`: one step, or why not (then `blockers` and `next_actions` say what to do). */
export const AdvanceResult = View({
  advanced: Type.Boolean(),
  from: Type.Optional(RunStatusName),
  status: RunStatusName,
  blockers: Strings(),
  waiting_on: Strings(),
  next_actions: Strings(),
});
export type AdvanceResult = Static<typeof AdvanceResult>;

/** One command of a verification report. */
export const CommandResult = View({
  program: Type.String(),
  args: Strings(),
  cwd: Type.String({ description: "Relative to the workspace root, '.' for the root." }),
  exit_code: Nullable(Type.Integer()),
  signal: Nullable(Type.String()),
  duration_ms: Type.Number({ minimum: 0 }),
  timed_out: Type.Boolean(),
  stdout_tail: Type.String(),
  stderr_tail: Type.String(),
  stdout_truncated: Type.Boolean(),
  stderr_truncated: Type.Boolean(),
  error: Type.Optional(
    Type.String({ description: 'Why the command did not run or could not be waited on.' }),
  ),
});
export type CommandResult = Static<typeof CommandResult>;

export const VerificationReport = View({
  success: Type.Boolean(),
  sandbox: StringEnum(['bwrap', 'none'] as const, 'How the commands were confined (docs/security.md).'),
  commands: List(CommandResult),
  started_at: Timestamp,
  finished_at: Timestamp,
  duration_ms: Type.Number({ minimum: 0 }),
});
export type VerificationReport = Static<typeof VerificationReport>;

/** `POST /runs/:id/verify` (201): the stored report's artifact and the run's status after it. */
export const VerifyResult = View({
  artifact_id: Type.String(),
  success: Type.Boolean(),
  status: RunStatusName,
  report: VerificationReport,
});
export type VerifyResult = Static<typeof VerifyResult>;

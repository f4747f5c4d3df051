import { Type, type Static } from 'typebox';
import { CHECKPOINT_STATUSES, WORK_STATUSES } from '../domain/runs/run-model.js';
import { Json, Nullable, StringEnum, Timestamp, View } from './common.js';
import { EnvelopePage, Strings } from './llm.js';

/**
 * A run's durable records on the wire (`/llm/factory/runs/:id/{stages,issues,checkpoints,artifacts,gates}`);
 * their request bodies are in runs.ts.
 */

export const WorkStatus = StringEnum(WORK_STATUSES);

/** Where a stage or issue a stage graph materialised came from, and whether a newer graph replaced it. */
const materialised = {
  stable_key: Nullable(Type.String({ description: "The stage graph's key for it." })),
  materialized_from_artifact_id: Nullable(Type.String()),
  superseded_by_artifact_id: Nullable(
    Type.String({
      description: 'Set when a newer stage graph removed it: kept for the record, no longer counted.',
    }),
  ),
};

export const Stage = View(
  {
    id: Type.String(),
    run_id: Type.String(),
    status: WorkStatus,
    stage_name: Type.String(),
    ...materialised,
    depends_on: Strings('Stage ids.'),
    assigned_room_id: Nullable(Type.String()),
    summary: Nullable(Type.String()),
    verification_summary: Nullable(Type.String()),
    notes: Strings(),
    created_at: Timestamp,
    updated_at: Timestamp,
    version: Type.Integer({ minimum: 1, description: 'For expected_version on a patch.' }),
  },
  'A stage of a run.',
);
export type Stage = Static<typeof Stage>;

export const Issue = View(
  {
    id: Type.String(),
    run_id: Type.String(),
    status: WorkStatus,
    title: Type.String(),
    kind: Type.String(),
    stage_id: Nullable(Type.String()),
    ...materialised,
    depends_on: Strings('Issue ids.'),
    acceptance_criteria: Strings(),
    verification_requirements: Strings(),
    assigned_room_id: Nullable(Type.String()),
    summary: Nullable(Type.String()),
    notes: Strings(),
    created_at: Timestamp,
    updated_at: Timestamp,
    version: Type.Integer({ minimum: 1, description: 'For expected_version on a patch.' }),
  },
  'An issue: a unit of work in a stage.',
);
export type Issue = Static<typeof Issue>;

export const Checkpoint = View(
  {
    id: Type.String(),
    run_id: Type.String(),
    status: StringEnum(CHECKPOINT_STATUSES),
    branch_name: Type.String(),
    worktree_path: Type.String(),
    base_ref: Type.String(),
    head_sha: Nullable(Type.String()),
    included_issue_ids: Strings(),
    merged_issue_ids: Strings(),
    conflict_issue_ids: Strings(),
    notes: Strings(),
    created_at: Timestamp,
    updated_at: Timestamp,
    version: Type.Integer({ minimum: 1 }),
  },
  'A checkpoint: a branch of work and the issues merged into it.',
);
export type Checkpoint = Static<typeof Checkpoint>;

export const Artifact = View(
  {
    id: Type.String(),
    run_id: Type.String(),
    artifact_type: Type.String(),
    schema_version: Type.String(),
    version: Type.Integer({ minimum: 0, description: 'Per run and type: 0 for the first, then 1, 2, …' }),
    producer_type: Type.String(),
    producer_id: Nullable(Type.String()),
    producer_stage_id: Nullable(Type.String()),
    input_artifact_ids: Strings(),
    supersedes_artifact_id: Nullable(Type.String()),
    payload: Json,
    created_at: Timestamp,
    created_by: Type.String(),
  },
  'An artifact with its provenance.',
);
export type Artifact = Static<typeof Artifact>;

export const Gate = View(
  {
    id: Type.String(),
    run_id: Type.String(),
    gate: Type.String(),
    verdict: Type.String({ description: 'pass, fail, needs_review, or what an external reviewer sent.' }),
    reasons: Strings(),
    evidence: Strings(),
    source: StringEnum(['evaluated', 'external'] as const),
    created_at: Timestamp,
    created_by: Type.String(),
  },
  'A gate verdict: evaluated by the kernel (gate-check) or supplied from outside.',
);
export type Gate = Static<typeof Gate>;

export const StagePage = EnvelopePage(Stage);
export const IssuePage = EnvelopePage(Issue);
export const CheckpointPage = EnvelopePage(Checkpoint);
export const ArtifactPage = EnvelopePage(Artifact);
export const GatePage = EnvelopePage(Gate);

import type { Static } from 'typebox';
import type { ArtifactBody, CheckpointBody } from '../../contract/runs.js';
import type { ArtifactInput, CheckpointInput } from '../../engine/runs/run-authoring.js';

/** Wire bodies of run records to the engine's inputs, for the records a worker's result carries. */

const opt = <K extends string, V>(key: K, v: V | undefined) =>
  v === undefined ? {} : ({ [key]: v } as Record<K, V>);

export const artifactInput = (b: Static<typeof ArtifactBody>): ArtifactInput => ({
  artifactType: b.artifact_type,
  // A missing payload is refused by the artifact rules of known types; an open type stores null.
  payload: b.payload ?? null,
  ...opt('schemaVersion', b.schema_version === undefined ? undefined : String(b.schema_version)),
  ...opt('producerType', b.producer_type),
  ...opt('producerId', b.producer_id),
  ...opt('producerStageId', b.producer_stage_id),
  ...opt('inputArtifactIds', b.input_artifact_ids),
  ...opt('supersedesArtifactId', b.supersedes_artifact_id),
  ...opt('version', b.version),
});

export const checkpointInput = (b: Static<typeof CheckpointBody>): CheckpointInput => ({
  branchName: b.branch_name,
  worktreePath: b.worktree_path,
  baseRef: b.base_ref,
  ...opt('headSha', b.head_sha),
  ...opt('status', b.status),
  ...opt('includedIssueIds', b.included_issue_ids),
  ...opt('mergedIssueIds', b.merged_issue_ids),
  ...opt('conflictIssueIds', b.conflict_issue_ids),
  ...opt('notes', b.notes),
});

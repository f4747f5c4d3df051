import { fail, ok, type Result } from '../../domain/errors.js';
import { checkArtifact } from '../../domain/runs/artifact-rules.js';
import {
  findCycle,
  alreadyMaterialised,
  parseStageGraph,
  planMaterialisation,
} from '../../domain/runs/stage-graph.js';
import {
  STAGE_GRAPH_TYPES,
  type Artifact,
  type Checkpoint,
  type CheckpointStatus,
  type Issue,
  type Stage,
  type WorkStatus,
} from '../../domain/runs/run-model.js';
import type { RunDraft } from './run-draft.js';

export interface StageInput {
  readonly stageName: string;
  readonly stableKey?: string;
  readonly dependsOn?: string[];
  readonly status?: WorkStatus;
  readonly summary?: string;
  readonly notes?: string[];
  readonly assignedRoomId?: string;
}

export interface StagePatch {
  readonly stageName?: string;
  readonly status?: WorkStatus;
  readonly summary?: string | null;
  readonly verificationSummary?: string | null;
  readonly notes?: string[];
  readonly assignedRoomId?: string | null;
  readonly dependsOn?: string[];
  readonly expectedVersion?: number;
}

export interface IssueInput {
  readonly title: string;
  readonly kind?: string;
  readonly stageId?: string;
  readonly stableKey?: string;
  readonly dependsOn?: string[];
  readonly acceptanceCriteria?: string[];
  readonly verificationRequirements?: string[];
  readonly status?: WorkStatus;
  readonly summary?: string;
  readonly notes?: string[];
}

export interface IssuePatch {
  readonly title?: string;
  readonly kind?: string;
  readonly status?: WorkStatus;
  readonly summary?: string | null;
  readonly notes?: string[];
  readonly assignedRoomId?: string | null;
  readonly dependsOn?: string[];
  readonly acceptanceCriteria?: string[];
  readonly verificationRequirements?: string[];
  readonly expectedVersion?: number;
}

export interface CheckpointInput {
  readonly branchName: string;
  readonly worktreePath: string;
  readonly baseRef: string;
  readonly headSha?: string;
  readonly status?: CheckpointStatus;
  readonly includedIssueIds?: string[];
  readonly mergedIssueIds?: string[];
  readonly conflictIssueIds?: string[];
  readonly notes?: string[];
}

export interface ArtifactInput {
  readonly artifactType: string;
  readonly payload: unknown;
  readonly schemaVersion?: string;
  readonly producerType?: string;
  readonly producerId?: string;
  readonly producerStageId?: string;
  readonly inputArtifactIds?: string[];
  readonly supersedesArtifactId?: string;
  /** The version the client expects: refused unless it is the next one of the type (compare-and-set). */
  readonly version?: number;
}

const unknownIds = (ids: readonly string[], known: readonly { id: string }[]) =>
  ids.filter((id) => !known.some((k) => k.id === id));

export function addStage(d: RunDraft, input: StageInput): Result<Stage> {
  const missing = unknownIds(input.dependsOn ?? [], d.agg.stages);
  if (missing.length > 0)
    return fail('invalid_request', `depends_on names stages not in this run: ${missing.join(', ')}`);
  const stage: Stage = {
    id: d.newId('stg'),
    runId: d.run.id,
    stageName: input.stageName,
    status: input.status ?? 'pending',
    dependsOn: input.dependsOn ?? [],
    assignedRoomId: input.assignedRoomId ?? null,
    summary: input.summary ?? null,
    verificationSummary: null,
    notes: input.notes ?? [],
    stableKey: input.stableKey ?? null,
    materializedFromArtifactId: null,
    supersededByArtifactId: null,
    createdAt: d.now,
    updatedAt: d.now,
    version: 1,
  };
  d.putStage(stage);
  d.event('stage.created', {
    targetKind: 'stage',
    targetId: stage.id,
    stageId: stage.id,
    context: { stage_name: stage.stageName, status: stage.status },
  });
  return ok(stage);
}

/**
 * What a stage patch and an issue patch are both refused for: a stale `expected_version`, or a
 * `depends_on` that names something outside the run or closes a cycle among its siblings.
 */
function patchRefusal(
  what: 'stage' | 'issue',
  before: { readonly id: string; readonly version: number },
  patch: { readonly expectedVersion?: number; readonly dependsOn?: readonly string[] },
  siblings: readonly { readonly id: string; readonly dependsOn: readonly string[] }[],
): ReturnType<typeof fail> | null {
  if (patch.expectedVersion !== undefined && patch.expectedVersion !== before.version) {
    return fail(
      'conflict',
      `${what} ${before.id} is at version ${before.version}, not ${patch.expectedVersion}`,
    );
  }
  const dependsOn = patch.dependsOn;
  if (dependsOn === undefined) return null;
  const missing = unknownIds(dependsOn, siblings);
  if (missing.length > 0)
    return fail('invalid_request', `depends_on names ${what}s not in this run: ${missing.join(', ')}`);
  const cycle = findCycle(new Map(siblings.map((x) => [x.id, x.id === before.id ? dependsOn : x.dependsOn])));
  return cycle === null ? null : fail('invalid_stage_graph', `dependency cycle: ${cycle.join(' → ')}`);
}

export function patchStage(d: RunDraft, id: string, patch: StagePatch): Result<Stage> {
  const before = d.agg.stages.find((s) => s.id === id);
  if (before === undefined) return fail('not_found', `no stage ${id} in run ${d.run.id}`);
  const refused = patchRefusal('stage', before, patch, d.agg.stages);
  if (refused !== null) return refused;
  const { expectedVersion: _e, ...fields } = patch;
  const after: Stage = { ...before, ...defined(fields), updatedAt: d.now, version: before.version + 1 };
  d.putStage(after);
  d.event('stage.updated', {
    targetKind: 'stage',
    targetId: id,
    stageId: id,
    context: { changes: wireNames(fields), status: after.status },
  });
  return ok(after);
}

export function addIssue(d: RunDraft, input: IssueInput): Result<Issue> {
  if (input.stageId !== undefined && !d.agg.stages.some((s) => s.id === input.stageId)) {
    return fail('invalid_request', `stage_id ${input.stageId} is not a stage of this run`);
  }
  const missing = unknownIds(input.dependsOn ?? [], d.agg.issues);
  if (missing.length > 0)
    return fail('invalid_request', `depends_on names issues not in this run: ${missing.join(', ')}`);
  const issue: Issue = {
    id: d.newId('iss'),
    runId: d.run.id,
    stageId: input.stageId ?? null,
    title: input.title,
    kind: input.kind ?? 'task',
    status: input.status ?? 'pending',
    dependsOn: input.dependsOn ?? [],
    acceptanceCriteria: input.acceptanceCriteria ?? [],
    verificationRequirements: input.verificationRequirements ?? [],
    assignedRoomId: null,
    summary: input.summary ?? null,
    notes: input.notes ?? [],
    stableKey: input.stableKey ?? null,
    materializedFromArtifactId: null,
    supersededByArtifactId: null,
    createdAt: d.now,
    updatedAt: d.now,
    version: 1,
  };
  d.putIssue(issue);
  d.event('issue.created', {
    targetKind: 'issue',
    targetId: issue.id,
    stageId: issue.stageId,
    issueId: issue.id,
    context: { title: issue.title, status: issue.status },
  });
  return ok(issue);
}

export function patchIssue(d: RunDraft, id: string, patch: IssuePatch): Result<Issue> {
  const before = d.agg.issues.find((i) => i.id === id);
  if (before === undefined) return fail('not_found', `no issue ${id} in run ${d.run.id}`);
  const refused = patchRefusal('issue', before, patch, d.agg.issues);
  if (refused !== null) return refused;
  const { expectedVersion: _e, ...fields } = patch;
  const after: Issue = { ...before, ...defined(fields), updatedAt: d.now, version: before.version + 1 };
  d.putIssue(after);
  d.event('issue.updated', {
    targetKind: 'issue',
    targetId: id,
    stageId: after.stageId,
    issueId: id,
    context: { changes: wireNames(fields), status: after.status },
  });
  return ok(after);
}

export function addCheckpoint(d: RunDraft, input: CheckpointInput): Result<Checkpoint> {
  const ids = [
    ...(input.includedIssueIds ?? []),
    ...(input.mergedIssueIds ?? []),
    ...(input.conflictIssueIds ?? []),
  ];
  const missing = unknownIds(ids, d.agg.issues);
  if (missing.length > 0) return fail('invalid_request', `issue ids not in this run: ${missing.join(', ')}`);
  const c: Checkpoint = {
    id: d.newId('chk'),
    runId: d.run.id,
    status: input.status ?? 'pending',
    branchName: input.branchName,
    worktreePath: input.worktreePath,
    baseRef: input.baseRef,
    headSha: input.headSha ?? null,
    includedIssueIds: input.includedIssueIds ?? [],
    mergedIssueIds: input.mergedIssueIds ?? [],
    conflictIssueIds: input.conflictIssueIds ?? [],
    notes: input.notes ?? [],
    createdAt: d.now,
    updatedAt: d.now,
    version: 1,
  };
  d.putCheckpoint(c);
  d.event('checkpoint.created', {
    targetKind: 'checkpoint',
    targetId: c.id,
    context: { status: c.status, branch_name: c.branchName },
  });
  return ok(c);
}

/** Stores an artifact; a stage graph is materialised in the same transaction. */
export function addArtifact(d: RunDraft, input: ArtifactInput, producer: string): Result<Artifact> {
  const checked = checkArtifact(
    {
      artifactType: input.artifactType,
      payload: input.payload,
      inputArtifactIds: input.inputArtifactIds ?? [],
      supersedesArtifactId: input.supersedesArtifactId ?? null,
    },
    d.agg.artifacts,
  );
  if (!checked.ok) return checked;
  const next = d.nextArtifactVersion(input.artifactType);
  if (input.version !== undefined && input.version !== next) {
    return fail(
      'version_conflict',
      `artifact ${input.artifactType} version ${input.version} is not the next one of its type in run ${d.run.id}: the next is ${next}`,
      { details: { artifact_type: input.artifactType, next_version: next } },
    );
  }
  if (input.producerStageId !== undefined && !d.agg.stages.some((s) => s.id === input.producerStageId)) {
    return fail('invalid_artifact', `producer_stage_id ${input.producerStageId} is not a stage of this run`);
  }
  const a: Artifact = {
    id: d.newId('art'),
    runId: d.run.id,
    artifactType: input.artifactType,
    schemaVersion: input.schemaVersion ?? '1',
    version: next,
    producerType: input.producerType ?? 'caller',
    producerId: input.producerId ?? producer,
    producerStageId: input.producerStageId ?? null,
    inputArtifactIds: input.inputArtifactIds ?? [],
    supersedesArtifactId: input.supersedesArtifactId ?? null,
    payload: input.payload,
    createdAt: d.now,
    createdBy: d.actor,
  };
  d.addArtifact(a);
  d.event('artifact.created', {
    targetKind: 'artifact',
    targetId: a.id,
    context: { artifact_type: a.artifactType, version: a.version },
  });
  if (STAGE_GRAPH_TYPES.includes(a.artifactType)) {
    const m = materialise(d, a);
    if (!m.ok) return m;
  }
  return ok(a);
}

/** Creates, updates and supersedes stages and issues by stable key; a second call for one artifact does nothing. */
export function materialise(
  d: RunDraft,
  artifact: Artifact,
): Result<{ created: number; updated: number; superseded: number }> {
  if (alreadyMaterialised(artifact.id, d.agg.stages, d.agg.issues))
    return ok({ created: 0, updated: 0, superseded: 0 });
  const graph = parseStageGraph(artifact.payload);
  if (!graph.ok) return graph;
  const plan = planMaterialisation(graph.value, artifact.id, d.agg, {
    runId: d.run.id,
    now: d.now,
    newId: d.newId,
  });
  // Each record it creates, updates or supersedes gets its own event, as if written one by one, so a
  // live client sees the graph's stages and issues appear without reading the lists again.
  const known = (id: string, xs: readonly { id: string }[]) => xs.some((x) => x.id === id);
  const how = (r: Stage | Issue, existed: boolean) =>
    r.supersededByArtifactId !== null ? 'superseded' : existed ? 'updated' : 'created';
  for (const s of plan.stages) {
    const change = how(s, known(s.id, d.agg.stages));
    d.putStage(s);
    d.event(change === 'created' ? 'stage.created' : 'stage.updated', {
      targetKind: 'stage',
      targetId: s.id,
      stageId: s.id,
      context: {
        stage_name: s.stageName,
        status: s.status,
        stable_key: s.stableKey,
        by: 'materialization',
        materialization: change,
        artifact_id: artifact.id,
      },
    });
  }
  for (const i of plan.issues) {
    const change = how(i, known(i.id, d.agg.issues));
    d.putIssue(i);
    d.event(change === 'created' ? 'issue.created' : 'issue.updated', {
      targetKind: 'issue',
      targetId: i.id,
      stageId: i.stageId,
      issueId: i.id,
      context: {
        title: i.title,
        status: i.status,
        stable_key: i.stableKey,
        by: 'materialization',
        materialization: change,
        artifact_id: artifact.id,
      },
    });
  }
  const counts = { created: plan.created, updated: plan.updated, superseded: plan.superseded };
  d.event('stage_graph.materialized', { targetKind: 'artifact', targetId: artifact.id, context: counts });
  return ok(counts);
}

/** The fields a patch set, named as on the wire (`assignedRoomId` → `assigned_room_id`). */
export const wireNames = (fields: object): string[] =>
  Object.keys(defined(fields)).map((k) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));

const defined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

import type {
  Artifact,
  Checkpoint,
  Issue,
  Run,
  RunAggregate,
  RunStatus,
  Stage,
  WorkStatus,
} from '../../src/domain/runs/run-model.js';

/** Records of one run, as the store would hold them, for the pure run rules. */
export const NOW = '2026-01-01T00:00:00.000Z';

export const run = (status: RunStatus = 'planning'): Run => ({
  id: 'run-1',
  tenant: 'acme',
  status,
  title: null,
  workflowKind: null,
  subjectType: null,
  subjectId: null,
  source: { kind: 'text', format: 'text', content: 'x' },
  autoAdvance: false,
  cancelReason: null,
  createdAt: NOW,
  updatedAt: NOW,
  createdBy: 'admin',
  version: 1,
});

export const stage = (id: string, status: WorkStatus = 'pending', over: Partial<Stage> = {}): Stage => ({
  id,
  runId: 'run-1',
  stageName: id,
  status,
  dependsOn: [],
  assignedRoomId: null,
  summary: null,
  verificationSummary: null,
  notes: [],
  stableKey: id,
  materializedFromArtifactId: null,
  supersededByArtifactId: null,
  createdAt: NOW,
  updatedAt: NOW,
  version: 1,
  ...over,
});

export const issue = (
  id: string,
  stageId: string | null,
  status: WorkStatus = 'pending',
  over: Partial<Issue> = {},
): Issue => ({
  id,
  runId: 'run-1',
  stageId,
  title: `issue ${id}`,
  kind: 'task',
  status,
  dependsOn: [],
  acceptanceCriteria: [],
  verificationRequirements: [],
  assignedRoomId: null,
  summary: null,
  notes: [],
  stableKey: id,
  materializedFromArtifactId: null,
  supersededByArtifactId: null,
  createdAt: NOW,
  updatedAt: NOW,
  version: 1,
  ...over,
});

export const artifact = (id: string, artifactType: string, payload: unknown = {}): Artifact => ({
  id,
  runId: 'run-1',
  artifactType,
  schemaVersion: '1',
  version: 0,
  producerType: 'test',
  producerId: null,
  producerStageId: null,
  inputArtifactIds: [],
  supersedesArtifactId: null,
  payload,
  createdAt: NOW,
  createdBy: 'admin',
});

export const checkpoint = (id: string, status: Checkpoint['status']): Checkpoint => ({
  id,
  runId: 'run-1',
  status,
  branchName: 'b',
  worktreePath: 'w',
  baseRef: 'main',
  headSha: null,
  includedIssueIds: [],
  mergedIssueIds: [],
  conflictIssueIds: [],
  notes: [],
  createdAt: NOW,
  updatedAt: NOW,
  version: 1,
});

export const aggregate = (over: Partial<RunAggregate> = {}): RunAggregate => ({
  run: run(),
  stages: [],
  issues: [],
  checkpoints: [],
  artifacts: [],
  gates: [],
  ...over,
});

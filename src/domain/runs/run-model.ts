/** The run lifecycle of the LLM factory protocol; `failed` and `cancelled` are terminal, as is `completed`. */
export const RUN_STATUSES = [
  'planning',
  'implementing',
  'verifying',
  'gated',
  'completed',
  'failed',
  'cancelled',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'cancelled'];

export const WORK_STATUSES = ['pending', 'ready', 'running', 'passed', 'failed', 'blocked'] as const;
export type WorkStatus = (typeof WORK_STATUSES)[number];

export const CHECKPOINT_STATUSES = ['pending', 'running', 'ready', 'failed'] as const;
export type CheckpointStatus = (typeof CHECKPOINT_STATUSES)[number];

export const GATE_VERDICTS = ['pass', 'fail', 'needs_review'] as const;
/** Verdicts that need a human, as the existing client reads them. */
export const ATTENTION_VERDICTS = ['fail', 'failed', 'needs_review', 'needs_further_review'];

export const STAGE_GRAPH_TYPES = ['factory.kernel.stage_graph', 'stage_graph'];
export const COMPLETION_TYPE = 'factory.kernel.completion_result';

export interface RunSource {
  readonly kind: string;
  readonly format: string;
  readonly content: string;
}

export interface Run {
  readonly id: string;
  readonly tenant: string;
  readonly status: RunStatus;
  readonly title: string | null;
  readonly workflowKind: string | null;
  readonly subjectType: string | null;
  readonly subjectId: string | null;
  readonly source: RunSource;
  readonly autoAdvance: boolean;
  readonly cancelReason: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly createdBy: string;
  readonly version: number;
  /** Set when the supervisor drives the run (`start`, or `auto_advance` at creation); absent on older runs. */
  readonly supervision?: Supervision | null;
}

/** How the supervisor drives a run; kept in the run's own document. */
export interface Supervision {
  /** Where its assignments go; null: the tenant's oldest active room at the time of each dispatch. */
  readonly roomId: string | null;
  /** Assignments per piece of work (an issue, planning, a checkpoint) before it fails. */
  readonly maxAttempts: number;
  /** Failed verifications before the run fails. */
  readonly maxVerificationRounds: number;
  /** Overrides the issue prompt; placeholders are documented in docs/llm-factory.md. */
  readonly promptTemplate: string | null;
  /** Bumped by each retry: attempts and rounds count within one epoch. */
  readonly epoch: number;
  /** Verification rounds that failed in this epoch. */
  readonly failedRounds: number;
  /** A host verification under way: its key and until when it holds the run. */
  readonly verifying: { readonly key: string; readonly until: number } | null;
  /** Why the supervisor cannot go on without a person (e.g. no room to dispatch to); null when it can. */
  readonly stalled: string | null;
  /** Why the run failed, when the supervisor failed it, and the status it failed in (a retry resumes there). */
  readonly failure: string | null;
  readonly failedAt: RunStatus | null;
}

/** Identity shared by stages and issues that a stage graph materialised. */
export interface Materialised {
  readonly stableKey: string | null;
  readonly materializedFromArtifactId: string | null;
  readonly supersededByArtifactId: string | null;
}

export interface Stage extends Materialised {
  readonly id: string;
  readonly runId: string;
  readonly stageName: string;
  readonly status: WorkStatus;
  /** Stage ids. */
  readonly dependsOn: readonly string[];
  readonly assignedRoomId: string | null;
  readonly summary: string | null;
  readonly verificationSummary: string | null;
  readonly notes: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

export interface Issue extends Materialised {
  readonly id: string;
  readonly runId: string;
  readonly stageId: string | null;
  readonly title: string;
  readonly kind: string;
  readonly status: WorkStatus;
  /** Issue ids. */
  readonly dependsOn: readonly string[];
  readonly acceptanceCriteria: readonly string[];
  readonly verificationRequirements: readonly string[];
  readonly assignedRoomId: string | null;
  readonly summary: string | null;
  readonly notes: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

export interface Checkpoint {
  readonly id: string;
  readonly runId: string;
  readonly status: CheckpointStatus;
  readonly branchName: string;
  readonly worktreePath: string;
  readonly baseRef: string;
  readonly headSha: string | null;
  readonly includedIssueIds: readonly string[];
  readonly mergedIssueIds: readonly string[];
  readonly conflictIssueIds: readonly string[];
  readonly notes: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

export interface Artifact {
  readonly id: string;
  readonly runId: string;
  readonly artifactType: string;
  readonly schemaVersion: string;
  /** Per run and type: 0 for the first artifact of a type, then 1, 2, … */
  readonly version: number;
  readonly producerType: string;
  readonly producerId: string | null;
  readonly producerStageId: string | null;
  readonly inputArtifactIds: readonly string[];
  readonly supersedesArtifactId: string | null;
  readonly payload: unknown;
  readonly createdAt: string;
  readonly createdBy: string;
}

export interface GateRecord {
  readonly id: string;
  readonly runId: string;
  readonly gate: string;
  readonly verdict: string;
  readonly reasons: readonly string[];
  readonly evidence: readonly string[];
  readonly source: 'evaluated' | 'external';
  readonly createdAt: string;
  readonly createdBy: string;
}

/** Everything one run holds; use cases load it whole (runs are small) and decide on it. */
export interface RunAggregate {
  readonly run: Run;
  readonly stages: readonly Stage[];
  readonly issues: readonly Issue[];
  readonly checkpoints: readonly Checkpoint[];
  readonly artifacts: readonly Artifact[];
  readonly gates: readonly GateRecord[];
}

export const isTerminal = (s: RunStatus): boolean => TERMINAL_RUN_STATUSES.includes(s);

/** Records a newer stage graph removed stay for the record but no longer count. */
export const live = <T extends Materialised>(xs: readonly T[]): T[] =>
  xs.filter((x) => x.supersededByArtifactId === null);

export const latestOf = (artifacts: readonly Artifact[], types: readonly string[]): Artifact | undefined => {
  let found: Artifact | undefined;
  for (const a of artifacts) if (types.includes(a.artifactType)) found = a;
  return found;
};

// Type-only: the views are checked against the wire contract at compile time; nothing of it is loaded.
import type * as Records from '../../contract/run-records.js';
import type * as Wire from '../../contract/runs.js';
import { personBlockers } from '../../domain/runs/attention.js';
import { decideAdvance, latestVerification } from '../../domain/runs/progress.js';
import {
  ATTENTION_VERDICTS,
  isTerminal,
  live,
  type Artifact,
  type Checkpoint,
  type GateRecord,
  type Issue,
  type Run,
  type RunAggregate,
  type Stage,
  type WorkStatus,
} from '../../domain/runs/run-model.js';

/** The wire shapes the existing LLM factory client reads (snake_case, docs/llm-factory.md). */
export const runView = (r: Run, agg?: RunAggregate): Wire.Run => ({
  id: r.id,
  run_id: r.id,
  tenant: r.tenant,
  status: r.status,
  current_stage: agg === undefined ? null : currentStage(agg),
  workflow_kind: r.workflowKind,
  title: r.title,
  source_brief: brief(r.source.content),
  subject_type: r.subjectType,
  subject_id: r.subjectId,
  source: r.source,
  auto_advance: r.autoAdvance,
  active_room_ids: agg === undefined ? [] : activeRooms(agg),
  cancel_reason: r.cancelReason,
  created_at: r.createdAt,
  updated_at: r.updatedAt,
});

const brief = (content: string) => {
  const line = content.trim().split('\n')[0] ?? '';
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
};

const activeRooms = (agg: RunAggregate) => [
  ...new Set(
    [...live(agg.stages), ...live(agg.issues)]
      .filter((x) => x.assignedRoomId !== null && x.status === 'running')
      .map((x) => x.assignedRoomId!),
  ),
];

function currentStage(agg: RunAggregate): string | null {
  const stages = live(agg.stages);
  const s = stages.find((x) => x.status === 'running') ?? stages.find((x) => x.status !== 'passed');
  return s === undefined ? null : (s.stableKey ?? s.stageName);
}

export const stageView = (s: Stage): Records.Stage => ({
  id: s.id,
  run_id: s.runId,
  status: s.status,
  stage_name: s.stageName,
  stable_key: s.stableKey,
  depends_on: s.dependsOn,
  assigned_room_id: s.assignedRoomId,
  summary: s.summary,
  verification_summary: s.verificationSummary,
  notes: s.notes,
  materialized_from_artifact_id: s.materializedFromArtifactId,
  superseded_by_artifact_id: s.supersededByArtifactId,
  created_at: s.createdAt,
  updated_at: s.updatedAt,
  version: s.version,
});

export const issueView = (i: Issue): Records.Issue => ({
  id: i.id,
  run_id: i.runId,
  status: i.status,
  title: i.title,
  kind: i.kind,
  stage_id: i.stageId,
  stable_key: i.stableKey,
  depends_on: i.dependsOn,
  acceptance_criteria: i.acceptanceCriteria,
  verification_requirements: i.verificationRequirements,
  assigned_room_id: i.assignedRoomId,
  summary: i.summary,
  notes: i.notes,
  materialized_from_artifact_id: i.materializedFromArtifactId,
  superseded_by_artifact_id: i.supersededByArtifactId,
  created_at: i.createdAt,
  updated_at: i.updatedAt,
  version: i.version,
});

export const checkpointView = (c: Checkpoint): Records.Checkpoint => ({
  id: c.id,
  run_id: c.runId,
  status: c.status,
  branch_name: c.branchName,
  worktree_path: c.worktreePath,
  base_ref: c.baseRef,
  head_sha: c.headSha,
  included_issue_ids: c.includedIssueIds,
  merged_issue_ids: c.mergedIssueIds,
  conflict_issue_ids: c.conflictIssueIds,
  notes: c.notes,
  created_at: c.createdAt,
  updated_at: c.updatedAt,
  version: c.version,
});

export const artifactView = (a: Artifact): Records.Artifact => ({
  id: a.id,
  run_id: a.runId,
  artifact_type: a.artifactType,
  schema_version: a.schemaVersion,
  version: a.version,
  producer_type: a.producerType,
  producer_id: a.producerId,
  producer_stage_id: a.producerStageId,
  input_artifact_ids: a.inputArtifactIds,
  supersedes_artifact_id: a.supersedesArtifactId,
  payload: a.payload,
  created_at: a.createdAt,
  created_by: a.createdBy,
});

export const gateView = (g: GateRecord): Records.Gate => ({
  id: g.id,
  run_id: g.runId,
  gate: g.gate,
  verdict: g.verdict,
  reasons: g.reasons,
  evidence: g.evidence,
  source: g.source,
  created_at: g.createdAt,
  created_by: g.createdBy,
});

function counts(xs: readonly { status: WorkStatus }[]): Wire.WorkCounts {
  const n = { pending: 0, ready: 0, running: 0, passed: 0, failed: 0, blocked: 0 };
  for (const x of xs) n[x.status] += 1;
  return n;
}

/** Latest verdict per gate name. */
const latestVerdicts = (gates: readonly GateRecord[]) =>
  Object.fromEntries(gates.map((g) => [g.gate, g.verdict]));

/** The status aggregate: everything a client needs to show where a run stands and what to do next. */
export function statusView(agg: RunAggregate): Wire.RunStatusView {
  const v = latestVerification(agg);
  const checkpoint = agg.checkpoints.at(-1);
  const decision = decideAdvance(agg);
  const verdicts = latestVerdicts(agg.gates);
  const diagnostics = [
    ...live(agg.issues)
      .filter((i) => i.status === 'failed' || i.status === 'blocked')
      .map((i) => `issue ${i.stableKey ?? i.id} is ${i.status}${i.summary === null ? '' : `: ${i.summary}`}`),
    ...Object.entries(verdicts)
      .filter(([, verdict]) => ATTENTION_VERDICTS.includes(verdict))
      .map(([gate, verdict]) => `gate ${gate}: ${verdict}`),
  ];
  return {
    run_id: agg.run.id,
    status: agg.run.status,
    current_stage: currentStage(agg),
    stage_counts: counts(live(agg.stages)),
    issue_counts: counts(live(agg.issues)),
    latest_checkpoint_status: checkpoint?.status ?? null,
    latest_checkpoint_id: checkpoint?.id ?? null,
    latest_verification: v.state,
    latest_verification_success: v.state === 'passed' ? true : v.state === 'failed' ? false : null,
    latest_verification_artifact_id: v.artifactId,
    latest_gate_verdicts: verdicts,
    blockers: personBlockers(agg),
    waiting_on: decision.advanced || isTerminal(agg.run.status) ? [] : decision.blockers,
    diagnostics,
    next_actions: decision.advanced ? [`advance to ${decision.to}`] : decision.nextActions,
    updated_at: agg.run.updatedAt,
  };
}

/** The review bundle: a plan summary and string lists a reviewer reads top to bottom. */
export function reviewBundle(agg: RunAggregate, id: string): Wire.ReviewBundle {
  const status = statusView(agg);
  const plan = agg.artifacts.filter((a) => a.artifactType === 'delivery_spec').at(-1);
  const planText =
    plan === undefined
      ? `No delivery spec yet. ${agg.run.title ?? brief(agg.run.source.content)}`
      : typeof (plan.payload as { summary?: unknown }).summary === 'string'
        ? String((plan.payload as { summary: string }).summary)
        : JSON.stringify(plan.payload).slice(0, 500);
  return {
    id,
    run_id: agg.run.id,
    run_status: agg.run.status,
    plan_summary: planText,
    artifact_summary: agg.artifacts.map(
      (a) => `${a.artifactType} v${a.version} (${a.id}) by ${a.producerType}`,
    ),
    checkpoint_summary: agg.checkpoints.map(
      (c) => `${c.branchName} @ ${c.headSha ?? c.baseRef}: ${c.status}`,
    ),
    issue_summary: live(agg.issues).map(
      (i) => `${i.stableKey ?? i.id} [${i.status}] ${i.title}${i.summary ? ` — ${i.summary}` : ''}`,
    ),
    stage_summary: live(agg.stages).map((s) => `${s.stableKey ?? s.id} [${s.status}] ${s.stageName}`),
    gate_summary: agg.gates.map(
      (g) => `${g.gate}: ${g.verdict}${g.reasons.length ? ` (${g.reasons.join('; ')})` : ''}`,
    ),
    evidence_summary: [
      ...agg.gates.flatMap((g) => g.evidence),
      ...(status.latest_verification_artifact_id === null
        ? []
        : [`verification ${status.latest_verification} (${status.latest_verification_artifact_id})`]),
    ],
    blockers: status.blockers,
    waiting_on: status.waiting_on,
    diagnostics: status.diagnostics,
    next_actions: status.next_actions,
    open_risks: [
      ...live(agg.issues)
        .filter((i) => i.status !== 'passed')
        .map((i) => `issue ${i.stableKey ?? i.id} not passed (${i.status})`),
      ...(status.latest_verification === 'failed' ? ['latest verification failed'] : []),
    ],
  };
}

import {
  COMPLETION_TYPE,
  STAGE_GRAPH_TYPES,
  latestOf,
  live,
  type Issue,
  type RunAggregate,
  type RunStatus,
  type Stage,
} from './run-model.js';

/**
 * Moves work forward as far as its dependencies allow: an issue whose dependencies all passed, in a stage
 * whose prerequisite stages all passed, becomes ready; a stage whose issues all passed passes; a stage with
 * work under way is running. Repeated until nothing moves, so a stage that passes opens the stages after
 * it in the same step. Only ever promotes; statuses set by hand (failed, blocked) stay. Returns the records
 * that changed.
 */
export function reconcile(agg: RunAggregate, now: string): { stages: Stage[]; issues: Issue[] } {
  const issues = live(agg.issues);
  const stages = live(agg.stages);
  const issueStatus = new Map(agg.issues.map((i) => [i.id, i.status]));
  const stageStatus = new Map(agg.stages.map((s) => [s.id, s.status]));
  const liveStages = new Map(stages.map((s) => [s.id, s]));
  // A superseded or unknown prerequisite does not hold a stage back.
  const stageOpen = (stageId: string | null) =>
    (stageId === null ? [] : (liveStages.get(stageId)?.dependsOn ?? []))
      .filter((d) => liveStages.has(d))
      .every((d) => stageStatus.get(d) === 'passed');
  for (let moved = true; moved;) {
    moved = false;
    for (const i of issues) {
      if (issueStatus.get(i.id) !== 'pending' || !stageOpen(i.stageId)) continue;
      const liveDeps = i.dependsOn.filter((d) => issues.some((x) => x.id === d));
      if (liveDeps.every((d) => issueStatus.get(d) === 'passed')) {
        issueStatus.set(i.id, 'ready');
        moved = true;
      }
    }
    for (const s of stages) {
      const own = issues.filter((i) => i.stageId === s.id).map((i) => issueStatus.get(i.id));
      const current = stageStatus.get(s.id) ?? s.status;
      let next = current;
      if (
        own.length > 0 &&
        own.every((x) => x === 'passed') &&
        ['pending', 'ready', 'running'].includes(current)
      ) {
        next = 'passed';
      } else if (
        own.some((x) => x === 'running' || x === 'passed') &&
        ['pending', 'ready'].includes(current)
      ) {
        next = 'running';
      } else if (current === 'pending' && own.some((x) => x === 'ready')) {
        next = 'ready';
      }
      if (next !== current) {
        stageStatus.set(s.id, next);
        moved = true;
      }
    }
  }
  return {
    stages: stages
      .filter((s) => stageStatus.get(s.id) !== s.status)
      .map((s) => ({ ...s, status: stageStatus.get(s.id)!, updatedAt: now, version: s.version + 1 })),
    issues: issues
      .filter((i) => issueStatus.get(i.id) !== i.status)
      .map((i) => ({ ...i, status: issueStatus.get(i.id)!, updatedAt: now, version: i.version + 1 })),
  };
}

export interface GateEvaluation {
  readonly verdict: 'pass' | 'fail' | 'needs_review';
  readonly reasons: string[];
  readonly evidence: string[];
}

export interface VerificationSummary {
  readonly state: 'passed' | 'failed' | 'skipped' | 'pending';
  readonly artifactId: string | null;
}

export function latestVerification(agg: RunAggregate): VerificationSummary {
  const report = latestOf(agg.artifacts, ['verification_report']);
  if (report === undefined) return { state: 'pending', artifactId: null };
  const p = report.payload as { success?: unknown; skipped?: unknown };
  const state = p.skipped === true ? 'skipped' : p.success === true ? 'passed' : 'failed';
  return { state, artifactId: report.id };
}

export const stageGraphMaterialised = (agg: RunAggregate): boolean => {
  const graph = latestOf(agg.artifacts, STAGE_GRAPH_TYPES);
  return graph !== undefined && agg.stages.some((s) => s.materializedFromArtifactId === graph.id);
};

/** The gate kinds the kernel can evaluate itself; other kinds are only ever supplied from outside. */
export const EVALUATED_GATES = ['planning', 'merge_readiness'] as const;

export function evaluateGate(gate: (typeof EVALUATED_GATES)[number], agg: RunAggregate): GateEvaluation {
  const reasons: string[] = [];
  const evidence: string[] = [];
  if (gate === 'planning') {
    for (const type of ['problem_interpretation', 'delivery_spec']) {
      const a = latestOf(agg.artifacts, [type]);
      if (a === undefined) reasons.push(`no ${type} artifact`);
      else evidence.push(`${type} ${a.id}`);
    }
    if (!stageGraphMaterialised(agg)) reasons.push('no materialized stage graph');
    else evidence.push(`${live(agg.stages).length} stages, ${live(agg.issues).length} issues materialized`);
    return { verdict: reasons.length === 0 ? 'pass' : 'fail', reasons, evidence };
  }
  const stages = live(agg.stages);
  if (stages.length === 0) reasons.push('no stages');
  for (const s of stages)
    if (s.status !== 'passed') reasons.push(`stage ${s.stableKey ?? s.id} is ${s.status}`);
  if (stages.length > 0 && stages.every((s) => s.status === 'passed'))
    evidence.push(`all ${stages.length} stages passed`);
  const v = latestVerification(agg);
  if (v.state === 'passed') evidence.push(`verification ${v.artifactId} passed`);
  else reasons.push(v.artifactId === null ? 'no verification report' : `latest verification ${v.state}`);
  for (const i of live(agg.issues)) {
    if (i.status === 'failed' || i.status === 'blocked')
      reasons.push(`issue ${i.stableKey ?? i.id} is ${i.status}`);
  }
  const checkpoint = agg.checkpoints.at(-1);
  if (checkpoint === undefined) reasons.push('no checkpoint');
  else if (checkpoint.status !== 'ready')
    reasons.push(`latest checkpoint ${checkpoint.id} is ${checkpoint.status}`);
  else evidence.push(`checkpoint ${checkpoint.id} ready`);
  return { verdict: reasons.length === 0 ? 'pass' : 'fail', reasons, evidence };
}

export type AdvanceDecision =
  | {
      readonly advanced: true;
      readonly from: RunStatus;
      readonly to: RunStatus;
      readonly writeCompletion: boolean;
    }
  | { readonly advanced: false; readonly blockers: string[]; readonly nextActions: string[] };

/** One step of the run state machine, when its precondition holds; otherwise what blocks it and what to do. */
export function decideAdvance(agg: RunAggregate): AdvanceDecision {
  const { status } = agg.run;
  const step = (to: RunStatus, writeCompletion = false): AdvanceDecision => ({
    advanced: true,
    from: status,
    to,
    writeCompletion,
  });
  const blocked = (blockers: string[], nextActions: string[]): AdvanceDecision => ({
    advanced: false,
    blockers,
    nextActions,
  });
  switch (status) {
    case 'planning': {
      const g = evaluateGate('planning', agg);
      if (g.verdict === 'pass') return step('implementing');
      return blocked(g.reasons, g.reasons.map(actionFor));
    }
    case 'implementing': {
      const stages = live(agg.stages);
      const open = stages.filter((s) => s.status !== 'passed');
      if (stages.length > 0 && open.length === 0) return step('verifying');
      const ready = live(agg.issues).filter((i) => i.status === 'ready');
      return blocked(
        stages.length === 0 ? ['no stages'] : open.map((s) => `stage ${s.stableKey ?? s.id} is ${s.status}`),
        ready.length > 0
          ? ready.map((i) => `dispatch or complete issue ${i.stableKey ?? i.id} (${i.title})`)
          : ['complete the running issues'],
      );
    }
    case 'verifying': {
      const v = latestVerification(agg);
      if (v.state === 'passed') return step('gated');
      return blocked(
        [v.artifactId === null ? 'no verification report' : `latest verification ${v.state}`],
        ['run verification (POST /verify)'],
      );
    }
    case 'gated': {
      const g = evaluateGate('merge_readiness', agg);
      if (g.verdict === 'pass') return step('completed', true);
      return blocked(g.reasons, g.reasons.map(actionFor));
    }
    default:
      return blocked([`run is ${status}`], []);
  }
}

function actionFor(reason: string): string {
  if (reason.startsWith('no problem_interpretation')) return 'create a problem_interpretation artifact';
  if (reason.startsWith('no delivery_spec')) return 'create a delivery_spec artifact';
  if (reason.startsWith('no materialized stage graph')) return 'create a factory.kernel.stage_graph artifact';
  if (reason.startsWith('no checkpoint') || reason.includes('checkpoint')) return 'record a ready checkpoint';
  if (reason.includes('verification')) return 'run verification (POST /verify)';
  if (reason.startsWith('stage') || reason.startsWith('issue')) return `resolve: ${reason}`;
  return reason;
}

export const completionPayload = (agg: RunAggregate) => ({
  run_id: agg.run.id,
  stages_passed: live(agg.stages).length,
  issues_passed: live(agg.issues).filter((i) => i.status === 'passed').length,
  verification_artifact_id: latestVerification(agg).artifactId,
  checkpoint_id: agg.checkpoints.at(-1)?.id ?? null,
});

export { COMPLETION_TYPE };

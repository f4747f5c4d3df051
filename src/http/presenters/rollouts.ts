import type {
  AnalysisAnswer,
  PolicyAnswer,
  ShadowAnswer,
  StatsAnswer,
  Verdict,
} from '../../contract/rollouts.js';
import type { ShadowReport } from '../../engine/rollouts/shadow-report.js';
import type { Revision } from '../../domain/cells/cell-model.js';
import type { CallStats } from '../../domain/rollouts/call-stats.js';
import { figuresOf } from '../../domain/rollouts/judge.js';
import type { StoredVerdict } from '../../engine/rollouts/rollout-ports.js';
import type { AnalysisView, PolicyView } from '../../engine/rollouts/rollout-service.js';
import type { Static } from 'typebox';

const iso = (ms: number) => new Date(ms).toISOString();

export const policyView = (p: PolicyView): Static<typeof PolicyAnswer> => ({
  cell: p.cell,
  policy: p.policy,
  version: p.version,
  updated_at: p.updatedAt,
  updated_by: p.updatedBy,
});

export const statsView = (
  cell: string,
  from: number,
  to: number,
  stepMs: number,
  revisions: readonly { revision: Revision; totals: CallStats; points: { at: number; stats: CallStats }[] }[],
): Static<typeof StatsAnswer> => ({
  cell,
  from: iso(from),
  to: iso(to),
  step_ms: stepMs,
  revisions: revisions.map((r) => ({
    version: r.revision.templateVersion,
    state: r.revision.state,
    totals: figuresOf(r.totals),
    points: r.points.map((p) => ({ at: iso(p.at), ...figuresOf(p.stats) })),
  })),
});

export const verdictView = (v: StoredVerdict): Static<typeof Verdict> => {
  const d = v.doc;
  return {
    seq: v.seq,
    window: Number(d.window ?? 0),
    state: v.state,
    verdict: v.verdict,
    reasons: (d.reasons as string[] | undefined) ?? [],
    canary: d.canary as Static<typeof Verdict>['canary'],
    baseline: (d.baseline ?? null) as Static<typeof Verdict>['baseline'],
    baseline_version: (d.baseline_version as string | null | undefined) ?? null,
    tests: (d.tests as Record<string, unknown> | undefined) ?? {},
    passes_in_a_row: Number(d.passes_in_a_row ?? 0),
    step: typeof d.step === 'string' ? d.step : 'continue',
    at: v.at,
  };
};

export const analysisView = (a: AnalysisView): Static<typeof AnalysisAnswer> => ({
  cell: a.cell,
  version: a.revision.templateVersion,
  state: a.revision.state,
  awaiting_approval: a.awaitingApproval,
  judge_failed: a.judgeFailed,
  next_evaluation_at: a.nextEvaluationAt === null ? null : iso(a.nextEvaluationAt),
  verdicts: a.verdicts.map(verdictView),
  next_cursor: a.nextCursor,
});

export const shadowView = (r: ShadowReport): Static<typeof ShadowAnswer> => ({
  cell: r.cell,
  version: r.revision.templateVersion,
  state: r.revision.state,
  enabled: r.policy.enabled,
  percent: r.policy.percent,
  current: r.current,
  calls: r.stats.calls,
  equal: r.stats.equal,
  different: r.stats.different,
  errors: r.stats.errors,
  dropped: r.stats.dropped,
  p95_ms: r.p95Ms,
  samples: r.samples.map((s) => ({
    at: iso(s.at),
    input: s.input,
    stable_output: s.stable_output,
    shadow_output: s.shadow_output,
    diff: s.diff,
  })),
});

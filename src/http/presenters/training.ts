import type { DatasetSummaryView, JobView } from '../../contract/training.js';
import type { Proposal, TrainingJob } from '../../domain/training/training-job.js';
import type { StoredDataset } from '../../engine/training/training-ports.js';

export const datasetView = (d: StoredDataset): DatasetSummaryView => ({
  id: d.id,
  name: d.name,
  version: d.version,
  sha256: d.sha256,
  size: d.size,
  split: {
    seed: d.split.seed,
    holdout_share: d.holdoutShare,
    train: d.split.train.length,
    holdout: d.split.holdout.length,
  },
  created_by: d.createdBy,
  created_at: d.createdAt,
});

const proposalView = (p: Proposal) => ({
  version: p.version,
  params: { ...p.params },
  train: p.train,
  holdout: p.holdout,
  fixes: p.fixes.map((c) => ({ ...c })),
  breaks: p.breaks.map((c) => ({ ...c })),
  decision: p.decision,
  decided_by: p.decidedBy,
});

export function jobView(j: TrainingJob): JobView {
  const last = j.iterations.at(-1);
  return {
    id: j.id,
    cell_id: j.cellId,
    dataset_id: j.datasetId,
    metric: j.metric,
    target: j.target,
    max_iterations: j.maxIterations,
    search: {
      strategy: j.strategy,
      space: Object.fromEntries(
        j.space.map(([name, spec]): [string, Record<string, unknown>] => {
          if (spec.kind === 'choice') return [name, { values: [...spec.values] }];
          const { kind: _kind, ...range } = spec;
          return [name, range];
        }),
      ),
      trials_per_iteration: j.trialsPerIteration,
      seed: j.seed,
    },
    hitl: j.hitl,
    state: j.state,
    phase: j.phase,
    base_version: j.baseVersion,
    base_params: { ...j.baseParams },
    score: j.score === null ? null : { ...j.score },
    trials: j.iterations.reduce((n, it) => n + it.trials.length, 0),
    iterations: j.iterations.map((it) => ({
      number: it.number,
      base_version: it.baseVersion,
      baseline: { ...it.baseline },
      candidates: it.candidates.map((c) => ({ ...c })),
      trials: it.trials.map((t) => ({ ...t })),
      proposal: it.proposal === null ? null : proposalView(it.proposal),
      outcome: it.outcome,
    })),
    proposal: j.state === 'awaiting_approval' && last?.proposal != null ? proposalView(last.proposal) : null,
    reason: j.reason,
    created_by: j.createdBy,
    created_at: j.createdAt,
    updated_at: j.updatedAt,
  };
}

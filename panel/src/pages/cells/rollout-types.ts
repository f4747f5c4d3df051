/** The rollout routes' answers, as the server's contract (src/contract/rollouts.ts) declares them. */
import type {
  AnalysisAnswer,
  PolicyAnswer,
  ShadowAnswer,
  StatsAnswer,
} from '../../../../src/contract/rollouts';

export type Analysis = AnalysisAnswer;
export type Verdict = AnalysisAnswer['verdicts'][number];
export type Figures = Verdict['canary'];
export type Policy = PolicyAnswer;
export type Stats = StatsAnswer;
export type Shadow = ShadowAnswer;

/** The steps a revision walks, in order (the states of `src/domain/cells/cell-lifecycle.ts`). */
export const STEPS = ['draft', 'canary', 'experimental', 'stable'] as const;
/** States the judge watches. */
export const ANALYSED: readonly string[] = ['canary', 'experimental'];

import type { VerdictKind } from './judge.js';
import type { RolloutPolicy } from './rollout-policy.js';

/** What a verdict makes the rollout do next (docs/rollouts.md "What a verdict does"). */
export type RolloutStep =
  | { readonly kind: 'continue' }
  | { readonly kind: 'promote' }
  | { readonly kind: 'await_approval'; readonly first: boolean }
  | { readonly kind: 'rollback' }
  | { readonly kind: 'hold' };

/**
 * `passesInARow` counts this verdict and the passing ones just before it in the revision's current state.
 * A pass streak reaching `passes_to_promote` promotes (hitl off) or marks the revision awaiting approval
 * (hitl on; `first` the first time, when people are told); a fail rolls back or holds.
 */
export function nextStep(verdict: VerdictKind, passesInARow: number, policy: RolloutPolicy): RolloutStep {
  if (verdict === 'fail') return { kind: policy.analysis.on_fail === 'rollback' ? 'rollback' : 'hold' };
  if (verdict !== 'pass' || passesInARow < policy.analysis.passes_to_promote) return { kind: 'continue' };
  if (!policy.hitl) return { kind: 'promote' };
  return { kind: 'await_approval', first: passesInARow === policy.analysis.passes_to_promote };
}

/** Trailing passes in a list of verdicts, newest first. */
export const passesInARow = (newestFirst: readonly VerdictKind[]): number => {
  let n = 0;
  for (const v of newestFirst) {
    if (v !== 'pass') break;
    n += 1;
  }
  return n;
};

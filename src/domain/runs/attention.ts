import { ATTENTION_VERDICTS, isTerminal, live, type RunAggregate } from './run-model.js';

/**
 * What only a person can resolve: a stage or issue someone marked blocked or that failed, and a gate
 * whose latest verdict asks for a human (fail, failed, needs_review, needs_further_review). These are
 * the run's `blockers`; a precondition the run merely waits for (an artifact not written yet, a stage
 * still running) is not one of them but is listed in `waiting_on` (clients stop watching a run when
 * blockers appear). A finished run has none.
 */
export function personBlockers(agg: RunAggregate): string[] {
  if (isTerminal(agg.run.status)) return [];
  const stuck = (s: string) => s === 'blocked' || s === 'failed';
  const latest = new Map(agg.gates.map((g) => [g.gate, g.verdict]));
  const stalled = agg.run.supervision?.stalled ?? null;
  return [
    // The supervisor cannot go on (no room to dispatch to): someone has to provide one.
    ...(stalled === null ? [] : [stalled]),
    ...live(agg.stages)
      .filter((s) => stuck(s.status))
      .map((s) => `stage ${s.stableKey ?? s.id} is ${s.status}`),
    ...live(agg.issues)
      .filter((i) => stuck(i.status))
      .map((i) => `issue ${i.stableKey ?? i.id} is ${i.status}`),
    ...[...latest]
      .filter(([, verdict]) => ATTENTION_VERDICTS.includes(verdict))
      .map(([gate, verdict]) => `gate ${gate} needs review: ${verdict}`),
  ];
}

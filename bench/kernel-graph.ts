/** The run shape every case of the run-kernel benchmark takes through its lifecycle. */

/** `stages` stages in a chain, `issues` issues each; every issue depends on the previous stage's issues. */
export function stageGraph(stages: number, issues: number) {
  const issueKeys = (s: number) => Array.from({ length: issues }, (_, i) => `s${s}-i${i}`);
  return {
    stages: Array.from({ length: stages }, (_, s) => ({
      key: `s${s}`,
      name: `Stage ${s}`,
      depends_on: s === 0 ? [] : [`s${s - 1}`],
      issues: issueKeys(s).map((key) => ({
        key,
        title: `Issue ${key}`,
        kind: 'code',
        depends_on: s === 0 ? [] : issueKeys(s - 1),
        acceptance_criteria: ['tests pass'],
      })),
    })),
  };
}

/** Issue keys in the order the lifecycle passes them (dependencies first). */
export const issueOrder = (stages: number, issues: number): string[] =>
  Array.from({ length: stages }, (_, s) => Array.from({ length: issues }, (_, i) => `s${s}-i${i}`)).flat();

/**
 * Durable steps of one lifecycle: create, 3 artifacts (problem interpretation, delivery spec, stage
 * graph), 4 advances, one per issue, verification, checkpoint — 30 for 10 stages × 2 issues.
 */
export const stepsPerRun = (stages: number, issues: number): number => 1 + 3 + 4 + stages * issues + 2;

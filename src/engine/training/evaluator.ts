import { cellTypeOf, type CellTemplate } from '../../domain/cells/cell-template.js';
import type { Example } from '../../domain/training/dataset.js';
import { exampleScore, score, type Metric } from '../../domain/training/metrics.js';
import { operationFor } from '../../runtime/adapter/registry.js';

/** A template made ready to run: its operation and configuration resolved once, then called per example. */
export type Runner = (input: unknown) => { ok: true; output: unknown } | { ok: false; reason: string };

/**
 * Runs a template's settings as the adapter backend runs a revision (the same operation and the same
 * configuration the invoker builds), without making a revision of every candidate a search tries.
 */
export function runnerFor(t: CellTemplate): Runner | null {
  const op = operationFor(cellTypeOf(t));
  if (op === undefined) return null;
  const config = {
    metadata: t.metadata,
    links: t.links,
    ...(t.confidence_threshold === undefined ? {} : { confidenceThreshold: t.confidence_threshold }),
  };
  return (input) => op.run(input, config);
}

export interface Evaluation {
  readonly score: number;
  /** Each example's score, in the order given (a failed call scores 0). */
  readonly perExample: readonly number[];
}

/** Scores a runner on examples with a metric. */
export function evaluate(run: Runner, examples: readonly Example[], metric: Metric): Evaluation {
  const pairs = examples.map((e) => {
    const r = run(e.input);
    return { output: r.ok ? r.output : null, expected: e.expected };
  });
  return {
    score: score(metric, pairs),
    perExample: pairs.map((p) => exampleScore(metric, p.output, p.expected)),
  };
}

import type { EventRecord } from '../../domain/event.js';
import type { Metrics } from '../observability/metrics.js';

/**
 * The training series (docs/metrics.md), counted from the events a commit on this instance wrote: a step
 * that rolled back (and runs again) is never counted, and a step is counted by the instance that ran it.
 */
export function trainingMetrics(m: Metrics) {
  const iterations = m.counter(
    'training_iterations_total',
    'Training iterations finished (proposal decided, or none better found).',
  );
  const converged = m.counter(
    'training_converged_total',
    'Training jobs that reached their target on the holdout set.',
  );
  const trials = m.counter(
    'training_trials_total',
    'Candidate settings scored by training jobs (one per trial; halving counts each rung).',
  );
  const score = m.gauge<'job'>(
    'training_score',
    'The holdout score of the revision a training job stands on.',
    {
      labelNames: ['job'],
    },
  );
  return {
    observe(events: readonly Omit<EventRecord, 'seq' | 'prevHash' | 'hash'>[]): void {
      for (const e of events) {
        if (e.subjectKind !== 'training') continue;
        switch (e.type) {
          case 'training.trial':
            trials.inc();
            break;
          case 'training.proposal_accepted':
          case 'training.proposal_rejected':
          case 'training.no_improvement':
            iterations.inc();
            break;
          case 'training.converged':
            converged.inc();
            break;
          case 'training.baseline': {
            const holdout = (JSON.parse(e.data) as { holdout?: unknown }).holdout;
            if (typeof holdout === 'number') score.labels(e.subjectId).set(holdout);
            break;
          }
          default:
            break;
        }
      }
    },
  };
}

import { FINAL_STATES, score, type Job } from './training-types';

/** One measurement of the job's base: an iteration's baseline, or the final one. */
export interface ScorePoint {
  readonly label: string;
  readonly train: number;
  readonly holdout: number;
}

/**
 * The base's scores over the job: each iteration's baseline, then the measurement that ended it (a
 * converged or exhausted job measured its last base without starting an iteration on it).
 */
export function scorePoints(job: Job): ScorePoint[] {
  const points = job.iterations.map((it) => ({
    label: `iteration ${it.number}`,
    train: it.baseline.train,
    holdout: it.baseline.holdout,
  }));
  if (FINAL_STATES.includes(job.state) && job.state !== 'stopped' && job.state !== 'failed' && job.score)
    points.push({ label: 'end', train: job.score.train, holdout: job.score.holdout });
  return points;
}

const W = 300;
const H = 120;
const PAD = 8;

/**
 * Train and holdout score per iteration, on a fixed 0–1 scale (scores are shares), the target as a
 * dashed line. The same numbers are the SVG's accessible name and the legend beside it.
 */
export function ScoreChart({ job }: { job: Job }) {
  const points = scorePoints(job);
  const x = (i: number) => (points.length <= 1 ? W / 2 : PAD + (i / (points.length - 1)) * (W - 2 * PAD));
  const y = (v: number) => H - PAD - v * (H - 2 * PAD);
  const line = (key: 'train' | 'holdout') =>
    points.map((p, i) => `${x(i).toFixed(1)},${y(p[key]).toFixed(1)}`).join(' ');
  const series = (key: 'train' | 'holdout') => points.map((p) => score(p[key])).join(' → ') || '—';
  const summary = `Score per iteration. Train: ${series('train')}. Holdout: ${series('holdout')}. Target ${score(job.target)}.`;
  return (
    <figure class="chart score-chart">
      <svg class="line-chart score-lines" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary}>
        <line
          class="score-target"
          x1="0"
          x2={W}
          y1={y(job.target)}
          y2={y(job.target)}
          vector-effect="non-scaling-stroke"
        />
        {(['train', 'holdout'] as const).map((key) => (
          <g key={key} class={`score-${key}`}>
            {points.length > 1 && (
              <polyline points={line(key)} fill="none" vector-effect="non-scaling-stroke" />
            )}
            {points.map((p, i) => (
              <circle key={i} cx={x(i)} cy={y(p[key])} r="3" />
            ))}
          </g>
        ))}
      </svg>
      <figcaption class="score-legend small">
        <span>
          <span class="swatch score-train-swatch" aria-hidden="true" /> train {series('train')}
        </span>
        <span>
          <span class="swatch score-holdout-swatch" aria-hidden="true" /> holdout {series('holdout')}
        </span>
        <span class="muted">target {score(job.target)} (dashed)</span>
      </figcaption>
    </figure>
  );
}

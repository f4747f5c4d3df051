import { formatDuration, formatNumber } from './format';

export interface Point {
  /** Milliseconds since the epoch. */
  readonly t: number;
  readonly v: number;
}

const W = 300;
const H = 100;

/**
 * A time series as a line over a filled area, scaled to its own maximum. The numbers that matter (latest,
 * peak, time span) are text beside it; the SVG carries the same summary as its accessible name.
 */
export function LineChart({
  label,
  unit,
  points,
}: {
  label: string;
  unit: string;
  points: readonly Point[];
}) {
  const latest = points.at(-1)?.v ?? 0;
  const peak = points.reduce((m, p) => Math.max(m, p.v), 0);
  const t0 = points[0]?.t ?? 0;
  const t1 = points.at(-1)?.t ?? 0;
  const span = Math.max(t1 - t0, 1);
  const top = peak > 0 ? peak : 1;
  const y = (v: number) => (H - (v / top) * (H - 4)).toFixed(1);
  // One point is a level, drawn across the whole width.
  const coords =
    points.length === 1
      ? [`0,${y(latest)}`, `${W},${y(latest)}`]
      : points.map((p) => `${(((p.t - t0) / span) * W).toFixed(1)},${y(p.v)}`);
  const summary = `${label}: now ${formatNumber(latest)} ${unit}, peak ${formatNumber(peak)} ${unit} over the last ${formatDuration(span / 1000)}`;
  return (
    <figure class="chart">
      <figcaption>
        <span>{label}</span>
        <strong class="chart-now">
          {formatNumber(latest)} <span class="muted">{unit}</span>
        </strong>
      </figcaption>
      <svg
        class="line-chart"
        viewBox={`0 0 ${W} ${H}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={summary}
      >
        <line class="chart-grid" x1="0" x2={W} y1={H / 2} y2={H / 2} vector-effect="non-scaling-stroke" />
        {coords.length > 1 && (
          <>
            <polygon class="chart-area" points={`0,${H} ${coords.join(' ')} ${W},${H}`} />
            <polyline class="chart-line" points={coords.join(' ')} vector-effect="non-scaling-stroke" />
          </>
        )}
      </svg>
      <div class="chart-axis muted small" aria-hidden="true">
        <span>peak {formatNumber(peak)}</span>
        <span>{formatDuration(span / 1000)} ago → now</span>
      </div>
    </figure>
  );
}

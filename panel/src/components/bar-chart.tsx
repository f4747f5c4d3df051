import { toneOf, type Tone } from './badge';
import { formatNumber } from './format';

export interface Bar {
  readonly label: string;
  readonly value: number;
  /** Colour of the bar; by default the tone of the label read as a state. */
  readonly tone?: Tone;
}

/**
 * Values side by side as horizontal bars, scaled to the largest. Each row is label, bar and number in
 * text, so the chart reads the same without its colours or shapes.
 */
export function BarChart({ label, bars, unit }: { label: string; bars: readonly Bar[]; unit?: string }) {
  const top = Math.max(1, ...bars.map((b) => b.value));
  return (
    <figure class="chart">
      <figcaption>
        <span>{label}</span>
      </figcaption>
      <ul class="bars">
        {bars.map((b) => (
          <li key={b.label}>
            <span class="bar-label">{b.label}</span>
            <svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
              <rect
                class={`bar-fill tone-${b.tone ?? toneOf(b.label)}`}
                width={(b.value / top) * 100}
                height="10"
              />
            </svg>
            <span class="bar-value">
              {formatNumber(b.value)}
              {unit === undefined ? '' : ` ${unit}`}
            </span>
          </li>
        ))}
      </ul>
    </figure>
  );
}

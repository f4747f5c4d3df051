import { BarChart, Empty, ErrorNotice, Loading, Section, formatNumber } from '../../components';
import type { MetricsView } from './metrics-sampler';

const ms = (v: number): string => (v >= 1000 ? `${formatNumber(v / 1000)} s` : `${formatNumber(v)} ms`);

/** The buckets from the first that holds a build to the last: empty ones at either end say nothing. */
const used = <B extends { count: number }>(buckets: readonly B[]): readonly B[] => {
  const first = buckets.findIndex((b) => b.count > 0);
  const last = buckets.findLastIndex((b) => b.count > 0);
  return first === -1 ? [] : buckets.slice(first, last + 1);
};

/** How long organ builds took to reach stable on this instance since it started (a histogram). */
export function BuildDurations({ metrics }: { metrics: MetricsView }) {
  const { builds, error } = metrics;
  return (
    <Section title="Organ build durations">
      {error !== null && <ErrorNotice error={error} />}
      {builds === null ? (
        error === null && <Loading what="build durations" />
      ) : builds.count === 0 ? (
        <Empty>No organ build has reached stable since this instance started.</Empty>
      ) : (
        <>
          <p>
            {formatNumber(builds.count)} {builds.count === 1 ? 'build' : 'builds'} reached stable since this
            instance started; mean {ms(builds.sum / builds.count)}.
          </p>
          <BarChart
            label="Builds by time to stable"
            bars={used(builds.buckets).map((b) => ({
              label: b.le === Infinity ? 'longer' : `≤ ${ms(b.le)}`,
              value: b.count,
              tone: 'neutral',
            }))}
          />
        </>
      )}
    </Section>
  );
}

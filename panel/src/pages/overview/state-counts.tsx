import type { CountsByState, IntrospectionStatus } from '../../api-types';
import { AsyncView, BarChart, Empty, Section } from '../../components';
import type { Loaded } from '../../hooks';

const bars = (counts: CountsByState) =>
  Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([label, value]) => ({ label, value }));

function Counts({ label, counts, none }: { label: string; counts: CountsByState; none: string }) {
  const b = bars(counts);
  return b.length === 0 ? (
    <figure class="chart">
      <figcaption>
        <span>{label}</span>
      </figcaption>
      <Empty>{none}</Empty>
    </figure>
  ) : (
    <BarChart label={label} bars={b} />
  );
}

/** Cells, organs and runs by state, as `GET /introspection/status` counts them. */
export function StateCounts({ status }: { status: Loaded<IntrospectionStatus> }) {
  return (
    <Section title="Records by state" wide>
      <AsyncView state={status} what="counts">
        {(s) => (
          <div class="charts charts-3">
            <Counts label="Cell revisions" counts={s.counts.cells} none="No cells yet." />
            <Counts label="Organs" counts={s.counts.organs} none="No organs yet." />
            <Counts label="Runs" counts={s.counts.runs} none="No runs yet." />
          </div>
        )}
      </AsyncView>
    </Section>
  );
}

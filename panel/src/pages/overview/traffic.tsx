import { ErrorNotice, LineChart, Loading, Section } from '../../components';
import type { MetricsView } from './metrics-sampler';

/** Request and error rates of this instance, from its own counters (the panel's requests count too). */
export function Traffic({ metrics }: { metrics: MetricsView }) {
  const { requests, errors, error } = metrics;
  return (
    <Section title="Traffic" wide={2}>
      {error !== null && <ErrorNotice error={error} />}
      {requests.length === 0 ? (
        error === null && <Loading what="request rates (the first figures take a second)" />
      ) : (
        <div class="charts charts-2">
          <LineChart label="Requests" unit="req/s" points={requests} />
          <LineChart label="Errors (status 400 and above)" unit="req/s" points={errors} />
        </div>
      )}
    </Section>
  );
}

import { can } from '../../access';
import type { IntrospectionStatus } from '../../api-types';
import { Badge } from '../../components';
import { useSignedIn } from '../../context';
import { useLoad } from '../../hooks';
import { useEventChanges } from '../../use-event-changes';
import { Approvals } from './approvals';
import { BuildDurations } from './build-durations';
import { Capabilities } from './capabilities';
import { Instance } from './instance';
import { useMetricsSampler } from './metrics-sampler';
import { SafeModePanel } from './safe-mode';
import { StateCounts } from './state-counts';
import { Traffic } from './traffic';

/** Events after which the overview reads its figures again at once rather than at the next poll. */
const CHANGES = 'capability.changed,safe_mode.changed,organ.stage_changed';

/** The state of the whole installation at a glance, and the admin's switches for it. */
export function OverviewPage() {
  const { api, who } = useSignedIn();
  const { changes: refresh, live, bump } = useEventChanges({ type: CHANGES });
  const status = useLoad(() => api.get<IntrospectionStatus>('/introspection/status'), [api, refresh], {
    everyMs: 5000,
  });
  const metrics = useMetricsSampler(api);

  return (
    <>
      <div class="page-head">
        <h1>Overview</h1>
        <span class="small" aria-live="polite">
          Changes: <Badge state={live === 'open' ? 'live' : live} tone={live === 'open' ? 'good' : 'warn'} />
        </span>
      </div>
      <div class="grid">
        <Instance status={status} />
        <SafeModePanel refresh={refresh} onChanged={bump} />
        {can(who, { adminOnly: true }) && <Approvals refresh={refresh} />}
        <Traffic metrics={metrics} />
        <BuildDurations metrics={metrics} />
        <StateCounts status={status} />
        <Capabilities refresh={refresh} onChanged={bump} />
      </div>
    </>
  );
}

import type { IntrospectionStatus } from '../../api-types';
import { AsyncView, Badge, Section, formatDuration, formatNumber } from '../../components';
import type { Loaded } from '../../hooks';

/** What this server is and how it is doing. */
export function Instance({ status }: { status: Loaded<IntrospectionStatus> }) {
  return (
    <Section title="This instance">
      <AsyncView state={status} what="status">
        {(s) => (
          <dl class="facts">
            <div>
              <dt>Version</dt>
              <dd>{s.version}</dd>
            </div>
            <div>
              <dt>Up for</dt>
              <dd>{formatDuration(s.uptime_s)}</dd>
            </div>
            <div>
              <dt>Store</dt>
              <dd>
                {s.store.kind}{' '}
                <Badge
                  state={s.store.healthy ? 'healthy' : 'unreachable'}
                  tone={s.store.healthy ? 'good' : 'bad'}
                />
                {s.store.migrations_pending.length > 0 && (
                  <span class="small"> migrations pending: {s.store.migrations_pending.join(', ')}</span>
                )}
              </dd>
            </div>
            <div>
              <dt>Event log head</dt>
              <dd>seq {formatNumber(s.event_log.head_seq)}</dd>
            </div>
            <div>
              <dt>Watchdog alarms</dt>
              <dd>
                {s.watchdogs.alarms.soft} soft, {s.watchdogs.alarms.hard} hard
              </dd>
            </div>
            <div>
              <dt>Approvals waiting</dt>
              <dd>{s.pending_approvals}</dd>
            </div>
          </dl>
        )}
      </AsyncView>
    </Section>
  );
}

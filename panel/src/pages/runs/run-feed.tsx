import { Empty, ErrorNotice, Section } from '../../components';
import { FEED_LIMIT, type RunLive } from './use-run-live';

/** An event's context as `key=value` pairs: the part of an event that says what changed. */
function contextText(context: unknown): string {
  if (typeof context !== 'object' || context === null) return '';
  return Object.entries(context as Record<string, unknown>)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}

const timeOf = (iso: string) => new Date(iso).toLocaleTimeString();

/** The run's events, newest first, appended as the server sends them. */
export function RunFeed({ live }: { live: RunLive }) {
  return (
    <Section title="Live events" wide>
      {live.refused !== null && <ErrorNotice error={live.refused} />}
      {live.feed.length === 0 ? (
        live.refused === null && <Empty>No events yet.</Empty>
      ) : (
        <div role="log" aria-label="Run events, newest first">
          <ol class="run-feed">
            {live.feed.map((e) => (
              <li key={e.seq} data-event={e.event_type}>
                <span class="muted small">
                  #{e.seq} · {timeOf(e.ts)}
                </span>{' '}
                <strong>{e.event_type}</strong>{' '}
                <span class="small">
                  {e.target_kind} <code>{e.target_id}</code>
                </span>{' '}
                <span class="small feed-context">{contextText(e.context)}</span>
              </li>
            ))}
          </ol>
        </div>
      )}
      {live.feed.length === FEED_LIMIT && (
        <p class="small muted">The newest {FEED_LIMIT} events are shown.</p>
      )}
    </Section>
  );
}

import { Empty, ErrorNotice, Section } from '../../components';
import type { FactoryEventFrame } from './run-types';
import { FEED_LIMIT, type RunLive } from './use-run-live';

/** An event's context as `key=value` pairs: the part of an event that says what changed. */
function contextText(context: unknown, leave: readonly string[] = []): string {
  if (typeof context !== 'object' || context === null) return '';
  return Object.entries(context as Record<string, unknown>)
    .filter(([k]) => !leave.includes(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}

/**
 * What an event says in words, where it has words: the supervisor's decisions ("dispatched issue i2 to
 * room r-2, attempt 2 of 3") and the run's moves. Null for the rest (their context says it).
 */
export function wordsOf(e: FactoryEventFrame): { text: string; leave: string[] } | null {
  const c = (typeof e.context === 'object' && e.context !== null ? e.context : {}) as Record<string, unknown>;
  if (e.event_type === 'supervisor.decided' && typeof c.decision === 'string')
    return { text: `Supervisor: ${c.decision}`, leave: ['decision'] };
  if (e.event_type === 'run.status_changed' && typeof c.to === 'string')
    return {
      text: `Run ${typeof c.from === 'string' ? `moved from ${c.from} to` : 'is now'} ${c.to}${typeof c.reason === 'string' ? `: ${c.reason}` : ''}`,
      leave: ['from', 'to', 'reason'],
    };
  return null;
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
            {live.feed.map((e) => {
              const words = wordsOf(e);
              return (
                <li key={e.seq} data-event={e.event_type}>
                  <span class="muted small">
                    #{e.seq} · {timeOf(e.ts)}
                  </span>{' '}
                  <strong>{e.event_type}</strong>{' '}
                  <span class="small">
                    {e.target_kind} <code>{e.target_id}</code>
                  </span>{' '}
                  {words !== null && <span class="feed-decision">{words.text}</span>}{' '}
                  <span class="small feed-context">{contextText(e.context, words?.leave)}</span>
                </li>
              );
            })}
          </ol>
        </div>
      )}
      {live.feed.length === FEED_LIMIT && (
        <p class="small muted">The newest {FEED_LIMIT} events are shown.</p>
      )}
    </Section>
  );
}

import { Badge } from '../../components';
import type { StageEntry } from './organ-types';
import { shortTime } from './time';

/** The organ's stages in order: state, when, who moved it, and why when a reason was given. */
export function StageTimeline({ history }: { history: readonly StageEntry[] }) {
  return (
    <ol class="timeline">
      {history.map((s, i) => (
        <li key={i}>
          <Badge state={s.state} /> <time dateTime={s.at}>{shortTime(s.at)}</time>{' '}
          <span class="muted">by</span> <span class="timeline-actor">{s.actor}</span>
          {s.reason !== undefined && <span class="small"> — {s.reason}</span>}
        </li>
      ))}
    </ol>
  );
}

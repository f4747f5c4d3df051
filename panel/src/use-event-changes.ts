import { useCallback, useEffect, useState } from 'preact/hooks';
import { useSignedIn } from './context';
import { openLive, type LiveState } from './live';

/** Events closer together than this count as one burst (a build moving through its stages, three approvals). */
const BURST_MS = 300;

/**
 * Follows `WS /events` with the given filter (`{subject_kind: 'cell'}`, `{type: 'a,b'}`) and counts the
 * bursts of events that arrive, so a page can load again when something changed: pass `changes` among
 * a load's dependencies. `bump` counts a change made from the page itself.
 */
export function useEventChanges(filter: Readonly<Record<string, string>>): {
  changes: number;
  live: LiveState;
  bump: () => void;
} {
  const { token } = useSignedIn();
  const [changes, setChanges] = useState(0);
  const [live, setLive] = useState<LiveState>('connecting');
  const bump = useCallback(() => setChanges((n) => n + 1), []);
  const key = JSON.stringify(filter);
  useEffect(() => {
    let pending: ReturnType<typeof setTimeout> | null = null;
    let opened = false;
    const stream = openLive<{ type: string }>({
      path: '/events',
      query: JSON.parse(key) as Record<string, string>,
      token,
      onState: (state) => {
        setLive(state);
        // The stream starts at "now": a change made between the page's first load and the stream's
        // opening would never come as an event, so load once more when it opens. (Reconnections resume
        // from the last event seen and miss nothing.)
        if (state === 'open' && !opened) {
          opened = true;
          bump();
        }
      },
      onFrame: (f) => {
        if (f.type === 'event' && pending === null) {
          pending = setTimeout(() => {
            pending = null;
            bump();
          }, BURST_MS);
        }
      },
    });
    return () => {
      if (pending !== null) clearTimeout(pending);
      stream.close();
    };
  }, [token, key, bump]);
  return { changes, live, bump };
}

import { useEffect, useState } from 'preact/hooks';
import { useSignedIn } from '../../context';
import { openLive, type LiveState } from '../../live';

/**
 * Follows run events on `WS /events` (subject kind `run`; a tenant token gets its tenant's only) and
 * counts them, so a list can load again when one arrives. A burst (a run materialising its stage graph)
 * counts once.
 */
export function useRunEvents(): { changes: number; live: LiveState } {
  const { token } = useSignedIn();
  const [changes, setChanges] = useState(0);
  const [live, setLive] = useState<LiveState>('connecting');
  useEffect(() => {
    let pending: ReturnType<typeof setTimeout> | null = null;
    const stream = openLive<{ type: string }>({
      path: '/events',
      query: { subject_kind: 'run' },
      token,
      onState: setLive,
      onFrame: (f) => {
        if (f.type === 'event' && pending === null) {
          pending = setTimeout(() => {
            pending = null;
            setChanges((n) => n + 1);
          }, 300);
        }
      },
    });
    return () => {
      if (pending !== null) clearTimeout(pending);
      stream.close();
    };
  }, [token]);
  return { changes, live };
}

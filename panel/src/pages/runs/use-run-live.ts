import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../../api';
import { useSignedIn } from '../../context';
import { openLive, type LiveState } from '../../live';
import type { FactoryEventFrame, LiveFrame, RunStatusView } from './run-types';

/** The feed keeps this many of the newest events. */
export const FEED_LIMIT = 200;

export interface RunLive {
  /** The run's events, newest first: its history on opening, then each as it happens. */
  readonly feed: readonly FactoryEventFrame[];
  /** The status aggregate the latest `factory.snapshot` frame carried. */
  readonly snapshot: RunStatusView | null;
  /** Counts the events that arrived after the page opened, so the page can read its lists again. */
  readonly changes: number;
  readonly state: LiveState;
  /** The server refused the stream (no such run, another tenant's run). */
  readonly refused: ApiError | null;
}

/**
 * The run's live stream, `WS /llm/live?run_id=`, from the first event (`after=0`): the feed starts with
 * the run's history, and each later event is followed by a snapshot of the status aggregate.
 */
export function useRunLive(runId: string): RunLive {
  const { token } = useSignedIn();
  const [feed, setFeed] = useState<readonly FactoryEventFrame[]>([]);
  const [snapshot, setSnapshot] = useState<RunStatusView | null>(null);
  const [changes, setChanges] = useState(0);
  const [state, setState] = useState<LiveState>('connecting');
  const [refused, setRefused] = useState<ApiError | null>(null);
  // Events up to the log's head at the first connection are history the page loaded anyway.
  const historyHead = useRef<number | null>(null);

  useEffect(() => {
    setFeed([]);
    setSnapshot(null);
    setRefused(null);
    historyHead.current = null;
    let pending: ReturnType<typeof setTimeout> | null = null;
    const stream = openLive<LiveFrame>({
      path: '/llm/live',
      query: { run_id: runId },
      after: 0,
      token,
      onState: setState,
      onRefused: (code, reason) => setRefused(new ApiError(0, code, reason)),
      onFrame: (f) => {
        if (f.type === 'hello') {
          historyHead.current ??= f.head;
        } else if (f.type === 'factory.event') {
          setFeed((old) => (old.some((e) => e.seq === f.seq) ? old : [f, ...old].slice(0, FEED_LIMIT)));
          if (f.seq > (historyHead.current ?? 0) && pending === null) {
            // A burst of events (a stage graph materialising) reads the lists once.
            pending = setTimeout(() => {
              pending = null;
              setChanges((n) => n + 1);
            }, 300);
          }
        } else if (f.type === 'factory.snapshot' && f.run_id === runId) {
          setSnapshot(f.data);
        }
      },
    });
    return () => {
      if (pending !== null) clearTimeout(pending);
      stream.close();
    };
  }, [runId, token]);

  return { feed, snapshot, changes, state, refused };
}

import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { toApiError, type ApiError } from '../../api';
import { useSignedIn } from '../../context';
import { openLive, type LiveState } from '../../live';
import type { EventFrame, OrganPage, OrganView } from './organ-types';

/** The API's largest page: a thousand organs come in one request. */
export const PAGE_SIZE = 1000;

export interface OrganList {
  /** Undefined until the first page arrives. */
  readonly organs: readonly OrganView[] | undefined;
  readonly error: ApiError | null;
  readonly loading: boolean;
  /** More pages wait on the server. */
  readonly hasMore: boolean;
  readonly loadMore: () => void;
  readonly reload: () => void;
  readonly live: LiveState;
}

/**
 * The organs (those in `state`, or all with ''), page after page in the server's order (oldest first),
 * kept current by the organ events of `WS /events`: each organ an event names is read again and its row
 * replaced, dropped (it left the filter) or added at the end (a new organ, once every page is shown).
 */
export function useOrganList(state: string): OrganList {
  const { api, token } = useSignedIn();
  const [organs, setOrgans] = useState<readonly OrganView[] | undefined>(undefined);
  const [cursor, setCursor] = useState<number | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const [live, setLive] = useState<LiveState>('connecting');
  const [generation, setGeneration] = useState(0);
  // What the live updates need without reopening the stream: the filter and whether all pages are in.
  const filter = useRef(state);
  filter.current = state;
  const complete = useRef(false);
  complete.current = cursor === null && organs !== undefined;
  const latest = useRef(0);

  const fetchPage = useCallback(
    (after: number | null) => {
      const id = ++latest.current;
      setLoading(true);
      api
        .get<OrganPage>('/organs', {
          limit: PAGE_SIZE,
          ...(state === '' ? {} : { state }),
          ...(after === null ? {} : { after }),
        })
        .then(
          (page) => {
            if (id !== latest.current) return;
            setOrgans((rows) =>
              after === null || rows === undefined ? page.organs : [...rows, ...page.organs],
            );
            setCursor(page.next_cursor);
            setError(null);
            setLoading(false);
          },
          (e: unknown) => {
            if (id !== latest.current) return;
            const err = toApiError(e);
            // A refusal (a locked gate, say) means the list is no longer ours to show.
            if (err.status !== 0 && err.status < 500) setOrgans(undefined);
            setError(err);
            setLoading(false);
          },
        );
    },
    [api, state],
  );

  useEffect(() => fetchPage(null), [fetchPage, generation]);

  useEffect(() => {
    const queued = new Set<string>();
    let timer: ReturnType<typeof setTimeout> | null = null;
    let closed = false;
    const refresh = (id: string) =>
      api.get<OrganView>(`/organs/${encodeURIComponent(id)}/status`).then(
        (o) => {
          if (closed) return;
          const wanted = filter.current === '' || o.state === filter.current;
          setOrgans((rows) => {
            if (rows === undefined) return rows;
            const at = rows.findIndex((r) => r.id === id);
            if (at >= 0)
              return wanted ? rows.map((r, i) => (i === at ? o : r)) : rows.filter((r) => r.id !== id);
            return wanted && complete.current ? [...rows, o] : rows;
          });
        },
        (e: unknown) => {
          if (!closed) setError(toApiError(e));
        },
      );
    // A build's burst of events (started, stage changed, awaiting approval) reads each organ once.
    const flush = () => {
      timer = null;
      const ids = [...queued];
      queued.clear();
      for (const id of ids) void refresh(id);
    };
    const stream = openLive<EventFrame>({
      path: '/events',
      query: { subject_kind: 'organ' },
      token,
      onState: setLive,
      onRefused: (code, reason) => setError(toApiError(new Error(`${code}: ${reason}`))),
      onFrame: (f) => {
        if (f.type !== 'event') return;
        queued.add(f.event.subject_id);
        timer ??= setTimeout(flush, 150);
      },
    });
    return () => {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      stream.close();
    };
  }, [api, token]);

  return {
    organs,
    error,
    loading,
    hasMore: cursor !== null,
    loadMore: () => {
      if (cursor !== null) fetchPage(cursor);
    },
    reload: () => setGeneration((n) => n + 1),
    live,
  };
}

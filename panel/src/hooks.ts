import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { toApiError, type ApiError } from './api';

export interface Loaded<T> {
  /** The last answer; kept while a reload runs, or after a reload failed for a passing fault. */
  readonly data: T | undefined;
  /** The last load's failure; cleared by the next success. */
  readonly error: ApiError | null;
  /** True while a load runs. */
  readonly loading: boolean;
  readonly reload: () => void;
}

/**
 * Runs `load` now, whenever `deps` change, on `reload()`, and every `everyMs` while the tab is visible.
 * An answer that arrives after a newer load started is dropped.
 */
export function useLoad<T>(
  load: () => Promise<T>,
  deps: readonly unknown[],
  opts: { readonly everyMs?: number } = {},
): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: ApiError | null; loading: boolean }>({
    data: undefined,
    error: null,
    loading: true,
  });
  const latest = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const run = useCallback(() => {
    const id = ++latest.current;
    setState((s) => ({ ...s, loading: true }));
    loadRef.current().then(
      (data) => {
        if (id === latest.current) setState({ data, error: null, loading: false });
      },
      (e: unknown) => {
        if (id !== latest.current) return;
        const error = toApiError(e);
        // A refusal means the data is no longer the caller's to see; a fault may pass, so keep showing it.
        const keep = error.status === 0 || error.status >= 500;
        setState((s) => ({ data: keep ? s.data : undefined, error, loading: false }));
      },
    );
  }, []);

  // The caller names what the load depends on.
  useEffect(run, deps);
  useInterval(() => {
    if (!document.hidden) run();
  }, opts.everyMs ?? null);
  // An answer arriving after the page has gone is dropped.
  useEffect(
    () => () => {
      latest.current = -1;
    },
    [],
  );

  return { ...state, reload: run };
}

/** Calls `fn` every `ms` (null: never), always the latest `fn`. */
export function useInterval(fn: () => void, ms: number | null): void {
  const fnRef = useRef(fn);
  fnRef.current = fn;
  useEffect(() => {
    if (ms === null) return;
    const timer = setInterval(() => fnRef.current(), ms);
    return () => clearInterval(timer);
  }, [ms]);
}

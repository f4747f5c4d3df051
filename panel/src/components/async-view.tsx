import type { ComponentChildren } from 'preact';
import type { Loaded } from '../hooks';
import { Empty } from './empty';
import { ErrorNotice } from './error-notice';
import { Loading } from './loading';

/**
 * The three states of anything loaded from the API, always handled the same way: loading (until the
 * first answer), the server's reason on failure (above the last good answer, if any), an empty state,
 * then the content.
 */
export function AsyncView<T>({
  state,
  what,
  isEmpty,
  empty,
  children,
}: {
  state: Loaded<T>;
  /** What is loading, for the loading text: `capabilities`. */
  what: string;
  isEmpty?: (data: T) => boolean;
  /** What to say when `isEmpty` holds. */
  empty?: ComponentChildren;
  children: (data: T) => ComponentChildren;
}) {
  const { data, error } = state;
  return (
    <>
      {error !== null && <ErrorNotice error={error} onRetry={state.reload} />}
      {data === undefined ? (
        error === null && <Loading what={what} />
      ) : isEmpty?.(data) === true ? (
        <Empty>{empty}</Empty>
      ) : (
        children(data)
      )}
    </>
  );
}

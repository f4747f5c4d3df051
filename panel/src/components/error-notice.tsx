import type { ApiError } from '../api';

/** An API failure as the server worded it: code and reason, announced to screen readers. */
export function ErrorNotice({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  return (
    <div role="alert" class="notice notice-error">
      <p>
        <code class="error-code">{error.code}</code>: <span class="error-reason">{error.reason}</span>
      </p>
      {error.requestId !== null && <p class="muted small">request id {error.requestId}</p>}
      {onRetry && (
        <button type="button" class="button-small" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

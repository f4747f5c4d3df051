import { can } from '../../access';
import { Badge, ErrorNotice, Loading } from '../../components';
import { useSignedIn } from '../../context';
import { useLoad } from '../../hooks';
import type { PageProps } from '../../router';
import { href } from '../../router';
import { RunControls } from './run-controls';
import { RunFeed } from './run-feed';
import { RunReview } from './run-review';
import { RunFacts, RunStatusPanel, RunToDo } from './run-summary';
import { TERMINAL_RUN_STATUSES, type RunStatusView, type RunView } from './run-types';
import { RunVerification } from './run-verification';
import { RunWork } from './run-work';
import { useRunLive } from './use-run-live';

const base = (id: string) => `/llm/factory/runs/${encodeURIComponent(id)}`;

/** The newer of the loaded aggregate and the latest snapshot (a snapshot wins a tie: it is read later). */
function newer(loaded: RunStatusView | undefined, snap: RunStatusView | null): RunStatusView | undefined {
  if (snap === null) return loaded;
  if (loaded === undefined) return snap;
  return loaded.updated_at > snap.updated_at ? loaded : snap;
}

/** One run: where it stands, what blocks it, its review bundle and its events as they happen. */
export function RunPage({ params }: PageProps) {
  const id = params.id ?? '';
  const { api, who } = useSignedIn();
  const live = useRunLive(id);
  const run = useLoad(() => api.get<RunView>(base(id)), [api, id, live.changes]);
  const loadedStatus = useLoad(() => api.get<RunStatusView>(`${base(id)}/status`), [api, id, live.changes]);
  const status = newer(loadedStatus.data, live.snapshot);
  const current = status?.status ?? run.data?.status;
  const reload = () => {
    run.reload();
    loadedStatus.reload();
  };

  const back = (
    <p class="small">
      <a href={href('/runs')}>← All runs</a>
    </p>
  );
  // A run this token may not see (or that does not exist): the server's reason, and nothing else.
  if (run.data === undefined && run.error !== null) {
    return (
      <>
        {back}
        <h1>Run {id}</h1>
        <ErrorNotice error={run.error} onRetry={run.reload} />
      </>
    );
  }
  if (run.data === undefined) {
    return (
      <>
        {back}
        <h1>Run {id}</h1>
        <Loading what="the run" />
      </>
    );
  }
  const r = run.data;
  const open = current !== undefined && !TERMINAL_RUN_STATUSES.includes(current);

  return (
    <>
      {back}
      <div class="page-head">
        <h1>
          {r.title ?? r.source_brief ?? r.id} {current !== undefined && <Badge state={current} />}
        </h1>
        <span class="small" aria-live="polite">
          Events:{' '}
          <Badge
            state={live.state === 'open' ? 'live' : live.state}
            tone={live.state === 'open' ? 'good' : 'warn'}
          />
        </span>
      </div>
      {run.error !== null && <ErrorNotice error={run.error} onRetry={run.reload} />}
      {loadedStatus.error !== null && (
        <ErrorNotice error={loadedStatus.error} onRetry={loadedStatus.reload} />
      )}
      <div class="grid">
        <RunFacts run={r} status={status} />
        {status === undefined ? (
          <Loading what="the run's status" />
        ) : (
          <>
            <RunStatusPanel status={status} />
            <RunToDo status={status} />
            <RunVerification runId={id} status={status} />
          </>
        )}
        {open && can(who, { access: 'edit' }) && <RunControls runId={id} onChanged={reload} />}
        <RunReview runId={id} changes={live.changes} />
        <RunWork runId={id} changes={live.changes} />
        <RunFeed live={live} />
      </div>
    </>
  );
}

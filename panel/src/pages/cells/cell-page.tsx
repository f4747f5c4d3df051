import { useEffect, useState } from 'preact/hooks';
import { can } from '../../access';
import { ApiError } from '../../api';
import { AsyncView, Badge, ErrorNotice, Section, formatTime } from '../../components';
import { useSignedIn } from '../../context';
import { useLoad } from '../../hooks';
import { openLive, type LiveState } from '../../live';
import { href, type PageProps } from '../../router';
import { cellApi, type CellFrame, type CellView } from './cell-types';
import { InvokeBox } from './invoke-box';
import { RevisionCard } from './revision-card';
import { RolloutView } from './rollout-view';

/** When the cell or any of its revisions last changed (ISO 8601 text compares in time order). */
const changedAt = (c: CellView): string =>
  c.revisions.reduce((latest, r) => (r.updated_at > latest ? r.updated_at : latest), c.updated_at);

/**
 * The view to show: `next` unless it is older than what is shown. A GET sent before a change can be
 * answered after the stream's snapshot of that change, and must not put the old state back.
 */
const newer = (shown: CellView | undefined, next: CellView): CellView =>
  shown === undefined || changedAt(next) >= changedAt(shown) ? next : shown;

/**
 * `#/cells/:id`: one cell, its revisions with their transitions, statistics and commands, and an invoke
 * box. The cell's stream sends a snapshot after each of its events, so changes made anywhere show at once.
 */
export function CellPage({ params }: PageProps) {
  const id = params.id ?? '';
  const { api, token, who } = useSignedIn();
  const loaded = useLoad(() => api.get<CellView>(cellApi(id)), [api, id]);
  // The newest view of the cell: the last GET answer or the last snapshot, whichever came later.
  const [cell, setCell] = useState<CellView | undefined>(undefined);
  const [live, setLive] = useState<LiveState>('connecting');
  const [refused, setRefused] = useState<ApiError | null>(null);

  useEffect(() => {
    const answer = loaded.data;
    if (answer !== undefined) setCell((shown) => newer(shown, answer));
  }, [loaded.data]);

  useEffect(() => {
    setCell(undefined);
    setRefused(null);
    const stream = openLive<CellFrame>({
      path: cellApi(id, '/stream'),
      token,
      onState: setLive,
      onFrame: (f) => {
        if (f.type === 'snapshot' && f.cell !== null) {
          const snapshot = f.cell;
          setCell((shown) => newer(shown, snapshot));
        }
      },
      onRefused: (code, reason) => setRefused(new ApiError(0, code, reason)),
    });
    return () => stream.close();
  }, [id, token]);

  const state = { ...loaded, data: cell ?? loaded.data };
  return (
    <>
      <div class="page-head">
        <h1 class="cells-title">
          Cell <code>{id}</code>
        </h1>
        <span class="small" aria-live="polite">
          Changes: <Badge state={live === 'open' ? 'live' : live} tone={live === 'open' ? 'good' : 'warn'} />
        </span>
      </div>
      <p>
        <a href={href('/cells')}>← All cells</a>
      </p>
      {refused !== null && loaded.error === null && <ErrorNotice error={refused} />}
      <AsyncView state={state} what="the cell">
        {(c) => (
          <div class="grid">
            <Section title="Cell" aside={c.state !== null && <Badge state={c.state} />}>
              <dl class="facts">
                <div>
                  <dt>Backend</dt>
                  <dd>{c.backend}</dd>
                </div>
                <div>
                  <dt>Template</dt>
                  <dd>
                    <code class="cells-wrap">{c.template_id}</code>
                  </dd>
                </div>
                <div>
                  <dt>Newest version</dt>
                  <dd>{c.version ?? '—'}</dd>
                </div>
                <div>
                  <dt>Serving</dt>
                  <dd>{c.serving ? 'yes' : 'no'}</dd>
                </div>
                <div>
                  <dt>Human in the loop</dt>
                  <dd>{c.hitl ? 'yes' : 'no'}</dd>
                </div>
                <div>
                  <dt>Created</dt>
                  <dd>{formatTime(c.created_at)}</dd>
                </div>
              </dl>
              {c.quarantine !== null && (
                <p class="notice notice-error">
                  Quarantined {formatTime(c.quarantine.at)}: {c.quarantine.reason}
                </p>
              )}
            </Section>
            {can(who, { adminOnly: true }) && (
              <InvokeBox cellId={c.id} revisions={c.revisions} onCalled={loaded.reload} />
            )}
            {can(who, { adminOnly: true }) && c.revisions.length > 0 && <RolloutView cell={c} />}
            <Section title="Revisions" wide>
              <div class="cells-revisions">
                {[...c.revisions].reverse().map((r) => (
                  <RevisionCard key={r.id} cellId={c.id} revision={r} onChanged={loaded.reload} />
                ))}
              </div>
            </Section>
          </div>
        )}
      </AsyncView>
    </>
  );
}

import { useState } from 'preact/hooks';
import { can } from '../../access';
import { toApiError, withQuery, type ApiError } from '../../api';
import { Badge, ConfirmButton, ErrorNotice, TextField, formatNumber, formatTime } from '../../components';
import { useSignedIn } from '../../context';
import {
  LIFECYCLE_COMMANDS,
  cellApi,
  type Created,
  type LifecycleCommand,
  type RevisionView,
} from './cell-types';

/** Commands that stop a revision serving: asked twice. */
const CONSEQUENTIAL: ReadonlySet<LifecycleCommand> = new Set(['disable', 'rollback', 'auto_rollback']);

const ms = (v: number | null): string => (v === null ? '—' : `${formatNumber(v)} ms`);

/** One revision: its state, calls, errors and latency, its transitions, and the lifecycle commands. */
export function RevisionCard({
  cellId,
  revision: r,
  onChanged,
}: {
  cellId: string;
  revision: RevisionView;
  onChanged: () => void;
}) {
  const { who } = useSignedIn();
  const heading = `Revision ${r.version}`;
  return (
    <article class="cells-revision" aria-label={heading} data-revision={r.version}>
      <div class="card-header">
        <h3>{heading}</h3>
        <Badge state={r.state} />
      </div>
      <dl class="facts">
        <div>
          <dt>Calls</dt>
          <dd>{formatNumber(r.stats.calls)}</dd>
        </div>
        <div>
          <dt>Errors</dt>
          <dd>{formatNumber(r.stats.errors)}</dd>
        </div>
        <div>
          <dt>Latency p50</dt>
          <dd>{ms(r.stats.p50_ms)}</dd>
        </div>
        <div>
          <dt>Latency p95</dt>
          <dd>{ms(r.stats.p95_ms)}</dd>
        </div>
      </dl>
      <p class="small muted">Calls, errors and latency are this server's since it started.</p>

      <h4>Transitions</h4>
      <ol class="cells-history">
        {r.history.map((t, i) => (
          <li key={i}>
            <span class="cells-history-move">
              {t.from === null ? 'created' : <Badge state={t.from} />} → <Badge state={t.to} />
            </span>{' '}
            <code>{t.command}</code> by <strong class="cells-history-actor">{t.actor}</strong>,{' '}
            <time dateTime={t.at}>{formatTime(t.at)}</time>
            {t.reason !== undefined && t.reason !== '' && (
              <span class="cells-history-reason">: {t.reason}</span>
            )}
          </li>
        ))}
      </ol>

      {can(who, { adminOnly: true }) && <Commands cellId={cellId} revision={r} onChanged={onChanged} />}
    </article>
  );
}

function Commands({
  cellId,
  revision: r,
  onChanged,
}: {
  cellId: string;
  revision: RevisionView;
  onChanged: () => void;
}) {
  const { api } = useSignedIn();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const send = async (command: LifecycleCommand) => {
    setError(null);
    setBusy(true);
    try {
      await api.post<Created>(
        withQuery(cellApi(cellId, `/${command}`), { version: r.version }),
        reason.trim() === '' ? {} : { reason: reason.trim() },
      );
      setReason('');
      onChanged();
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  };

  const allowed = LIFECYCLE_COMMANDS.filter((c) => r.allowed.includes(c));
  const others = LIFECYCLE_COMMANDS.filter((c) => !r.allowed.includes(c));
  const button = (c: LifecycleCommand, legal: boolean) =>
    CONSEQUENTIAL.has(c) ? (
      <ConfirmButton
        key={c}
        label={c}
        confirmLabel={`Yes, ${c} ${r.version}`}
        danger={legal}
        disabled={busy}
        onConfirm={() => send(c)}
      />
    ) : (
      <button
        key={c}
        type="button"
        class={legal ? undefined : 'button-secondary'}
        disabled={busy}
        onClick={() => void send(c)}
      >
        {c}
      </button>
    );

  return (
    <div class="cells-commands">
      <h4>Commands</h4>
      <p class="small muted">
        Allowed from {r.state}: {r.allowed.length === 0 ? 'none' : r.allowed.join(', ')}. The server explains
        any other move.
      </p>
      <TextField
        label={
          <>
            Reason<span class="visually-hidden"> for revision {r.version}</span> (optional)
          </>
        }
        hint="Kept in the revision's history."
        value={reason}
        onInput={setReason}
      />
      {allowed.length > 0 && <div class="cells-buttons">{allowed.map((c) => button(c, true))}</div>}
      {others.length > 0 && (
        // Kept within reach, since the view may be stale; the server explains a refusal.
        <details class="cells-other">
          <summary>Other commands</summary>
          <div class="cells-buttons">{others.map((c) => button(c, false))}</div>
        </details>
      )}
      {error !== null && <ErrorNotice error={error} />}
    </div>
  );
}

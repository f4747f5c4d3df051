import { useState } from 'preact/hooks';
import { toApiError, type ApiError } from '../../api';
import { ConfirmButton, ErrorNotice, Section, TextField } from '../../components';
import { useSignedIn } from '../../context';
import type { StartResult } from './run-types';

/** Start (run the supervisor) and cancel, for a token that may write runs; the run must still be open. */
export function RunControls({ runId, onChanged }: { runId: string; onChanged: () => void }) {
  const { api } = useSignedIn();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [started, setStarted] = useState<StartResult | null>(null);
  const [busy, setBusy] = useState(false);
  const path = `/llm/factory/runs/${encodeURIComponent(runId)}`;

  const act = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
      onChanged();
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Section title="Controls">
      <p class="small">Start advances the run as far as its preconditions allow.</p>
      <button
        type="button"
        disabled={busy}
        onClick={() =>
          void act(async () => {
            setStarted(await api.post<StartResult>(`${path}/start`));
          })
        }
      >
        Start
      </button>
      {started !== null && (
        <p class="small" role="status">
          Supervisor: the run is {started.status}
          {started.actions.length > 0 ? ` (${started.actions.join('; ')})` : '; nothing could advance.'}
        </p>
      )}
      <div class="inline-form">
        <TextField label="Reason" hint="Kept with the run." value={reason} onInput={setReason} />
        <ConfirmButton
          label="Cancel run"
          confirmLabel="Yes, cancel the run"
          danger
          disabled={busy}
          onConfirm={() =>
            act(async () => {
              await api.post(`${path}/cancel`, reason.trim() === '' ? {} : { reason: reason.trim() });
              setReason('');
            })
          }
        />
      </div>
      {error !== null && <ErrorNotice error={error} />}
    </Section>
  );
}

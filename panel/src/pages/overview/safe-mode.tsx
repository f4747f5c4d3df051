import { useState } from 'preact/hooks';
import { can } from '../../access';
import { toApiError, type ApiError } from '../../api';
import type { SafeMode } from '../../api-types';
import {
  AsyncView,
  Badge,
  ConfirmButton,
  ErrorNotice,
  Section,
  TextField,
  formatTime,
} from '../../components';
import { useSignedIn } from '../../context';
import { useLoad } from '../../hooks';

/** Safe mode, and for the admin token the switch (with a reason the audit trail keeps). */
export function SafeModePanel({ refresh, onChanged }: { refresh: number; onChanged: () => void }) {
  const { api, who } = useSignedIn();
  const state = useLoad(() => api.get<SafeMode>('/safe-mode'), [api, refresh], { everyMs: 5000 });
  const on = state.data?.on;
  return (
    <Section
      title="Safe mode"
      aside={on !== undefined && <Badge state={on ? 'on' : 'off'} tone={on ? 'bad' : 'good'} />}
    >
      <AsyncView state={state} what="safe mode">
        {(s) => (
          <>
            <p>
              {s.on ? 'On: only the admin token may write.' : 'Off: every token writes as its access allows.'}
            </p>
            {s.by !== null && (
              <p class="small muted">
                Turned {s.on ? 'on' : 'off'} by {s.by}
                {s.since !== null && `, ${formatTime(s.since)}`}
                {s.reason !== '' && `: ${s.reason}`}
              </p>
            )}
            {can(who, { adminOnly: true }) && (
              <SafeModeSwitch
                on={s.on}
                onChanged={() => {
                  state.reload();
                  onChanged();
                }}
              />
            )}
          </>
        )}
      </AsyncView>
    </Section>
  );
}

function SafeModeSwitch({ on, onChanged }: { on: boolean; onChanged: () => void }) {
  const { api } = useSignedIn();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const next = on ? 'off' : 'on';
  const turn = async () => {
    setError(null);
    try {
      await api.post('/safe-mode', { on: !on, reason });
      setReason('');
      onChanged();
    } catch (e) {
      setError(toApiError(e));
    }
  };
  return (
    <div class="inline-form">
      <TextField label="Reason" hint="Kept in the audit trail." value={reason} onInput={setReason} />
      <ConfirmButton
        label={`Turn safe mode ${next}`}
        confirmLabel={`Yes, turn safe mode ${next}`}
        danger={!on}
        onConfirm={turn}
      />
      {error !== null && <ErrorNotice error={error} />}
    </div>
  );
}

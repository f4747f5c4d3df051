import { useEffect, useState } from 'preact/hooks';
import { can } from '../../access';
import { toApiError, type ApiError } from '../../api';
import {
  CAPABILITY_LEVELS,
  type Capability,
  type CapabilityLevel,
  type CapabilityList,
} from '../../api-types';
import { AsyncView, Badge, ErrorNotice, Field, Section, TextField, formatTime } from '../../components';
import { useSignedIn } from '../../context';
import { useLoad } from '../../hooks';

/** The capability gates; the admin token may change a level, with a reason the audit trail keeps. */
export function Capabilities({ refresh, onChanged }: { refresh: number; onChanged: () => void }) {
  const { api, who } = useSignedIn();
  const caps = useLoad(() => api.get<CapabilityList>('/capabilities'), [api, refresh], { everyMs: 5000 });
  const admin = can(who, { adminOnly: true });
  return (
    <Section title="Capabilities" wide>
      <AsyncView
        state={caps}
        what="capabilities"
        isEmpty={(d) => d.capabilities.length === 0}
        empty="This server reports no capabilities."
      >
        {(d) => (
          <ul class="capabilities">
            {d.capabilities.map((c) => (
              <li key={c.name} class="capability" data-capability={c.name}>
                <div class="capability-head">
                  <code>{c.name}</code> <Badge state={c.level} />
                </div>
                <p class="small">{c.gates}</p>
                <p class="small muted">
                  {c.updated_at === null
                    ? 'At its default level.'
                    : `Set by ${c.updated_by}, ${formatTime(c.updated_at)}: ${c.reason}`}
                </p>
                {admin && (
                  <details class="change">
                    <summary>
                      Change level<span class="visually-hidden"> of {c.name}</span>
                    </summary>
                    <LevelForm
                      cap={c}
                      onChanged={() => {
                        caps.reload();
                        onChanged();
                      }}
                    />
                  </details>
                )}
              </li>
            ))}
          </ul>
        )}
      </AsyncView>
    </Section>
  );
}

/** Sets one capability's level as a compare-and-set on the version shown, so no change is overwritten. */
function LevelForm({ cap, onChanged }: { cap: Capability; onChanged: () => void }) {
  const { api } = useSignedIn();
  const [level, setLevel] = useState<CapabilityLevel>(cap.level);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => setLevel(cap.level), [cap.level, cap.version]);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.put(`/capabilities/${encodeURIComponent(cap.name)}`, {
        level,
        reason,
        expected_version: cap.version,
      });
      setReason('');
      onChanged();
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="inline-form" onSubmit={(e) => void submit(e)}>
      <Field
        label={
          <>
            Level<span class="visually-hidden"> of {cap.name}</span>
          </>
        }
      >
        {(ids) => (
          <select
            {...ids}
            value={level}
            onChange={(e) => setLevel((e.target as HTMLSelectElement).value as CapabilityLevel)}
          >
            {CAPABILITY_LEVELS.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        )}
      </Field>
      <TextField
        label={
          <>
            Reason<span class="visually-hidden"> for changing {cap.name}</span>
          </>
        }
        value={reason}
        onInput={setReason}
      />
      <button type="submit" disabled={busy || level === cap.level}>
        Set level<span class="visually-hidden"> of {cap.name}</span>
      </button>
      {error !== null && <ErrorNotice error={error} />}
    </form>
  );
}

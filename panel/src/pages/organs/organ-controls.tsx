import { useState } from 'preact/hooks';
import { toApiError, type ApiError } from '../../api';
import { ConfirmButton, ErrorNotice, Field } from '../../components';
import { useSignedIn } from '../../context';
import { ORGAN_STATES, type OrganView } from './organ-types';

/**
 * Approve (when waiting), cancel the running build, rebuild, move by hand. Each is `organs.build` on the
 * server: the admin's. The stream brings the resulting state; `onDone` reads the organ again at once.
 */
export function OrganControls({ organ, onDone }: { organ: OrganView; onDone: () => void }) {
  const { api } = useSignedIn();
  const [error, setError] = useState<ApiError | null>(null);
  const [target, setTarget] = useState<string>('stable');
  const path = `/organs/${encodeURIComponent(organ.id)}`;
  const act = async (call: () => Promise<unknown>) => {
    setError(null);
    try {
      await call();
    } catch (e) {
      setError(toApiError(e));
    }
    onDone();
  };
  return (
    <>
      <div class="button-row">
        {organ.awaiting_approval && (
          <ConfirmButton
            label="Approve"
            confirmLabel={`Yes, approve ${organ.id} to stable`}
            onConfirm={() => act(() => api.post(`${path}/approve`))}
          />
        )}
        {organ.building && (
          <ConfirmButton
            label="Cancel build"
            confirmLabel="Yes, stop the build"
            danger
            onConfirm={() => act(() => api.delete(`${path}/build`))}
          />
        )}
        <ConfirmButton
          label="Rebuild"
          confirmLabel="Yes, rebuild from draft"
          onConfirm={() => act(() => api.post(`${path}/rebuild`))}
        />
      </div>
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void act(() => api.post(`${path}/status`, { state: target }));
        }}
      >
        <Field label="Set state" hint="By hand: this stops the automatic progression.">
          {(ids) => (
            <select
              {...ids}
              value={target}
              onChange={(e) => setTarget((e.target as HTMLSelectElement).value)}
            >
              {ORGAN_STATES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          )}
        </Field>
        <button type="submit" class="button-secondary">
          Set state
        </button>
      </form>
      {error !== null && <ErrorNotice error={error} />}
    </>
  );
}

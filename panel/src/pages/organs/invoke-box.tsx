import { useState } from 'preact/hooks';
import { toApiError, type ApiError } from '../../api';
import { ErrorNotice, Field, TextField } from '../../components';
import { useSignedIn } from '../../context';
import type { Invoked } from './organ-types';

const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v, null, 2));

/** Runs a pathway of the organ with an input, then shows the output and each cell's step. */
export function InvokeBox({ id }: { id: string }) {
  const { api } = useSignedIn();
  const [input, setInput] = useState('');
  const [asJson, setAsJson] = useState(false);
  const [pathway, setPathway] = useState('');
  const [busy, setBusy] = useState(false);
  const [invalid, setInvalid] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [result, setResult] = useState<Invoked | null>(null);

  const invoke = async () => {
    let value: unknown = input;
    if (asJson) {
      try {
        value = JSON.parse(input) as unknown;
      } catch (e) {
        setInvalid(`The input is not valid JSON: ${(e as Error).message}`);
        return;
      }
    }
    setInvalid(null);
    setError(null);
    setBusy(true);
    try {
      setResult(
        await api.post<Invoked>(`/organs/${encodeURIComponent(id)}/invoke`, {
          input: value,
          ...(pathway.trim() === '' ? {} : { pathway: pathway.trim() }),
        }),
      );
    } catch (e) {
      setResult(null);
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void invoke();
        }}
      >
        <Field label="Input">
          {(ids) => (
            <textarea
              {...ids}
              rows={3}
              value={input}
              onInput={(e) => setInput((e.target as HTMLTextAreaElement).value)}
            />
          )}
        </Field>
        <label class="check">
          <input
            type="checkbox"
            checked={asJson}
            onChange={(e) => setAsJson((e.target as HTMLInputElement).checked)}
          />{' '}
          Read the input as JSON
        </label>
        <TextField
          label="Pathway"
          hint="Empty: the template's first pathway (or its cells in order)."
          value={pathway}
          onInput={setPathway}
        />
        {invalid !== null && (
          <p role="alert" class="notice notice-error">
            {invalid}
          </p>
        )}
        <button type="submit" disabled={busy}>
          Invoke
        </button>
      </form>
      {error !== null && <ErrorNotice error={error} />}
      {result !== null && (
        <div class="invoke-result">
          <h3>Output of pathway {result.pathway}</h3>
          <pre class="invoke-output" aria-label="Output">
            {show(result.output)}
          </pre>
          <h3>Trace</h3>
          <ol class="plain-list trace">
            {result.trace.map((t, i) => (
              <li key={i}>
                <code>{t.cell}</code> <span class="small muted">revision {t.revision}</span>{' '}
                <span class="small">{t.duration_ms} ms</span>
              </li>
            ))}
          </ol>
        </div>
      )}
    </>
  );
}

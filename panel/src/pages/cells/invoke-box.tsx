import { useState } from 'preact/hooks';
import { ApiError, errorOf, toApiError } from '../../api';
import { ErrorNotice, Field, Section, formatNumber } from '../../components';
import { useSignedIn } from '../../context';
import { cellApi, type InvokeResult, type RevisionView } from './cell-types';

/**
 * `POST /factory/cells/:id/invoke`. Called here rather than through `api` because forcing a revision
 * takes a header (`X-Fabrica-Revision`), which the shared client does not send.
 */
async function invokeCell(
  token: string,
  id: string,
  input: unknown,
  revision: string,
): Promise<InvokeResult> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${token}`,
    accept: 'application/json',
    'content-type': 'application/json',
  };
  if (revision !== '') headers['x-fabrica-revision'] = revision;
  let res: Response;
  try {
    res = await fetch(cellApi(id, '/invoke'), { method: 'POST', headers, body: JSON.stringify({ input }) });
  } catch (e) {
    throw new ApiError(0, 'network', `could not reach the server (${(e as Error).message})`);
  }
  if (!res.ok) throw await errorOf(res);
  return (await res.json()) as InvokeResult;
}

const shown = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v, null, 2));

/** Call the cell with an input, on the revision the traffic split picks or on one chosen here. */
export function InvokeBox({
  cellId,
  revisions,
  onCalled,
}: {
  cellId: string;
  revisions: readonly RevisionView[];
  onCalled: () => void;
}) {
  const { token } = useSignedIn();
  const [input, setInput] = useState('');
  const [asJson, setAsJson] = useState(false);
  const [revision, setRevision] = useState('');
  const [result, setResult] = useState<InvokeResult | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const call = async () => {
    setError(null);
    setProblem(null);
    setResult(null);
    let value: unknown = input;
    if (asJson) {
      try {
        value = JSON.parse(input);
      } catch (e) {
        setProblem(`The input is not valid JSON: ${(e as Error).message}`);
        return;
      }
    }
    setBusy(true);
    try {
      setResult(await invokeCell(token, cellId, value, revision));
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
      onCalled(); // the call counts in the revision's statistics, failed or not
    }
  };

  return (
    <Section title="Invoke">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void call();
        }}
      >
        <Field label="Input">
          {(ids) => (
            <textarea
              {...ids}
              class="cells-json"
              rows={3}
              value={input}
              onInput={(e) => setInput((e.target as HTMLTextAreaElement).value)}
            />
          )}
        </Field>
        <label class="cells-check">
          <input
            type="checkbox"
            checked={asJson}
            onChange={(e) => setAsJson((e.target as HTMLInputElement).checked)}
          />{' '}
          Send the input as JSON (otherwise as a string)
        </label>
        <Field label="Revision" hint="Forcing one sends X-Fabrica-Revision; a draft can be tried this way.">
          {(ids) => (
            <select
              {...ids}
              value={revision}
              onChange={(e) => setRevision((e.target as HTMLSelectElement).value)}
            >
              <option value="">as the traffic split picks</option>
              {revisions.map((r) => (
                <option key={r.version} value={r.version}>
                  {r.version} ({r.state})
                </option>
              ))}
            </select>
          )}
        </Field>
        <div class="cells-buttons">
          <button type="submit" disabled={busy}>
            Invoke
          </button>
        </div>
      </form>
      {problem !== null && (
        <p role="alert" class="notice notice-error">
          {problem}
        </p>
      )}
      {error !== null && <ErrorNotice error={error} />}
      {result !== null && (
        <div class="cells-invoke-result" role="status">
          <p class="small">
            Answered by revision <strong>{result.revision}</strong> in {formatNumber(result.duration_ms)} ms
          </p>
          <pre class="cells-output" aria-label="Output">
            {shown(result.output)}
          </pre>
        </div>
      )}
    </Section>
  );
}

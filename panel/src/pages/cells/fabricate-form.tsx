import { useState } from 'preact/hooks';
import { toApiError, type ApiError } from '../../api';
import { ErrorNotice, Field, Section } from '../../components';
import { useSignedIn } from '../../context';
import { navigate } from '../../router';
import { BACKENDS, cellPath, type Backend, type Created, type DryRun } from './cell-types';
import { DryRunReport } from './dryrun-report';
import { EXAMPLE_TEMPLATES } from './examples';

type Parsed = { ok: true; template: Record<string, unknown> } | { ok: false; reason: string };

/** The pasted text as a template object, or why it is not one (nothing is sent then). */
function parseTemplate(text: string): Parsed {
  if (text.trim() === '') return { ok: false, reason: 'Paste a cell template (JSON) or pick an example.' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, reason: `The template is not valid JSON: ${(e as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, reason: 'The template must be a JSON object ({"id": …, "version": …, …}).' };
  return { ok: true, template: value as Record<string, unknown> };
}

/**
 * Fabricate a cell: a template (pasted, or one of the bundled examples), a backend and the HITL flag;
 * first a dry run, whose report is shown, then Create, which leads to the new cell's page.
 */
export function FabricateForm() {
  const { api } = useSignedIn();
  const [text, setText] = useState('');
  const [backend, setBackend] = useState<Backend>('adapter');
  const [hitl, setHitl] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [dry, setDry] = useState<DryRun | null>(null);
  const [busy, setBusy] = useState(false);

  // Any edit makes the last report stale: Create waits for a dry run of what will be sent.
  const edited = () => {
    setDry(null);
    setError(null);
    setProblem(null);
  };

  const request = (): Record<string, unknown> | null => {
    const parsed = parseTemplate(text);
    if (!parsed.ok) {
      setProblem(parsed.reason);
      return null;
    }
    return { backend, hitl, template: parsed.template };
  };

  const run = async (what: 'dryrun' | 'create') => {
    setError(null);
    setProblem(null);
    const body = request();
    if (body === null) return;
    setBusy(true);
    try {
      if (what === 'dryrun') {
        setDry(await api.post<DryRun>('/factory/cells/dryrun', body));
      } else {
        const created = await api.post<Created>('/factory/cells', body);
        navigate(cellPath(created.id));
      }
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Section title="Fabricate a cell" wide>
      <form
        class="cells-fabricate"
        onSubmit={(e) => {
          e.preventDefault();
          void run('dryrun');
        }}
      >
        <div class="inline-form">
          <Field label="Start from an example" hint="Fills the template below.">
            {(ids) => (
              <select
                {...ids}
                value=""
                onChange={(e) => {
                  const name = (e.target as HTMLSelectElement).value;
                  const ex = EXAMPLE_TEMPLATES.find((t) => t.name === name);
                  if (ex === undefined) return;
                  setText(JSON.stringify(ex.template, null, 2));
                  edited();
                }}
              >
                <option value="">choose…</option>
                {EXAMPLE_TEMPLATES.map((t) => (
                  <option key={t.name} value={t.name}>
                    {t.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Backend" hint="script and wasm are gated by their capabilities.">
            {(ids) => (
              <select
                {...ids}
                value={backend}
                onChange={(e) => {
                  setBackend((e.target as HTMLSelectElement).value as Backend);
                  edited();
                }}
              >
                {BACKENDS.map((b) => (
                  <option key={b} value={b}>
                    {b}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <label class="cells-check">
            <input
              type="checkbox"
              checked={hitl}
              onChange={(e) => {
                setHitl((e.target as HTMLInputElement).checked);
                edited();
              }}
            />{' '}
            Human in the loop (hitl)
          </label>
        </div>
        <Field
          label="Cell template (JSON)"
          hint="id, version, analysis_type or action_type, links, metadata (docs/cells.md)."
        >
          {(ids) => (
            <textarea
              {...ids}
              class="cells-json"
              rows={10}
              spellcheck={false}
              value={text}
              onInput={(e) => {
                setText((e.target as HTMLTextAreaElement).value);
                edited();
              }}
            />
          )}
        </Field>
        {problem !== null && (
          <p role="alert" class="notice notice-error">
            {problem}
          </p>
        )}
        <div class="cells-buttons">
          <button type="submit" disabled={busy}>
            Dry run
          </button>
          {dry !== null && (
            <button type="button" disabled={busy} onClick={() => void run('create')}>
              Create
            </button>
          )}
        </div>
        {error !== null && <ErrorNotice error={error} />}
        {dry !== null && <DryRunReport dry={dry} />}
      </form>
    </Section>
  );
}

import { useState } from 'preact/hooks';
import { toApiError, type ApiError } from '../../api';
import { ErrorNotice, Field, Section, TextField } from '../../components';
import { useSignedIn } from '../../context';
import { navigate } from '../../router';
import type { RunView } from './run-types';

/** Starts a run from a prompt; the server decides what is acceptable, and its reason is shown as is. */
export function CreateRun() {
  const { api, who } = useSignedIn();
  const [title, setTitle] = useState('');
  const [format, setFormat] = useState<'text' | 'markdown'>('markdown');
  const [content, setContent] = useState('');
  const [tenant, setTenant] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const run = await api.post<RunView>('/llm/factory/runs', {
        source: { kind: 'prompt', format, content },
        ...(title.trim() === '' ? {} : { title: title.trim() }),
        ...(who.kind === 'admin' && tenant.trim() !== '' ? { tenant: tenant.trim() } : {}),
      });
      navigate('/runs/' + encodeURIComponent(run.id));
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Section title="New run" wide>
      <form class="create-run" onSubmit={(e) => void submit(e)}>
        <TextField label="Title" hint="Optional." value={title} onInput={setTitle} />
        {who.kind === 'admin' && (
          <TextField label="Tenant" hint="Empty: the default tenant." value={tenant} onInput={setTenant} />
        )}
        <Field label="Format">
          {(ids) => (
            <select
              {...ids}
              value={format}
              onChange={(e) => setFormat((e.target as HTMLSelectElement).value as 'text' | 'markdown')}
            >
              <option value="markdown">markdown</option>
              <option value="text">text</option>
            </select>
          )}
        </Field>
        <Field label="Prompt" hint="What the run is to deliver; its first line becomes the brief.">
          {(ids) => (
            <textarea
              {...ids}
              rows={5}
              value={content}
              onInput={(e) => setContent((e.target as HTMLTextAreaElement).value)}
            />
          )}
        </Field>
        <button type="submit" disabled={busy}>
          Create run
        </button>
        {error !== null && <ErrorNotice error={error} />}
      </form>
    </Section>
  );
}

import { useState } from 'preact/hooks';
import { toApiError, type ApiError } from '../../api';
import { ErrorNotice, Field, Section } from '../../components';
import { useSignedIn } from '../../context';
import { href, navigate } from '../../router';
import { BuildReport } from './build-report';
import { EXAMPLES } from './examples';
import type { Built, DryRun } from './organ-types';

type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

const parse = (text: string): Parsed => {
  if (text.trim() === '') return { ok: false, message: 'Paste an organ template (JSON) or pick an example.' };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, message: `The template is not valid JSON: ${(e as Error).message}` };
  }
};

/**
 * Paste a template or pick an example; a dry run shows what the server would make of it; only then,
 * and only for that same text, the build.
 */
export function BuildPage() {
  const { api } = useSignedIn();
  const [text, setText] = useState('');
  const [example, setExample] = useState('');
  const [invalid, setInvalid] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [dry, setDry] = useState<{ text: string; run: DryRun } | null>(null);

  const send = async (dryrun: boolean) => {
    const parsed = parse(text);
    setError(null);
    if (!parsed.ok) {
      setInvalid(parsed.message);
      return;
    }
    setInvalid(null);
    setBusy(true);
    try {
      if (dryrun) {
        const run = await api.post<DryRun>('/organs/build', { organ_template: parsed.value, dryrun: true });
        setDry({ text, run });
      } else {
        const built = await api.post<Built>('/organs/build', { organ_template: parsed.value });
        navigate(`/organs/${encodeURIComponent(built.organ_id)}`);
      }
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  };

  const current = dry !== null && dry.text === text ? dry.run : null;
  return (
    <>
      <div class="page-head">
        <h1>Build an organ</h1>
        <a href={href('/organs')}>All organs</a>
      </div>
      <div class="grid">
        <Section title="Template">
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void send(true);
            }}
          >
            <Field label="Example" hint="Fills the template below with one of examples/organs.">
              {(ids) => (
                <select
                  {...ids}
                  value={example}
                  onChange={(e) => {
                    const name = (e.target as HTMLSelectElement).value;
                    setExample(name);
                    const found = EXAMPLES.find((x) => x.name === name);
                    if (found !== undefined) setText(found.text);
                  }}
                >
                  <option value="">— pick an example —</option>
                  {EXAMPLES.map((x) => (
                    <option key={x.name} value={x.name}>
                      {x.name}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Organ template (JSON)">
              {(ids) => (
                <textarea
                  {...ids}
                  class="template-text"
                  rows={14}
                  spellcheck={false}
                  value={text}
                  onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
                />
              )}
            </Field>
            {invalid !== null && (
              <p role="alert" class="notice notice-error">
                {invalid}
              </p>
            )}
            {error !== null && <ErrorNotice error={error} />}
            <div class="button-row">
              <button type="submit" disabled={busy}>
                Dry run
              </button>
              <button
                type="button"
                disabled={busy || current === null || !current.report.ok}
                onClick={() => void send(false)}
              >
                Build
              </button>
            </div>
            <p class="hint">
              {current === null
                ? 'Build is offered after a dry run of this very text.'
                : current.report.ok
                  ? 'The dry run found nothing blocking: Build starts the staged build.'
                  : 'The dry run found blocking risks: fix the template and dry-run it again.'}
            </p>
          </form>
        </Section>
        {dry !== null && (
          <Section
            title="Dry-run report"
            aside={dry.text !== text && <span class="small muted">for an earlier text</span>}
          >
            <BuildReport report={dry.run.report} />
          </Section>
        )}
      </div>
    </>
  );
}

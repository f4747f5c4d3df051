import { useEffect, useRef, useState } from 'preact/hooks';
import type { AppliedView, CommandPlanView } from '../../src/contract/commands';
import { toApiError, type ApiError } from './api';
import { ErrorNotice } from './components';
import { useSignedIn } from './context';

type Step =
  | { readonly kind: 'idle' }
  | { readonly kind: 'busy' }
  | { readonly kind: 'planned'; readonly plan: CommandPlanView }
  | { readonly kind: 'applied'; readonly plan: CommandPlanView; readonly applied: AppliedView }
  | { readonly kind: 'failed'; readonly error: ApiError; readonly plan: CommandPlanView | null };

const diffClass = (line: string) =>
  line.startsWith('+') ? 'diff-add' : line.startsWith('-') ? 'diff-remove' : 'diff-change';

/**
 * The command bar on every page (Ctrl-K or ⌘-K): say a command in Russian or English, see its plan —
 * intent, checks, diff, the requests — and only then apply it (docs/commands.md).
 */
/** `POST /factory/commands` is `access: full` (src/http/routes/commands.routes.ts). */
export const COMMAND_NEEDS = { access: 'full' } as const;

export function CommandBar() {
  const { api } = useSignedIn();
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const [step, setStep] = useState<Step>({ kind: 'idle' });
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setOpen(true);
      } else if (e.key === 'Escape') setOpen(false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  useEffect(() => {
    if (open) input.current?.focus();
  }, [open]);

  const plan = async (e: Event) => {
    e.preventDefault();
    setStep({ kind: 'busy' });
    try {
      setStep({ kind: 'planned', plan: await api.post<CommandPlanView>('/factory/commands', { text }) });
    } catch (err) {
      setStep({ kind: 'failed', error: toApiError(err), plan: null });
    }
  };
  const apply = async (p: CommandPlanView) => {
    setStep({ kind: 'busy' });
    try {
      const applied = await api.post<AppliedView>(`/factory/commands/${encodeURIComponent(p.id)}/apply`);
      setStep({ kind: 'applied', plan: p, applied });
    } catch (err) {
      setStep({ kind: 'failed', error: toApiError(err), plan: p });
    }
  };

  if (!open)
    return (
      <button type="button" class="button-secondary button-small" onClick={() => setOpen(true)}>
        Command <kbd>Ctrl-K</kbd>
      </button>
    );
  const shown = step.kind === 'planned' || step.kind === 'applied' ? step.plan : null;
  return (
    <div class="command-bar" role="dialog" aria-label="Command">
      <form onSubmit={(e) => void plan(e)}>
        <label for="command-text">Command</label>
        <input
          id="command-text"
          ref={input}
          value={text}
          maxLength={2000}
          placeholder="собери speak-pipeline normalize→phonemes→adapter"
          onInput={(e) => setText((e.target as HTMLInputElement).value)}
        />
        <button type="submit" disabled={text.trim() === '' || step.kind === 'busy'}>
          Plan
        </button>
        <button type="button" class="button-secondary" onClick={() => setOpen(false)}>
          Close
        </button>
      </form>
      {step.kind === 'failed' && <ErrorNotice error={step.error} />}
      {shown !== null && (
        <section aria-label="Plan" class="command-plan">
          <p>
            <strong class="command-intent">{shown.intent}</strong>
            {shown.target !== null && (
              <>
                {' '}
                → <code>{shown.target}</code>
              </>
            )}{' '}
            ({shown.lang}, confidence {shown.confidence})
          </p>
          <ul aria-label="Checks">
            {shown.checks.map((c) => (
              <li key={c.name} class={c.ok ? 'check-ok' : 'check-fail'}>
                {c.ok ? '✓' : '✗'} {c.name}: {c.reason}
              </li>
            ))}
          </ul>
          {shown.diff !== null && (
            <pre aria-label="Diff" class="command-diff">
              {(shown.diff.lines.length === 0 ? ['(no change)'] : shown.diff.lines).map((l) => (
                <div key={l} class={diffClass(l)}>
                  {l}
                </div>
              ))}
            </pre>
          )}
          <ul aria-label="Requests">
            {shown.apply.map((r, i) => (
              <li key={i}>
                <code>
                  {r.method} {r.path}
                </code>
              </li>
            ))}
          </ul>
          {step.kind === 'planned' && (
            <button type="button" onClick={() => void apply(shown)}>
              Apply
            </button>
          )}
          {step.kind === 'applied' && (
            <p role="status">
              Applied: {step.applied.results.map((r) => `${r.method} ${r.path} → ${r.status}`).join('; ')}
            </p>
          )}
        </section>
      )}
    </div>
  );
}

import { useEffect, useState } from 'preact/hooks';
import { toApiError, type ApiError } from '../../api';
import { ErrorNotice, formatTime } from '../../components';
import { useSignedIn } from '../../context';
import { cellApi } from './cell-types';
import type { Policy } from './rollout-types';

type Leaf = { path: string; value: unknown };

/** Every leaf of the policy with its dotted path, in the server's order. */
function leaves(v: unknown, prefix = ''): Leaf[] {
  if (v !== null && typeof v === 'object' && !Array.isArray(v))
    return Object.entries(v).flatMap(([k, child]) => leaves(child, prefix === '' ? k : `${prefix}.${k}`));
  return [{ path: prefix, value: v }];
}

/** A setting as the form's text: null (no limit) is empty. */
const textOf = (v: unknown): string =>
  typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string' ? String(v) : '';

/** The form's text back to a value: booleans stay, '' is null (no limit), numbers parse, text stays. */
function valueOf(text: string, before: unknown): unknown {
  if (typeof before === 'boolean') return text === 'true';
  if (text.trim() === '') return null;
  const n = Number(text);
  return Number.isFinite(n) && /^-?[\d.e+-]+$/i.test(text.trim()) ? n : text;
}

function withLeaf(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let at = target;
  for (const k of keys.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
  at[keys[keys.length - 1]!] = value;
}

/**
 * The rollout policy as a form, one field per setting (new settings of the server appear by themselves).
 * Saving sends the whole policy with `if_version`, so a change made meanwhile elsewhere is refused, not
 * overwritten; the server names a refused field.
 */
export function PolicyForm({
  cellId,
  policy,
  onSaved,
}: {
  cellId: string;
  policy: Policy;
  onSaved: () => void;
}) {
  const { api } = useSignedIn();
  const initial = () => Object.fromEntries(leaves(policy.policy).map((l) => [l.path, textOf(l.value)]));
  const [text, setText] = useState<Record<string, string>>(initial);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  // A newer policy (saved here or elsewhere) replaces what the form shows.
  useEffect(() => setText(initial()), [policy.version]);

  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    setBusy(true);
    try {
      const body: Record<string, unknown> = { if_version: policy.version };
      for (const l of leaves(policy.policy)) withLeaf(body, l.path, valueOf(text[l.path] ?? '', l.value));
      await api.put(cellApi(cellId, '/policy'), body);
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="rollout-policy" aria-label="Rollout policy" onSubmit={(e) => void save(e)}>
      <p class="small muted">
        {policy.version === 0
          ? 'The defaults (never set).'
          : `Version ${policy.version}, set by ${policy.updated_by ?? '—'} ${formatTime(policy.updated_at ?? '')}.`}{' '}
        Empty means no limit where the setting allows none.
      </p>
      <div class="rollout-policy-fields">
        {leaves(policy.policy).map((l) => {
          const id = `policy-${l.path}`;
          return (
            <div class="field" key={l.path}>
              <label for={id}>{l.path}</label>
              {typeof l.value === 'boolean' ? (
                <select
                  id={id}
                  value={text[l.path]}
                  onChange={(e) => setText({ ...text, [l.path]: (e.target as HTMLSelectElement).value })}
                >
                  <option value="true">true</option>
                  <option value="false">false</option>
                </select>
              ) : (
                <input
                  id={id}
                  type="text"
                  value={text[l.path]}
                  onInput={(e) => setText({ ...text, [l.path]: (e.target as HTMLInputElement).value })}
                />
              )}
            </div>
          );
        })}
      </div>
      <button type="submit" disabled={busy}>
        Save policy
      </button>
      {saved && (
        <span class="small" role="status">
          {' '}
          Saved as version {policy.version}.
        </span>
      )}
      {error !== null && <ErrorNotice error={error} />}
    </form>
  );
}

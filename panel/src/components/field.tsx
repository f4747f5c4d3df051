import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';

/** A form control with its visible label (and an optional hint the control is described by). */
export function Field({
  label,
  hint,
  children,
}: {
  /** Visible text; a part only screen readers need goes in `<span class="visually-hidden">`. */
  label: ComponentChildren;
  hint?: string;
  /** Gets the id and aria-describedby to put on the control. */
  children: (ids: { id: string; 'aria-describedby'?: string }) => ComponentChildren;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children({ id, ...(hint === undefined ? {} : { 'aria-describedby': hintId }) })}
      {hint !== undefined && (
        <p id={hintId} class="hint">
          {hint}
        </p>
      )}
    </div>
  );
}

/** A text input inside a `Field`. */
export function TextField({
  label,
  hint,
  value,
  onInput,
  type = 'text',
  autocomplete,
  spellcheck,
}: {
  label: ComponentChildren;
  hint?: string;
  value: string;
  onInput: (value: string) => void;
  type?: 'text' | 'password';
  autocomplete?: string;
  spellcheck?: boolean;
}) {
  return (
    <Field label={label} {...(hint === undefined ? {} : { hint })}>
      {(ids) => {
        const props = {
          ...ids,
          ...(autocomplete === undefined ? {} : { autocomplete }),
          ...(spellcheck === undefined ? {} : { spellcheck }),
          value,
          onInput: (e: Event) => onInput((e.target as HTMLInputElement).value),
        };
        // Preact types an input by its `type`, so each kind is spelled out.
        return type === 'password' ? <input type="password" {...props} /> : <input type="text" {...props} />;
      }}
    </Field>
  );
}

/** A choice among fixed values inside a `Field`; `anyLabel` adds a first choice with the value `''`. */
export function SelectField({
  label,
  value,
  options,
  anyLabel,
  onChange,
}: {
  label: ComponentChildren;
  value: string;
  options: readonly string[];
  anyLabel?: string;
  onChange: (value: string) => void;
}) {
  return (
    <Field label={label}>
      {(ids) => (
        <select {...ids} value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
          {anyLabel !== undefined && <option value="">{anyLabel}</option>}
          {options.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';

/** A titled block of a page; its heading names it for screen readers. */
export function Section({
  title,
  children,
  aside,
  wide,
}: {
  title: string;
  children: ComponentChildren;
  /** Shown beside the title (a live indicator, a count). */
  aside?: ComponentChildren;
  /** Spans the whole width of a page grid (`true`), or two columns where there are that many. */
  wide?: boolean | 2;
}) {
  const id = useId();
  const width = wide === true ? ' card-wide' : wide === 2 ? ' card-span-2' : '';
  return (
    <section class={`card${width}`} aria-labelledby={id}>
      <div class="card-header">
        <h2 id={id}>{title}</h2>
        {aside}
      </div>
      {children}
    </section>
  );
}

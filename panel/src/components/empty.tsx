import type { ComponentChildren } from 'preact';

/** What a list or chart shows when there is nothing yet: say so, and what would fill it. */
export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

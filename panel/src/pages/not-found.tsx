import { href } from '../router';
import { HOME } from './index';

/** A panel address no page answers. */
export function NotFoundPage({ path }: { path: string }) {
  return (
    <>
      <h1>No such page</h1>
      <p>
        Nothing in the panel lives at <code>{path}</code>. <a href={href(HOME)}>Go to the overview</a>.
      </p>
    </>
  );
}

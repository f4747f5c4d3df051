import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Needs } from './access';

export interface PageProps {
  /** The `:name` parts of the route, URL-decoded. */
  readonly params: Readonly<Record<string, string>>;
}

/** One page of the panel: a line of the table in `pages/index.ts`. */
export interface Route {
  /** `/runs/:id` style; matched against the part of the URL after `#`. */
  readonly path: string;
  /** The document title and, with `nav`, the navigation link's text. */
  readonly title: string;
  /** Listed in the navigation (pages for one record are reached through links instead). */
  readonly nav?: boolean;
  /** What the token needs to use the page; a token without it sees neither the link nor the page. */
  readonly needs?: Needs;
  readonly view: ComponentType<PageProps>;
}

export interface Match {
  readonly route: Route;
  readonly params: Readonly<Record<string, string>>;
}

/** The first route whose pattern matches `path` (query and trailing slash ignored). */
export function matchRoute(routes: readonly Route[], path: string): Match | null {
  const parts = split(path);
  for (const route of routes) {
    const pattern = split(route.path);
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const ok = pattern.every((p, i) => {
      const part = parts[i]!;
      if (!p.startsWith(':')) return p === part;
      try {
        params[p.slice(1)] = decodeURIComponent(part);
        return true;
      } catch {
        return false; // a malformed escape matches nothing
      }
    });
    if (ok) return { route, params };
  }
  return null;
}

const split = (path: string): string[] => (path.split('?')[0] ?? '').split('/').filter((p) => p !== '');

/** The link to a panel path; encode record ids with `encodeURIComponent` (cell ids hold a colon). */
export const href = (path: string): string => `#${path}`;

/** The current path after `#` (`/overview`), following hash changes. */
export function useHashPath(): string {
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    const onChange = () => setPath(currentPath());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return path;
}

const currentPath = (): string => window.location.hash.replace(/^#/, '') || '/';

export function navigate(path: string): void {
  window.location.hash = path;
}

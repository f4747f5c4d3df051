import { useEffect, useRef } from 'preact/hooks';
import { can, describeWho } from './access';
import { COMMAND_NEEDS, CommandBar } from './command-bar';
import { useSignedIn } from './context';
import { NotFoundPage } from './pages/not-found';
import { HOME, ROUTES } from './pages';
import { href, matchRoute, useHashPath } from './router';

/** The signed-in frame: skip link, header with navigation and the signed-in token, then the page. */
export function Shell() {
  const { who, signOut } = useSignedIn();
  const raw = useHashPath();
  const path = raw === '/' ? HOME : raw;
  const match = matchRoute(ROUTES, path);
  const allowed = match !== null && (match.route.needs === undefined || can(who, match.route.needs));
  const main = useRef<HTMLElement>(null);

  // After a navigation, keyboard and screen-reader users start at the new page, not the old link.
  const first = useRef(true);
  useEffect(() => {
    document.title = `${match?.route.title ?? 'No such page'} · fabrica`;
    if (!first.current) main.current?.focus();
    first.current = false;
  }, [path]);

  return (
    <>
      <a
        class="skip-link"
        href="#main"
        onClick={(e) => {
          e.preventDefault(); // the hash is the router's
          main.current?.focus();
        }}
      >
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={href(HOME)}>
          fabrica
        </a>
        <nav aria-label="Pages">
          <ul>
            {ROUTES.filter((r) => r.nav === true && (r.needs === undefined || can(who, r.needs))).map((r) => (
              <li key={r.path}>
                <a href={href(r.path)} aria-current={match?.route === r ? 'page' : undefined}>
                  {r.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        {/* Planning a command needs what the route needs (`full`): a token that cannot is not offered it. */}
        {can(who, COMMAND_NEEDS) && <CommandBar />}
        <div class="who">
          <span>
            Signed in as <strong>{describeWho(who)}</strong>
          </span>
          <button type="button" class="button-secondary button-small" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {match === null ? (
          <NotFoundPage path={path} />
        ) : allowed ? (
          <match.route.view params={match.params} />
        ) : (
          <>
            <h1>{match.route.title}</h1>
            <p class="notice">This page is not for this token: it is signed in as {describeWho(who)}.</p>
          </>
        )}
      </main>
    </>
  );
}

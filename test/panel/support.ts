import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ADMIN } from '../support/app.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { freshTarget, type TestStoreTarget } from '../support/stores.js';

/** Debian's Chromium by default; FABRICA_TEST_CHROMIUM names another build. */
export const CHROMIUM = process.env.FABRICA_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or false when they can. */
export const panelSkip: string | false = !existsSync(CHROMIUM)
  ? `no Chromium at ${CHROMIUM} (install Debian's chromium, or set FABRICA_TEST_CHROMIUM)`
  : !existsSync(join('panel', 'dist', 'index.html'))
    ? 'the panel is not built (run npm run build)'
    : false;

export const SCREENSHOT_DIR = join('test-output', 'panel');

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** A real `fabrica serve` on a fresh SQLite directory, and a headless Chromium to look at its panel. */
export interface PanelRig {
  readonly server: ServerProcess;
  readonly browser: Browser;
  /** The panel's address on the server. */
  readonly url: string;
  /** Opens a fresh browser context (its own sessionStorage) on the panel. */
  open(viewport?: { width: number; height: number }): Promise<PanelPage>;
  close(): Promise<void>;
}

export interface PanelPage {
  readonly page: Page;
  /** Uncaught exceptions and console errors in the page, so a test can insist there are none. */
  readonly problems: string[];
}

export async function startPanelRig(env: Record<string, string> = {}): Promise<PanelRig> {
  const target: TestStoreTarget = await freshTarget('sqlite');
  let server: ServerProcess | null = null;
  let browser: Browser | null = null;
  try {
    server = await startServerProcess({ ...target.env, ...env });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  } catch (e) {
    await browser?.close();
    await server?.kill();
    await target.cleanup();
    throw e;
  }
  const url = `${server.url}/panel/`;
  const b = browser;
  const s = server;
  return {
    server: s,
    browser: b,
    url,
    async open(viewport = DESKTOP) {
      const context = await b.newContext({ viewport, reducedMotion: 'reduce' });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('console', (m) => {
        // A refused request is logged by the browser itself; the panel shows those as text, which tests check.
        if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) problems.push(`console: ${m.text()}`);
      });
      await page.goto(url);
      return { page, problems };
    },
    async close() {
      await b.close();
      await s.kill('SIGTERM');
      await target.cleanup();
    },
  };
}

/** Signs in through the form and waits for the overview. */
export async function signIn(page: Page, token = ADMIN): Promise<void> {
  await page.getByLabel('Access token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
}

/** Saves a full-page screenshot as `test-output/panel/<name>.png` and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** The section of the page titled `title` (sections are labelled by their heading). */
export const section = (page: Page, title: string) => page.getByRole('region', { name: title, exact: true });

/** One capability's row in the overview. */
export const capabilityRow = (page: Page, name: string) => page.locator(`[data-capability="${name}"]`);

// What the tests read inside the page. Written as expressions, since the test code is compiled for
// Node (no DOM types) while these run in the browser.
const inPage = <T>(page: Page, expression: string): Promise<T> => page.evaluate<T>(expression);

/** What the page keeps: sessionStorage values, how many localStorage keys, its cookies. */
export const storedSecrets = (page: Page) =>
  inPage<{ session: string[]; local: number; cookies: string }>(
    page,
    '({ session: Object.values(sessionStorage), local: localStorage.length, cookies: document.cookie })',
  );

/** How far the page sticks out sideways (0 or less: it fits). */
export const horizontalOverflow = (page: Page) =>
  inPage<number>(page, 'document.documentElement.scrollWidth - document.documentElement.clientWidth');

/**
 * Waits until focus is on the element with this id or this text (or aria-label): the panel moves focus
 * after it renders, so a check made at once could run before it. Fails after 10 s.
 */
export async function waitForFocus(page: Page, on: { id: string } | { text: string }): Promise<void> {
  const want = JSON.stringify(on);
  await page.waitForFunction(
    `(() => {
      const want = ${want};
      const el = document.activeElement;
      if (el === null) return false;
      if ('id' in want) return el.id === want.id;
      return (el.getAttribute('aria-label') ?? el.textContent ?? '').trim() === want.text;
    })()`,
    undefined,
    { timeout: 10_000 },
  );
}

/** The focused element: id, text (or aria-label), and the outline the browser draws around it. */
export const focused = (page: Page) =>
  inPage<{ id: string; text: string; outlineStyle: string; outlineWidth: string }>(
    page,
    `(() => {
      const el = document.activeElement;
      const s = getComputedStyle(el);
      return {
        id: el.id,
        text: (el.getAttribute('aria-label') ?? el.textContent ?? '').trim(),
        outlineStyle: s.outlineStyle,
        outlineWidth: s.outlineWidth,
      };
    })()`,
  );

/** Takes focus away, so the next Tab starts from the top of the page. */
export const blur = (page: Page) => inPage<void>(page, 'document.activeElement?.blur()');

/** Polls `check` until it holds (the browser tests wait on behaviour, not on fixed sleeps). */
export const waitUntil = async (what: string, check: () => Promise<boolean>, timeoutMs = 20_000) => {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

/** Marks the document, so a test can tell later that the page was never reloaded. */
export const markDocument = (page: Page) => page.evaluate<void>('window.__notReloaded = true');
export const stillSameDocument = (page: Page) => page.evaluate<boolean>('window.__notReloaded === true');

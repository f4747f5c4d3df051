import type { Page } from 'playwright-core';

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

/** The state badge of the organ page (`stable`, `experimental`…). */
export const organStateText = (page: Page) => page.locator('dd.organ-state').innerText();

/** One organ's row in the list. */
export const organRow = (page: Page, id: string) => page.locator(`[data-organ="${id}"]`);

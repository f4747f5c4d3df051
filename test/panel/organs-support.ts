import type { Page } from 'playwright-core';

/** The state badge of the organ page (`stable`, `experimental`…). */
export const organStateText = (page: Page) => page.locator('dd.organ-state').innerText();

/** One organ's row in the list. */
export const organRow = (page: Page, id: string) => page.locator(`[data-organ="${id}"]`);

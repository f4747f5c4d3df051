import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN } from '../support/app.js';
import {
  capabilityRow,
  blur,
  DESKTOP,
  focused,
  waitForFocus,
  horizontalOverflow,
  PHONE,
  panelSkip,
  screenshot,
  section,
  signIn,
  startPanelRig,
  type PanelRig,
} from './support.js';

describe('panel: layout and keyboard', { skip: panelSkip }, () => {
  let rig: PanelRig;
  before(async () => {
    rig = await startPanelRig();
  });
  after(() => rig?.close());

  for (const [name, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    it(`fits a ${viewport.width}×${viewport.height} screen (${name})`, async () => {
      const { page, problems } = await rig.open(viewport);
      await page.getByLabel('Access token').waitFor();
      assert.ok((await horizontalOverflow(page)) <= 0, 'the sign-in page scrolls sideways');
      await screenshot(page, `sign-in-${name}`);
      await signIn(page);
      // Wait for the figures that take longest (two metrics samples) before the picture is taken.
      await section(page, 'Traffic').getByRole('img').first().waitFor();
      await capabilityRow(page, 'organs_builder').waitFor();
      assert.ok((await horizontalOverflow(page)) <= 0, 'the overview scrolls sideways');
      await screenshot(page, `overview-${name}`);
      assert.deepEqual(problems, []);
      await page.context().close();
    });
  }

  it('is usable by keyboard: Tab reaches the fields and links, and focus is visible', async () => {
    const { page } = await rig.open();
    await page.getByLabel('Access token').waitFor();
    await page.keyboard.press('Tab');
    const field = await focused(page);
    assert.equal(field.id, await page.getByLabel('Access token').getAttribute('id'));
    assert.deepEqual([field.outlineStyle, field.outlineWidth], ['solid', '3px']);

    await page.keyboard.type(ADMIN);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();

    // From the top of the page: the skip link, the product name, then the navigation's links.
    await blur(page);
    const order: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      await page.keyboard.press('Tab');
      const f = await focused(page);
      assert.deepEqual([f.outlineStyle, f.outlineWidth], ['solid', '3px'], `${f.text} has no visible focus`);
      order.push(f.text);
    }
    assert.deepEqual(order, ['Skip to content', 'fabrica', 'Overview']);
    assert.equal(
      await page
        .getByRole('navigation', { name: 'Pages' })
        .getByRole('link', { name: 'Overview' })
        .getAttribute('aria-current'),
      'page',
    );

    // The skip link takes focus past the header.
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    await waitForFocus(page, { id: 'main' });
    await page.context().close();
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN } from '../support/app.js';
import {
  capabilityRow,
  panelSkip,
  screenshot,
  section,
  signIn,
  startPanelRig,
  type PanelRig,
} from './support.js';

const METRICS_TOKEN = 'fab_test_metrics_token_0123456789';

describe('panel: what a token may see', { skip: panelSkip }, () => {
  let rig: PanelRig;
  let readToken: string;
  before(async () => {
    rig = await startPanelRig({ FABRICA_METRICS_TOKEN: METRICS_TOKEN });
    const created = await rig.server.request('POST', '/tokens', { tenant: 'acme', access: 'read' });
    assert.equal(created.status, 201);
    readToken = created.body.token;
  });
  after(() => rig?.close());

  it('offers a tenant read token no admin control, and says why metrics are closed to it', async () => {
    const { page, problems } = await rig.open();
    await signIn(page, readToken);
    assert.match(await page.getByRole('banner').innerText(), /Signed in as tenant acme · read/);
    await capabilityRow(page, 'organs_builder').waitFor();
    await section(page, 'Safe mode').getByText('Off:').waitFor();
    await section(page, 'Records by state').getByText('No organs yet.').waitFor();

    assert.equal(await page.getByText('Change level').count(), 0);
    assert.equal(await page.getByRole('combobox').count(), 0);
    assert.equal(await page.getByRole('button', { name: /safe mode/i }).count(), 0);
    assert.equal(await section(page, 'Organs waiting for approval').count(), 0);
    // Sign out is the one thing this token may press.
    assert.deepEqual(await page.getByRole('button').allInnerTexts(), ['Sign out']);

    // With a metrics token configured, /metrics is not this token's to read: the server's reason shows.
    const alert = section(page, 'Traffic').getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /forbidden: metrics\.read needs the admin token/);
    await screenshot(page, 'overview-tenant-read');
    // Organs and cells are admin-only on the server: their pages are not offered, runs are.
    assert.deepEqual(
      await page.getByRole('navigation', { name: 'Pages' }).getByRole('link').allInnerTexts(),
      ['Overview', 'Runs'],
    );
    await page.goto(`${rig.url}#/organs`);
    await page.getByText(/not for this token/i).waitFor();
    assert.equal(await page.getByRole('button', { name: /build|approve|cancel|rebuild/i }).count(), 0);
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  it('sends the admin token to /metrics, which a metrics token guards', async () => {
    const { page, problems } = await rig.open();
    await signIn(page, ADMIN);
    await section(page, 'Traffic')
      .getByRole('img', { name: /^Requests: now/ })
      .waitFor();
    assert.equal(await section(page, 'Traffic').getByRole('alert').count(), 0);
    assert.ok((await page.getByText('Change level').count()) > 0);
    assert.deepEqual(problems, []);
    await page.context().close();
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN } from '../support/app.js';
import { panelSkip, signIn, startPanelRig, storedSecrets, type PanelRig } from './support.js';

describe('panel: signing in', { skip: panelSkip }, () => {
  let rig: PanelRig;
  before(async () => {
    rig = await startPanelRig();
  });
  after(() => rig?.close());

  it('shows the server’s reason for a wrong token, and keeps nothing', async () => {
    const { page, problems } = await rig.open();
    await page.getByLabel('Access token').fill('fab_not_a_real_token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /unauthorized: unknown token/);
    assert.deepEqual((await storedSecrets(page)).session, []);
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  it('signs in with the admin token, keeps it in this tab only, and signs out', async () => {
    const { page, problems } = await rig.open();
    await signIn(page, ADMIN);
    assert.match(await page.getByRole('banner').innerText(), /Signed in as admin/);
    assert.equal(await page.title(), 'Overview · fabrica');
    assert.deepEqual(await storedSecrets(page), { session: [ADMIN], local: 0, cookies: '' });

    // A reload checks the stored token again and lands on the page it was on.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Access token').waitFor();
    assert.deepEqual((await storedSecrets(page)).session, []);
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  it('drops a stored token the server no longer accepts, saying why', async () => {
    const created = await rig.server.request('POST', '/tokens', { tenant: 'acme', access: 'read' });
    assert.equal(created.status, 201);
    const { page } = await rig.open();
    await signIn(page, created.body.token);
    const revoked = await rig.server.request('DELETE', `/tokens/${created.body.id}`);
    assert.equal(revoked.status, 200);
    await page.reload();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /token revoked/);
    assert.deepEqual((await storedSecrets(page)).session, []);
    await page.context().close();
  });

  it('answers an unknown panel address with a way back', async () => {
    const { page } = await rig.open();
    await signIn(page);
    await page.goto(`${rig.url}#/no/such/page`);
    await page.getByRole('heading', { level: 1, name: 'No such page' }).waitFor();
    await page.getByRole('link', { name: 'Go to the overview' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await page.context().close();
  });
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { loadExampleCells } from '../support/example-cells.js';
import { organStateText } from './organs-support.js';
import {
  panelSkip,
  screenshot,
  section,
  signIn,
  startPanelRig,
  type PanelRig,
  waitUntil,
} from './support.js';

const echo = () => JSON.parse(readFileSync('examples/organs/organ.echo.v1.json', 'utf8'));

describe('panel: organs, refused and stopped', { skip: panelSkip }, () => {
  let rig: PanelRig;
  before(async () => {
    // A minute per stage: a build stays in draft for as long as a test needs it to.
    rig = await startPanelRig({ ORGANS_BUILDER_STAGE_DELAYS: '60000,60000,60000' });
    await loadExampleCells((m, u, b) => rig.server.request(m, u, b));
  });
  after(() => rig?.close());

  it('cancels a running build and rebuilds it', async () => {
    const built = await rig.server.request('POST', '/organs/build', { organ_template: echo() });
    assert.equal(built.status, 201);
    const id: string = built.body.organ_id;
    const { page, problems } = await rig.open();
    await signIn(page);
    await page.goto(`${rig.url}#/organs/${id}`);
    await section(page, 'Status').getByText('building').waitFor();
    assert.match(await organStateText(page), /draft/);

    const controls = section(page, 'Controls');
    await controls.getByRole('button', { name: 'Cancel build' }).click();
    await controls.getByRole('button', { name: 'Yes, stop the build' }).click();
    await waitUntil('the organ page shows failed', async () => /failed/.test(await organStateText(page)));
    await section(page, 'Status').getByText('cancelled by admin').waitFor();
    assert.match(await section(page, 'Stages').innerText(), /failed\s+.*by\s+admin\s+— cancelled by admin/);
    assert.equal(await controls.getByRole('button', { name: 'Cancel build' }).count(), 0);
    assert.equal((await rig.server.request('GET', `/organs/${id}/status`)).body.state, 'failed');

    // A rebuild starts the stages again from draft.
    await controls.getByRole('button', { name: 'Rebuild' }).click();
    await controls.getByRole('button', { name: 'Yes, rebuild from draft' }).click();
    await waitUntil('the organ is building again', async () =>
      /draft\s*building/.test(await organStateText(page)),
    );
    await controls.getByRole('button', { name: 'Cancel build' }).waitFor();

    // Moving by hand stops the progression: the server records it, the page shows it.
    await controls.getByLabel('Set state').selectOption('canary');
    await controls.getByRole('button', { name: 'Set state' }).click();
    await waitUntil('the organ shows canary', async () => (await organStateText(page)).trim() === 'canary');
    assert.match(await section(page, 'Stages').innerText(), /canary\s+.*by\s+admin\s+— set by hand/);
    await screenshot(page, 'organs-cancelled-rebuilt');
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  it('refuses invalid JSON without sending it, and marks a missing cell as a blocking risk', async () => {
    const { page, problems } = await rig.open();
    await signIn(page);
    await page.goto(`${rig.url}#/organs/new`);
    const sent: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/organs/build')) sent.push(r.method());
    });
    const text = page.getByLabel('Organ template (JSON)');
    await text.fill('{"id": "organ.broken.v1",');
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page
      .getByRole('alert')
      .getByText(/^The template is not valid JSON: /)
      .waitFor();
    assert.deepEqual(sent, []);

    const template = { ...echo(), id: 'organ.missing.v1', cells: ['analysis.nowhere.v1'], pathways: [] };
    await text.fill(JSON.stringify(template, null, 2));
    await page.getByRole('button', { name: 'Dry run' }).click();
    const report = section(page, 'Dry-run report');
    await report.getByText('Blocking risks: the build would be refused.').waitFor();
    const blocking = report.locator('.risk-blocking');
    assert.equal(await blocking.count(), 1);
    assert.match(
      await blocking.innerText(),
      /blocking\s+missing_cell: cell analysis\.nowhere\.v1 is not registered/,
    );
    assert.match(await report.innerText(), /warning\s+no_pathway/);
    assert.equal(await page.getByRole('button', { name: 'Build', exact: true }).isDisabled(), true);
    assert.deepEqual(sent, ['POST']);

    // The server's own refusal of a malformed template comes back as its reason.
    await text.fill('{"id": 5}');
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page
      .getByRole('alert')
      .getByText(/^invalid_template/)
      .waitFor();
    await screenshot(page, 'organs-build-blocking');
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  it('shows capability_disabled as text when the organs_builder capability is locked', async () => {
    const lock = await rig.server.request('PUT', '/capabilities/organs_builder', {
      level: 'locked',
      reason: 'panel test',
    });
    assert.equal(lock.status, 200, JSON.stringify(lock.body));
    try {
      const { page, problems } = await rig.open();
      await signIn(page);
      await page.getByRole('navigation').getByRole('link', { name: 'Organs' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      assert.match(await alert.innerText(), /capability_disabled: capability organs_builder is locked/);

      await page.goto(`${rig.url}#/organs/new`);
      await page.getByLabel('Example').selectOption('organ.echo.v1');
      await page.getByRole('button', { name: 'Dry run' }).click();
      await page
        .getByRole('alert')
        .getByText(/capability_disabled: capability organs_builder is locked/)
        .waitFor();
      await screenshot(page, 'organs-capability-locked');
      assert.deepEqual(problems, []);
      await page.context().close();
    } finally {
      await rig.server.request('PUT', '/capabilities/organs_builder', {
        level: 'experimental',
        reason: 'done',
      });
    }
  });
});

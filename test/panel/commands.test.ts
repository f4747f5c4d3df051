import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadExampleCells } from '../support/example-cells.js';
import { panelSkip, signIn, startPanelRig, type PanelRig } from './support.js';

describe('panel: the command bar', { skip: panelSkip }, () => {
  let rig: PanelRig;
  before(async () => {
    rig = await startPanelRig({ ORGANS_BUILDER_STAGE_DELAYS: '20,20,20' });
    await loadExampleCells((m, u, b) => rig.server.request(m, u, b));
  });
  after(() => rig?.close());

  it('opens with Ctrl-K on any page, shows the plan and its diff, and applies only on Apply', async () => {
    const { page, problems } = await rig.open();
    await signIn(page);
    await page.goto(`${rig.url}#/organs`);
    await page.keyboard.press('Control+k');
    const bar = page.getByRole('dialog', { name: 'Command' });
    await bar.waitFor();
    await bar.getByLabel('Command').fill('собери speak-pipeline normalize→phonemes→adapter');
    await bar.getByRole('button', { name: 'Plan' }).click();
    const plan = bar.getByRole('region', { name: 'Plan' });
    await plan.waitFor();
    assert.match(await plan.innerText(), /organ\.build → organ\.speak-pipeline\.v1 \(ru, confidence 1\)/);
    assert.match(await plan.getByLabel('Checks').innerText(), /✓ dryrun: the dry run is clean/);
    assert.match(await plan.getByLabel('Diff').innerText(), /\+ \$\.id: "organ\.speak-pipeline\.v1"/);
    assert.match(await plan.getByLabel('Requests').innerText(), /POST \/organs\/build/);
    // planned, not applied
    assert.deepEqual((await rig.server.request('GET', '/organs')).body.organs, []);

    await plan.getByRole('button', { name: 'Apply' }).click();
    const done = plan.getByRole('status');
    await done.waitFor();
    assert.match(await done.innerText(), /Applied: POST \/organs\/build → 201/);
    const organs = (await rig.server.request('GET', '/organs')).body.organs;
    assert.equal(organs.length, 1);
    assert.equal(organs[0].template.id, 'organ.speak-pipeline.v1');
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  it('shows a refusal as the server worded it', async () => {
    const { page } = await rig.open();
    await signIn(page);
    await page.keyboard.press('Control+k');
    const bar = page.getByRole('dialog', { name: 'Command' });
    await bar.getByLabel('Command').fill('approve adapter');
    await bar.getByRole('button', { name: 'Plan' }).click();
    const alert = bar.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /command_ambiguous: "adapter" could mean 3 things/);
    assert.equal(await bar.getByRole('button', { name: 'Apply' }).count(), 0);
    await page.keyboard.press('Escape');
    await bar.waitFor({ state: 'detached' });
    await page.context().close();
  });
});

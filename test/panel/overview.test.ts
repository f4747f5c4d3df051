import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { loadExampleCells } from '../support/example-cells.js';
import {
  capabilityRow,
  waitForFocus,
  panelSkip,
  screenshot,
  section,
  signIn,
  startPanelRig,
  type PanelRig,
  waitUntil,
} from './support.js';

describe('panel: overview', { skip: panelSkip }, () => {
  let rig: PanelRig;
  let organId: string;
  before(async () => {
    rig = await startPanelRig();
    await loadExampleCells((m, u, b) => rig.server.request(m, u, b));
    // The echo organ asks for a human at experimental: it shows among the approvals until approved.
    const template = JSON.parse(readFileSync('examples/organs/organ.echo.v1.json', 'utf8'));
    const built = await rig.server.request('POST', '/organs/build', { organ_template: template });
    assert.equal(built.status, 201);
    organId = built.body.organ_id;
    await waitUntil('the organ waits for approval', async () => {
      const s = await rig.server.request('GET', `/organs/${organId}/status`);
      return s.body.awaiting_approval === true;
    });
  });
  after(() => rig?.close());

  it('shows records by state, the approvals waiting and build durations, from the API', async () => {
    const { page, problems } = await rig.open();
    await signIn(page);
    const records = section(page, 'Records by state');
    await records.getByText('Organs').waitFor();
    assert.match(await records.innerText(), /Cell revisions\s+stable\s+7/);
    assert.match(await records.innerText(), /Organs\s+experimental\s+1/);
    assert.match(await records.innerText(), /No runs yet\./);

    const approvals = section(page, 'Organs waiting for approval');
    const link = approvals.getByRole('link', { name: organId });
    await link.waitFor();
    assert.equal(await link.getAttribute('href'), `#/organs/${organId}`);
    assert.match(
      await section(page, 'Organ build durations').innerText(),
      /No organ build has reached stable/,
    );

    // Approved elsewhere: the event stream brings the change without a reload.
    assert.equal((await rig.server.request('POST', `/organs/${organId}/approve`)).status, 200);
    await approvals.getByText('No organ is waiting for approval.').waitFor();
    await section(page, 'Organ build durations')
      .getByText(/^1 build reached stable/)
      .waitFor({ timeout: 15_000 });
    // The chart reads the seconds histogram and shows it in ms: the build lands in the bucket of its time.
    const took = (await rig.server.request('GET', `/organs/${organId}/status`)).body.metrics
      .build_duration_ms;
    const bound = [10, 50, 100, 250, 500, 1000, 5000, 30_000, 300_000].find((b) => took <= b)!;
    const label = bound >= 1000 ? `≤ ${bound / 1000} s` : `≤ ${bound} ms`;
    assert.ok(
      (await section(page, 'Organ build durations').innerText()).includes(label),
      `a build of ${took} ms shows under ${label}`,
    );
    await waitUntil('the organ counts as stable', async () =>
      /Organs\s+stable\s+1/.test(await records.innerText()),
    );

    const traffic = section(page, 'Traffic');
    await traffic.getByRole('img', { name: /^Requests: now [\d.]+ req\/s/ }).waitFor();
    await screenshot(page, 'overview-with-records');
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  it('locks a capability through its control, then shows capability_disabled as text', async () => {
    const { page, problems } = await rig.open();
    await signIn(page);
    const row = capabilityRow(page, 'organs_builder');
    await row.locator('.badge', { hasText: /^experimental$/ }).waitFor();
    await row.getByText('Change level').click();
    await row.getByLabel('Level of organs_builder').selectOption('locked');
    await row.getByLabel('Reason for changing organs_builder').fill('maintenance of the builder');
    await row.getByRole('button', { name: 'Set level of organs_builder' }).click();
    await row.locator('.badge', { hasText: /^locked$/ }).waitFor();
    assert.match(await row.innerText(), /Set by admin, .*: maintenance of the builder/);

    // The server holds the new level, and what the gate guards is refused — and the panel says so.
    const cap = await rig.server.request('GET', '/capabilities/organs_builder');
    assert.equal(cap.body.level, 'locked');
    const alert = section(page, 'Organs waiting for approval').getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /capability_disabled: capability organs_builder is locked/);
    await screenshot(page, 'overview-capability-locked');

    // Unlocking brings the list back.
    await row.getByLabel('Level of organs_builder').selectOption('experimental');
    await row.getByLabel('Reason for changing organs_builder').fill('done');
    await row.getByRole('button', { name: 'Set level of organs_builder' }).click();
    await row.locator('.badge', { hasText: /^experimental$/ }).waitFor();
    await section(page, 'Organs waiting for approval')
      .getByText('No organ is waiting for approval.')
      .waitFor();
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  it('turns safe mode on and off after a confirmation, and shows the server’s reason for a refusal', async () => {
    const { page, problems } = await rig.open();
    await signIn(page);
    const safe = section(page, 'Safe mode');
    await safe.getByText('Off:').waitFor();

    // No reason: the server refuses, and its reason is shown as it gave it.
    await safe.getByRole('button', { name: 'Turn safe mode on' }).click();
    await safe.getByRole('button', { name: 'Yes, turn safe mode on' }).click();
    const alert = safe.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /invalid_request: body\.reason/);
    assert.equal((await rig.server.request('GET', '/safe-mode')).body.on, false);

    await safe.getByLabel('Reason').fill('incident 42');
    await safe.getByRole('button', { name: 'Turn safe mode on' }).click();
    // Focus moves to the confirming button, so the keyboard can confirm at once.
    await waitForFocus(page, { text: 'Yes, turn safe mode on' });
    await page.keyboard.press('Enter');
    await safe.getByText('On: only the admin token may write.').waitFor();
    assert.match(await safe.innerText(), /Turned on by admin, .*: incident 42/);
    assert.deepEqual(
      (({ on, reason }) => ({ on, reason }))((await rig.server.request('GET', '/safe-mode')).body),
      { on: true, reason: 'incident 42' },
    );

    await safe.getByLabel('Reason').fill('resolved');
    await safe.getByRole('button', { name: 'Turn safe mode off' }).click();
    await safe.getByRole('button', { name: 'Yes, turn safe mode off' }).click();
    await safe.getByText('Off:').waitFor();
    assert.equal((await rig.server.request('GET', '/safe-mode')).body.on, false);
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  it('follows changes made elsewhere over the event stream', async () => {
    const { page } = await rig.open();
    await signIn(page);
    await page.getByText('Changes: live').waitFor();
    const row = capabilityRow(page, 'self_edit');
    await row.locator('.badge', { hasText: /^locked$/ }).waitFor();
    const changed = await rig.server.request('PUT', '/capabilities/self_edit', {
      level: 'experimental',
      reason: 'changed from the CLI',
    });
    assert.equal(changed.status, 200);
    // Well before the next poll (every 5 s): the change arrived as an event.
    await row.locator('.badge', { hasText: /^experimental$/ }).waitFor({ timeout: 2500 });
    await page.context().close();
  });
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { loadExampleCells } from '../support/example-cells.js';
import { organRow, organStateText } from './organs-support.js';
import {
  PHONE,
  horizontalOverflow,
  panelSkip,
  screenshot,
  section,
  signIn,
  startPanelRig,
  type PanelRig,
  markDocument,
  stillSameDocument,
  waitUntil,
} from './support.js';

const example = (name: string) => JSON.parse(readFileSync(`examples/organs/${name}.json`, 'utf8'));

describe('panel: organs, built and approved', { skip: panelSkip }, () => {
  let rig: PanelRig;
  before(async () => {
    // Short stage waits: a build goes draft → canary → experimental → stable within about a second.
    rig = await startPanelRig({ ORGANS_BUILDER_STAGE_DELAYS: '300,300,300' });
    await loadExampleCells((m, u, b) => rig.server.request(m, u, b));
  });
  after(() => rig?.close());

  it('builds organ.echo.v1 from the example picker, follows it live, approves it and invokes it', async () => {
    const { page, problems } = await rig.open();
    await signIn(page);
    await page.getByRole('navigation').getByRole('link', { name: 'Organs' }).click();
    await page.getByRole('heading', { level: 1, name: 'Organs' }).waitFor();
    await page.getByText('No organ has been built yet.').waitFor();
    await page.getByRole('link', { name: 'Build an organ' }).click();

    // Build is only offered after a dry run of the same text.
    await page.getByLabel('Example').selectOption('organ.echo.v1');
    assert.match(await page.getByLabel('Organ template (JSON)').inputValue(), /"id": "organ.echo.v1"/);
    assert.equal(await page.getByRole('button', { name: 'Build', exact: true }).isDisabled(), true);
    await page.getByRole('button', { name: 'Dry run' }).click();
    const report = section(page, 'Dry-run report');
    await report.getByText('No blocking risk: the organ can be built.').waitFor();
    const reportText = await report.innerText();
    assert.match(reportText, /analysis\.echo_adapter\.v1\s+stable\s+serving/);
    // The organ keeps the full ids its bare references resolve to.
    assert.match(reportText, /text: adapter:analysis\.echo_adapter\.v1/);
    assert.match(reportText, /Risks\s+None\./);
    assert.equal(await report.locator('.risk-blocking').count(), 0);
    await screenshot(page, 'organs-build-report');

    await markDocument(page);
    await page.getByRole('button', { name: 'Build', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: /^Organ organ-\d+$/ }).waitFor();
    const id = /#\/organs\/(organ-\d+)$/.exec(page.url())?.[1];
    assert.ok(id, `the organ page's address names the organ: ${page.url()}`);

    // The stream moves the page along the stages; HITL holds it at experimental for a human.
    await section(page, 'Status').getByText('awaiting approval').waitFor({ timeout: 20_000 });
    assert.match(await organStateText(page), /experimental/);
    const stages = section(page, 'Stages');
    assert.match(
      await stages.innerText(),
      /draft[\s\S]*by\s+admin[\s\S]*canary[\s\S]*by\s+system[\s\S]*experimental/,
    );

    await section(page, 'Controls').getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('button', { name: `Yes, approve ${id} to stable` }).click();
    await waitUntil('the organ page shows stable', async () =>
      /^stable$/.test((await organStateText(page)).trim()),
    );
    assert.match(await stages.innerText(), /stable\s+.*by\s+admin/);
    assert.equal(await stillSameDocument(page), true, 'the page was not reloaded');
    const api = await rig.server.request('GET', `/organs/${id}/status`);
    assert.equal(api.body.state, 'stable');

    const invoke = section(page, 'Invoke');
    await invoke.getByLabel('Input', { exact: true }).fill('hello from the panel');
    await invoke.getByRole('button', { name: 'Invoke' }).click();
    await invoke.getByRole('heading', { name: 'Output of pathway text' }).waitFor();
    assert.equal(await invoke.getByLabel('Output').innerText(), 'hello from the panel');
    assert.match(await invoke.locator('.trace').innerText(), /analysis\.echo_adapter\.v1\s+revision \S+/);

    // A pathway the organ lacks: the server's reason, as text.
    await invoke.getByLabel('Pathway').fill('nope');
    await invoke.getByRole('button', { name: 'Invoke' }).click();
    await invoke
      .getByRole('alert')
      .getByText(/not_found: organ organ\.echo\.v1 has no pathway nope/)
      .waitFor();
    await screenshot(page, 'organs-organ-page');
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  it('updates a row of the list live as a build moves, and filters by state', async () => {
    const { page, problems } = await rig.open();
    await signIn(page);
    await page.goto(`${rig.url}#/organs`);
    await page.getByRole('heading', { level: 1, name: 'Organs' }).waitFor();
    await page.locator('.organ-count').waitFor();
    await page.getByText('live', { exact: true }).waitFor();
    await markDocument(page);

    // The voice organ needs no human: it walks to stable on its own, and its row follows.
    const built = await rig.server.request('POST', '/organs/build', {
      organ_template: example('organ.voice.v1'),
    });
    assert.equal(built.status, 201);
    const row = organRow(page, built.body.organ_id);
    await row.waitFor();
    assert.match(await row.innerText(), /organ\.voice\.v1/);
    await row.locator('.badge', { hasText: /^stable$/ }).waitFor({ timeout: 20_000 });
    assert.equal(await stillSameDocument(page), true, 'the list was not reloaded');

    await page.getByLabel('State').selectOption('experimental');
    await row.waitFor({ state: 'detached' });
    await page.getByText('No organ is experimental.').waitFor();
    await page.getByLabel('State').selectOption('stable');
    await row.waitFor();
    assert.ok((await page.locator('.organ-row .badge', { hasText: /^experimental$/ }).count()) === 0);
    await page.getByLabel('State').selectOption('');
    await screenshot(page, 'organs-list');
    assert.ok((await horizontalOverflow(page)) <= 0);
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  it('fits a phone screen: list, build report and organ page', async () => {
    const built = await rig.server.request('POST', '/organs/build', {
      organ_template: example('organ.voice.v1'),
    });
    assert.equal(built.status, 201);
    const { page, problems } = await rig.open(PHONE);
    await signIn(page);
    await page.goto(`${rig.url}#/organs`);
    await page.locator('.organ-row').first().waitFor();
    assert.ok((await horizontalOverflow(page)) <= 0, 'the list fits');
    await screenshot(page, 'organs-list-phone');

    await page.goto(`${rig.url}#/organs/new`);
    await page.getByLabel('Example').selectOption('organ.voice.v1');
    await page.getByRole('button', { name: 'Dry run' }).click();
    await section(page, 'Dry-run report').getByText('No blocking risk: the organ can be built.').waitFor();
    assert.ok((await horizontalOverflow(page)) <= 0, 'the build report fits');
    await screenshot(page, 'organs-build-report-phone');

    await page.goto(`${rig.url}#/organs/${built.body.organ_id}`);
    await section(page, 'Stages').locator('li').first().waitFor();
    assert.ok((await horizontalOverflow(page)) <= 0, 'the organ page fits');
    await screenshot(page, 'organs-organ-page-phone');
    assert.deepEqual(problems, []);
    await page.context().close();
  });
});

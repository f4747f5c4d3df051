import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { TOPIC_CELL, shippedSetup, topicExamples, topicJob, viaProcess } from '../support/training.js';
import {
  PHONE,
  horizontalOverflow,
  markDocument,
  panelSkip,
  screenshot,
  section,
  signIn,
  startPanelRig,
  stillSameDocument,
  type PanelRig,
} from './support.js';

const TIMEOUT = { timeout: 60_000 };

/** Waits until the text a locator shows matches `re` (the page changes on its own, from events). */
async function waitForText(scope: ReturnType<Page['locator']>, re: RegExp, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const text = await scope.innerText().catch(() => '');
    if (re.test(text)) return text;
    if (Date.now() > end) throw new Error(`timed out waiting for ${re} in:\n${text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const chartLabel = (page: Page) =>
  section(page, 'Score per iteration').getByRole('img').getAttribute('aria-label');

async function waitForChart(page: Page, re: RegExp) {
  const end = Date.now() + 60_000;
  for (;;) {
    const label = (await chartLabel(page).catch(() => null)) ?? '';
    if (re.test(label)) return label;
    if (Date.now() > end) throw new Error(`timed out waiting for ${re} in the chart: ${label}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const confirm = async (page: Page, label: string, yes: RegExp) => {
  await section(page, 'Job').getByRole('button', { name: label, exact: true }).click();
  await section(page, 'Job').getByRole('button', { name: yes }).click();
};

describe('panel: training', { skip: panelSkip }, () => {
  let rig: PanelRig;
  let dataset: string;
  const request = () => viaProcess(rig.server);
  const revisions = async () =>
    (await request()('GET', `/factory/cells/${encodeURIComponent(TOPIC_CELL)}`)).body.revisions as {
      version: string;
      state: string;
    }[];
  const startJob = async (over: Record<string, unknown> = {}) => {
    const r = await request()('POST', '/factory/training', topicJob(dataset, over));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.id as string;
  };
  /** Signs in and opens the Training page; `startJob` then starts a job the list shows from its events. */
  const openList = async () => {
    const opened = await rig.open();
    await signIn(opened.page);
    await markDocument(opened.page);
    await opened.page.getByRole('navigation').getByRole('link', { name: 'Training' }).click();
    await opened.page.getByRole('heading', { level: 1, name: 'Training' }).waitFor();
    await section(opened.page, 'Training jobs').getByText('Changes: live').waitFor(TIMEOUT);
    return opened;
  };
  const openJob = async (page: Page, id: string) => {
    await page.locator(`[data-job="${id}"]`).getByRole('link', { name: id }).click(TIMEOUT);
    await page.getByRole('heading', { level: 1, name: `Training job ${id}` }).waitFor();
    await page.getByText('Changes: live').waitFor(TIMEOUT);
  };

  before(async () => {
    // Paced steps: what the page shows after its first load can only have come from the event stream.
    rig = await startPanelRig({ FABRICA_TRAINING_STEP_MS: '400' });
    ({ dataset } = await shippedSetup(request()));
  });
  after(() => rig?.close());

  it('lists the job, charts its scores, shows the proposal’s diff, and follows an approval to converged', async () => {
    const { page, problems } = await openList();
    await section(page, 'Training jobs').getByText('No training jobs yet').waitFor(TIMEOUT);
    const id = await startJob();
    await openJob(page, id);
    const job = section(page, 'Job');
    // The job reaches its proposal while the page is open: the events bring it.
    await waitForText(job.locator('.job-state'), /awaiting_approval/);
    await waitForChart(page, /Train: 0\.795\. Holdout: 0\.712\. Target 0\.950\./);

    const served = (await request()('GET', `/factory/training/${id}`)).body;
    const proposal = served.proposal;
    assert.ok(proposal.fixes.length > 0, 'the proposal fixes examples');
    const diff = section(page, 'Proposal awaiting approval');
    const facts = await diff.locator('dl').innerText();
    assert.match(facts, new RegExp(`Draft\\s+${proposal.version.replace(/\./g, '\\.')}`));
    assert.match(facts, /Train\s+0\.795 → 1\.000/);
    assert.match(facts, /Holdout\s+0\.712 → 1\.000/);
    assert.match(facts, /"confidence_threshold":0\.[56]/);
    const fixed = diff.locator('[data-diff="fixed"]');
    assert.match(
      await fixed.getByRole('heading').innerText(),
      new RegExp(`^Fixed \\(${proposal.fixes.length}\\)`),
    );
    assert.equal(await fixed.locator('tbody tr').count(), proposal.fixes.length);
    // Each fixed example is shown with its text and label from the dataset, and its score before and after.
    const first = proposal.fixes[0];
    const example = topicExamples()[first.index] as { input: string; expected: string };
    const row = await fixed.locator(`[data-example="${first.index}"]`).innerText();
    assert.ok(row.includes(example.input), row);
    assert.ok(row.includes(example.expected), row);
    assert.match(row, /0\.000 → 1\.000/);
    assert.match(await diff.locator('[data-diff="broken"]').innerText(), /Broken \(0\)\s+None\./);
    await screenshot(page, 'training-awaiting-approval');

    await confirm(page, 'Approve', new RegExp(`^Yes, build on ${proposal.version.replace(/\./g, '\\.')}$`));
    await waitForText(job.locator('.job-state'), /converged/);
    await waitForChart(page, /Train: 0\.795 → 1\.000\. Holdout: 0\.712 → 1\.000\./);
    await waitForText(section(page, 'Iterations').locator('[data-iteration="1"]'), /accepted/);
    assert.match(await job.innerText(), /The job has ended: nothing to decide\./);
    assert.equal(await job.getByRole('button').count(), 0);
    assert.equal(await stillSameDocument(page), true, 'the page followed the job without a reload');
    const end = (await request()('GET', `/factory/training/${id}`)).body;
    assert.equal(end.state, 'converged');
    assert.equal(end.base_version, proposal.version);

    // The list shows where it ended, and the page fits a phone.
    await page.getByRole('link', { name: 'All training jobs' }).click();
    await waitForText(page.locator(`[data-job="${id}"]`), /converged/);
    await page.setViewportSize(PHONE);
    await page.goto(`${rig.url}#/training/${id}`);
    await waitForChart(page, /Holdout: 0\.712 → 1\.000/);
    assert.ok((await horizontalOverflow(page)) <= 0, 'no sideways scrolling on a phone');
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  it('reject rolls the draft back and the job goes on; stop ends it and rolls back what waits', async () => {
    const { page, problems } = await openList();
    const id = await startJob();
    await openJob(page, id);
    const job = section(page, 'Job');
    await waitForText(job.locator('.job-state'), /awaiting_approval/);
    const firstDraft = (await request()('GET', `/factory/training/${id}`)).body.proposal.version as string;

    await confirm(page, 'Reject', /^Yes, roll back /);
    await waitForText(section(page, 'Iterations').locator('[data-iteration="1"]'), /rejected/);
    assert.equal((await revisions()).find((r) => r.version === firstDraft)?.state, 'rolled_back');
    // The next iteration searches again from the same base and proposes again.
    await waitForText(
      section(page, 'Iterations').locator('[data-iteration="2"]'),
      /1\.0\.0[\s\S]*awaiting_approval/,
    );
    await waitForText(job.locator('.job-state'), /awaiting_approval/);
    const secondDraft = (await request()('GET', `/factory/training/${id}`)).body.proposal.version as string;
    assert.notEqual(secondDraft, firstDraft);

    await confirm(page, 'Stop', /^Yes, stop the job$/);
    await waitForText(job.locator('.job-state'), /stopped/);
    await waitForText(section(page, 'Iterations').locator('[data-iteration="2"]'), /stopped/);
    assert.match(await job.innerText(), /stopped by /);
    assert.equal((await revisions()).find((r) => r.version === secondDraft)?.state, 'rolled_back');
    const end = (await request()('GET', `/factory/training/${id}`)).body;
    assert.equal(end.state, 'stopped');
    assert.equal(end.base_version, '1.0.0');
    await screenshot(page, 'training-stopped');
    assert.deepEqual(problems, []);
    await page.context().close();
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { enc, fromProcess, loadUntil, makeRevision } from '../support/rollouts.js';
import {
  PHONE,
  horizontalOverflow,
  panelSkip,
  screenshot,
  section,
  signIn,
  startPanelRig,
  waitUntil,
  type PanelRig,
} from './support.js';

const TIMEOUT = { timeout: 20_000 };

describe('panel: the rollout view of a cell', { skip: panelSkip }, () => {
  let rig: PanelRig;
  before(async () => {
    rig = await startPanelRig({
      FABRICA_CAPABILITIES: 'fault_injection=experimental',
      FABRICA_STATS_FLUSH_MS: '50',
      FABRICA_CANARY_PERCENT: '50',
    });
  });
  after(() => rig?.close());

  it('sets the policy, shows the steps with traffic, the failing verdict, and approves by force with a reason', async () => {
    const f = fromProcess(rig.server);
    const id = await makeRevision(f, 'panel.rollout.v1', '1.0.0', 3);
    await makeRevision(f, 'panel.rollout.v1', '1.1.0', 0, { metadata: { fault: { error_rate: 0.6 } } });
    const { page, problems } = await rig.open();
    await signIn(page);
    await page.goto(`${rig.url}#/cells/${enc(id)}`);
    await page.getByText('Changes: live').waitFor(TIMEOUT);
    const rollout = section(page, 'Rollout');
    const steps = rollout.getByRole('list', { name: 'Rollout steps' });
    // Only 1.0.0 serves: all of the calls.
    await steps.locator('[data-step-revision="1.0.0"]', { hasText: '100% of calls' }).waitFor(TIMEOUT);
    await rollout.getByText('Not under analysis.').waitFor(TIMEOUT);

    // The policy form: a bad value is refused with the field named, and nothing is stored.
    const form = rollout.getByRole('form', { name: 'Rollout policy' });
    await form.getByText('The defaults (never set).').waitFor(TIMEOUT);
    await form.getByLabel('analysis.min_calls').fill('-3');
    await form.getByRole('button', { name: 'Save policy' }).click();
    await form.getByRole('alert').waitFor(TIMEOUT);
    assert.match(await form.getByRole('alert').innerText(), /invalid_policy[\s\S]*min_calls/);
    assert.equal((await rig.server.request('GET', `/factory/cells/${enc(id)}/policy`)).body.version, 0);
    // Then a good one: hold on fail, short windows.
    await form.getByLabel('analysis.min_calls').fill('20');
    await form.getByLabel('analysis.on_fail').fill('hold');
    await form.getByLabel('analysis.interval_ms').fill('200');
    await form.getByRole('button', { name: 'Save policy' }).click();
    await form.getByText(/^Version 1, set by admin/).waitFor(TIMEOUT);
    const stored = (await rig.server.request('GET', `/factory/cells/${enc(id)}/policy`)).body;
    assert.equal(stored.version, 1);
    assert.equal(stored.policy.analysis.on_fail, 'hold');
    assert.equal(stored.policy.analysis.interval_ms, 200);
    assert.equal(stored.policy.analysis.min_calls, 20);
    assert.equal(stored.policy.shadow.enabled, false, 'the fields not touched keep their values');

    // Approved to canary elsewhere: the steps follow over the cell's stream, with the shares.
    const approved = await rig.server.request('POST', `/factory/cells/${enc(id)}/approve?version=1.1.0`, {});
    assert.equal(approved.status, 200);
    await steps.locator('li.current[aria-current="step"]', { hasText: 'canary' }).waitFor(TIMEOUT);
    await steps.locator('[data-step-revision="1.1.0"]', { hasText: '50% of calls' }).waitFor(TIMEOUT);
    await steps.locator('[data-step-revision="1.0.0"]', { hasText: '50% of calls' }).waitFor(TIMEOUT);
    await rollout.getByText(/Next look in \d+ s\.|No look scheduled\./).waitFor(TIMEOUT);

    // Calls until the judge fails the canary; the view shows the verdict and its reasons.
    await loadUntil(
      f,
      id,
      async () => (await rig.server.request('GET', `/factory/cells/${enc(id)}/analysis`)).body.judge_failed,
      'a fail verdict',
    );
    const verdicts = (await rig.server.request('GET', `/factory/cells/${enc(id)}/analysis`)).body.verdicts;
    const failed = verdicts.find((v: any) => v.verdict === 'fail');
    const row = rollout.locator(`tr[data-verdict="${failed.seq as number}"]`);
    await row.waitFor(TIMEOUT);
    const rowText = await row.innerText();
    assert.match(rowText, /canary\s+fail\s+hold/);
    assert.ok(rowText.includes(failed.reasons[0]), rowText);
    await rollout.locator('.badge', { hasText: 'judge failed' }).waitFor(TIMEOUT);
    // The charts carry canary and baseline error rates over time.
    await rollout.getByRole('img', { name: /^Errors 1\.1\.0: now / }).waitFor(TIMEOUT);
    await rollout.getByRole('img', { name: /^Errors baseline 1\.0\.0: now / }).waitFor(TIMEOUT);

    // Forcing needs a reason (the server says so); with one, the canary moves on.
    const force = rollout.getByRole('button', { name: 'Force approve 1.1.0' });
    await force.click();
    await rollout.locator('.rollout-force [role="alert"]').waitFor(TIMEOUT);
    assert.match(await rollout.locator('.rollout-force [role="alert"]').innerText(), /reason/);
    assert.equal(
      (await rig.server.request('GET', `/factory/cells/${enc(id)}`)).body.revisions[1].state,
      'canary',
    );
    await rollout.getByLabel(/Reason to approve 1\.1\.0/).fill('drill: the errors are injected');
    await force.click();
    await steps.locator('li.current', { hasText: 'experimental' }).waitFor(TIMEOUT);
    const cell = (await rig.server.request('GET', `/factory/cells/${enc(id)}`)).body;
    assert.equal(cell.revisions[1].state, 'experimental');
    const forced = cell.revisions[1].history.at(-1);
    assert.equal(forced.reason, 'drill: the errors are injected');
    await screenshot(page, 'rollout-desktop');
    assert.deepEqual(problems, []);
    await page.context().close();

    // On a phone the view fits the width.
    const phone = await rig.open(PHONE);
    await signIn(phone.page);
    await phone.page.goto(`${rig.url}#/cells/${enc(id)}`);
    await section(phone.page, 'Rollout').getByRole('list', { name: 'Rollout steps' }).waitFor(TIMEOUT);
    assert.equal(await horizontalOverflow(phone.page), 0);
    await phone.page.context().close();
  });

  it('turns shadow traffic on from the policy form and shows the report with its differences', async () => {
    const f = fromProcess(rig.server);
    const id = await makeRevision(f, 'panel.shadow.v1', '1.0.0', 3);
    await makeRevision(f, 'panel.shadow.v1', '1.1.0', 0, { type: 'uppercase' }); // a draft
    const { page, problems } = await rig.open();
    await signIn(page);
    await page.goto(`${rig.url}#/cells/${enc(id)}`);
    await page.getByText('Changes: live').waitFor(TIMEOUT);
    const rollout = section(page, 'Rollout');
    const form = rollout.getByRole('form', { name: 'Rollout policy' });
    await form.getByLabel('shadow.enabled').selectOption('true');
    await form.getByRole('button', { name: 'Save policy' }).click();
    await form.getByText(/^Version 1, set by admin/).waitFor(TIMEOUT);
    const report = rollout.getByRole('group', { name: 'Shadow report' });
    await report
      .getByText(/100% of the stable revision's calls are mirrored to 1\.1\.0 \(draft\)/)
      .waitFor(TIMEOUT);
    for (let i = 0; i < 12; i++) {
      const r = await rig.server.request('POST', `/factory/cells/${enc(id)}/invoke`, { input: `word ${i}` });
      assert.equal(r.status, 200);
      assert.equal(r.body.output, `word ${i}`, 'the caller gets the stable answer');
    }
    // Mirrored calls make no events: the report reloads by itself.
    await waitUntil('12 mirrored calls in the report', async () =>
      /Mirrored calls\s+12\b[\s\S]*Different\s+12\b/.test(await report.innerText()),
    );
    const text = await report.innerText();
    assert.match(text, /"WORD \d+"/);
    assert.match(text, /\[-word-\]\{\+WORD\+\}/);
    assert.deepEqual(problems, []);
    await page.context().close();
  });
});

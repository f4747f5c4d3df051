import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import {
  DESKTOP,
  horizontalOverflow,
  PHONE,
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

const base = '/llm/factory/runs';
const graph = {
  stages: [
    {
      key: 'build',
      name: 'Build the search API',
      depends_on: [],
      issues: [
        { key: 'api', title: 'Write the search endpoint', kind: 'code', depends_on: [] },
        { key: 'docs', title: 'Document the endpoint', kind: 'docs', depends_on: ['api'] },
      ],
    },
    {
      key: 'ship',
      name: 'Ship it',
      depends_on: ['build'],
      issues: [{ key: 'release', title: 'Release 2.0', kind: 'ops', depends_on: ['docs'] }],
    },
  ],
};

describe('panel: runs', { skip: panelSkip }, () => {
  let rig: PanelRig;
  let runId: string;
  let otherTenant: string;
  let acmeRead: string;

  /** `{success: true, data}` of an API call as the admin, or a failed assertion naming the answer. */
  const data = async (method: string, path: string, body?: unknown) => {
    const r = await rig.server.request(method, path, body);
    assert.ok(
      r.status === 200 || r.status === 201,
      `${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`,
    );
    return r.body.data;
  };
  const statusOf = () => data('GET', `${base}/${runId}/status`);
  const issueByKey = async (key: string) =>
    ((await data('GET', `${base}/${runId}/issues`)) as { stable_key: string; id: string }[]).find(
      (i) => i.stable_key === key,
    )!;
  const openRun = async (page: Page) => {
    await page.getByRole('navigation').getByRole('link', { name: 'Runs' }).click();
    await page.getByRole('link', { name: 'Search API' }).click();
    await page.getByRole('heading', { level: 1, name: /Search API/ }).waitFor();
  };

  before(async () => {
    // The page shows a verification report; how commands are confined is the sandbox tests' subject.
    rig = await startPanelRig({
      FABRICA_CAPABILITIES: 'factory_verify=experimental',
      FABRICA_VERIFY_SANDBOX: 'none',
    });
    const token = async (tenant: string, access: string) => {
      const r = await rig.server.request('POST', '/tokens', { tenant, access });
      assert.equal(r.status, 201);
      return r.body.token as string;
    };
    otherTenant = await token('globex', 'full');
    acmeRead = await token('acme', 'read');

    const run = await data('POST', base, {
      source: { kind: 'prompt', format: 'markdown', content: '# Ship the search API\nWith docs.' },
      title: 'Search API',
      workflow_kind: 'software',
      tenant: 'acme',
    });
    runId = run.id;
    // No problem_interpretation: the planning gate has a blocker to show.
    await data('POST', `${base}/${runId}/artifacts`, {
      artifact_type: 'delivery_spec',
      payload: { summary: 'Ship a documented search API behind a flag' },
    });
    await data('POST', `${base}/${runId}/artifacts`, {
      artifact_type: 'factory.kernel.stage_graph',
      payload: graph,
    });
    const verified = await data('POST', `${base}/${runId}/verify`, {
      commands: [{ program: 'node', args: ['-e', 'console.log("lint ok: 12 files checked")'] }],
    });
    assert.equal(verified.success, true);
    await data('POST', `${base}/${runId}/gates`, {
      gate: 'security_review',
      verdict: 'needs_review',
      reasons: ['new public endpoint'],
    });
  });
  after(() => rig?.close());

  it('lists the run, follows new runs live, and shows the server’s reason for an empty prompt', async () => {
    const { page, problems } = await rig.open();
    await signIn(page);
    await page.getByRole('navigation').getByRole('link', { name: 'Runs' }).click();
    await page.getByRole('heading', { level: 1, name: 'Runs' }).waitFor();
    const item = page.locator(`[data-run="${runId}"]`);
    await item.waitFor();
    const text = await item.innerText();
    assert.match(text, /Search API/);
    assert.match(text, /planning/);
    assert.match(text, /software · tenant acme · updated/);
    assert.match(text, /# Ship the search API/);
    assert.equal(
      await item.getByRole('link', { name: 'Search API' }).getAttribute('href'),
      `#/runs/${encodeURIComponent(runId)}`,
    );

    // A run created elsewhere appears without a reload; the status filter is the server's.
    await markDocument(page);
    const second = await data('POST', base, {
      source: { kind: 'prompt', content: 'Rotate the signing keys' },
      title: 'Key rotation',
    });
    await page.locator(`[data-run="${second.id}"]`).waitFor();
    assert.equal(await stillSameDocument(page), true, 'the page was reloaded');
    await data('POST', `${base}/${second.id}/cancel`, { reason: 'not needed' });
    await page.getByLabel('Status').selectOption('cancelled');
    await page.locator(`[data-run="${runId}"]`).waitFor({ state: 'detached' });
    assert.match(await page.locator(`[data-run="${second.id}"]`).innerText(), /Cancelled: not needed/);
    await page.getByLabel('Status').selectOption('');
    await page.locator(`[data-run="${runId}"]`).waitFor();

    // An empty prompt: the server refuses it, and its reason shows as it gave it.
    const form = section(page, 'New run');
    await form.getByRole('button', { name: 'Create run' }).click();
    const alert = form.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /invalid_request: source\.content must not be empty/);
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  it('opens the run: status, counts, blockers, next actions, verification and review from the API', async () => {
    const status = await statusOf();
    const review = await data('GET', `${base}/${runId}/review`);
    assert.ok(status.waiting_on.length > 0 && status.next_actions.length > 0);

    const { page, problems } = await rig.open();
    await signIn(page);
    await openRun(page);

    const statusBox = section(page, 'Status');
    await statusBox.getByText('Stages').waitFor();
    const counts = await statusBox.innerText();
    assert.match(counts, new RegExp(`Issues\\s+\\(3\\)[\\s\\S]*ready\\s+${status.issue_counts.ready}`));
    assert.match(counts, new RegExp(`Stages\\s+\\(2\\)[\\s\\S]*pending\\s+${status.stage_counts.pending}`));
    assert.match(counts, /security_review:\s+needs_review/);

    const todo = await section(page, 'Blockers and next actions').innerText();
    for (const line of [
      ...status.blockers,
      ...status.waiting_on,
      ...status.next_actions,
      ...status.diagnostics,
    ]) {
      assert.ok(todo.includes(line), `"${line}" is not shown`);
    }
    assert.match(todo, /no problem_interpretation artifact/);

    const verification = section(page, 'Latest verification');
    await verification.locator('pre.output', { hasText: 'lint ok: 12 files checked' }).waitFor();
    assert.match(
      await verification.innerText(),
      /passed[\s\S]*-e console\.log\("lint ok: 12 files checked"\)/,
    );
    assert.match(await verification.innerText(), /exit 0/);

    const reviewBox = section(page, 'Review');
    await reviewBox.getByText(review.plan_summary).waitFor();
    const reviewText = await reviewBox.innerText();
    assert.equal(review.plan_summary, 'Ship a documented search API behind a flag');
    for (const line of [...review.issue_summary, ...review.gate_summary, ...review.open_risks]) {
      assert.ok(reviewText.includes(line), `review line "${line}" is not shown`);
    }
    assert.ok(reviewText.includes(review.id));

    await section(page, 'Stages and issues').locator('[data-stage="ship"]').waitFor();
    const work = await section(page, 'Stages and issues').innerText();
    assert.match(work, /build\s+Build the search API/);
    assert.match(work, /api\s+Write the search endpoint/);

    // The feed starts with the run's history.
    const feed = section(page, 'Live events');
    await feed.locator('[data-event="stage_graph.materialized"]').waitFor();
    await feed.locator('[data-event="verification.completed"]').waitFor();
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  it('brings changes made through the API into the feed and the status without a reload', async () => {
    const { page, problems } = await rig.open();
    await signIn(page);
    await openRun(page);
    const feed = section(page, 'Live events');
    await feed.locator('[data-event="gate.recorded"]').waitFor();
    await markDocument(page);

    const api = await issueByKey('api');
    await data('PATCH', `${base}/${runId}/issues/${api.id}`, { status: 'running', summary: 'halfway there' });
    await data('POST', `${base}/${runId}/checkpoints`, {
      branch_name: 'run/search-live',
      worktree_path: '/tmp/wt',
      base_ref: 'main',
      status: 'ready',
    });

    await feed.getByText('branch_name=run/search-live').waitFor();
    await feed.getByText(/changes=\["status","summary"\] status=running/).waitFor();
    const statusBox = section(page, 'Status');
    await waitUntil('the status shows the running issue and the checkpoint', async () => {
      const t = await statusBox.innerText();
      return /running\s+1/.test(t) && /Latest checkpoint:\s+ready/.test(t);
    });
    await section(page, 'Review')
      .getByText('api [running] Write the search endpoint — halfway there')
      .waitFor();
    await section(page, 'Stages and issues').getByText('— halfway there').waitFor();
    assert.equal(await stillSameDocument(page), true, 'the page was reloaded');
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  it('shows the run to its tenant without controls, and refuses it to another tenant with the server’s reason', async () => {
    const reader = await rig.open();
    await signIn(reader.page, acmeRead);
    await openRun(reader.page);
    await section(reader.page, 'Review').getByText('Ship a documented search API behind a flag').waitFor();
    assert.equal(await section(reader.page, 'Controls').count(), 0);
    assert.equal(await section(reader.page, 'New run').count(), 0);
    assert.deepEqual(reader.problems, []);
    await reader.page.context().close();

    const refused = await rig.server.request('GET', `${base}/${runId}`, undefined, otherTenant);
    // Another tenant's run is reported as absent.
    assert.equal(refused.status, 404);
    assert.equal(refused.body.code, 'not_found');
    const { page, problems } = await rig.open();
    await signIn(page, otherTenant);
    await page.getByRole('navigation').getByRole('link', { name: 'Runs' }).click();
    await page.getByText('No runs yet.').waitFor();
    await page.evaluate(`window.location.hash = '#/runs/${runId}'`);
    const alert = page.getByRole('alert').first();
    await alert.waitFor();
    assert.match(await alert.innerText(), new RegExp(`${refused.body.code}: ${refused.body.message}`));
    assert.equal(await section(page, 'Review').count(), 0);
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  for (const [name, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    it(`fits a ${viewport.width}×${viewport.height} screen (${name})`, async () => {
      const { page, problems } = await rig.open(viewport);
      await signIn(page);
      await page.evaluate(`window.location.hash = '#/runs'`);
      await page.locator(`[data-run="${runId}"]`).waitFor();
      assert.ok((await horizontalOverflow(page)) <= 0, 'the runs list scrolls sideways');
      await screenshot(page, `runs-${name}`);
      await page.getByRole('link', { name: 'Search API' }).click();
      await section(page, 'Latest verification')
        .locator('pre.output', { hasText: 'lint ok: 12 files checked' })
        .waitFor();
      await section(page, 'Live events').locator('[data-event="checkpoint.created"]').waitFor();
      assert.ok((await horizontalOverflow(page)) <= 0, 'the run page scrolls sideways');
      await screenshot(page, `run-${name}`);
      assert.deepEqual(problems, []);
      await page.context().close();
    });
  }

  it('cancels the run from the page with a reason, after a confirmation', async () => {
    const { page, problems } = await rig.open();
    await signIn(page);
    await openRun(page);
    const controls = section(page, 'Controls');
    await controls.getByLabel('Reason').fill('superseded by the v2 plan');
    await controls.getByRole('button', { name: 'Cancel run' }).click();
    await controls.getByRole('button', { name: 'Yes, cancel the run' }).click();

    await section(page, 'Status')
      .locator('.badge', { hasText: /^cancelled$/ })
      .waitFor();
    await section(page, 'Run').getByText('Cancelled: superseded by the v2 plan').waitFor();
    // The run's move is told in words.
    await section(page, 'Live events')
      .getByText('Run moved from planning to cancelled: superseded by the v2 plan')
      .waitFor();
    // A cancelled run takes no more changes: its controls are gone.
    assert.equal(await section(page, 'Controls').count(), 0);
    assert.equal((await statusOf()).status, 'cancelled');
    await screenshot(page, 'run-cancelled');
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  it('pages through the runs, newest first, 20 at a time', async () => {
    // With the two runs above, 22 in all: the first page is full, the second holds the oldest two.
    for (let i = 0; i < 20; i++) {
      await data('POST', base, {
        source: { kind: 'prompt', content: `Batch job ${i}` },
        title: `Batch ${i}`,
      });
    }
    const { page, problems } = await rig.open();
    await signIn(page);
    await page.getByRole('navigation').getByRole('link', { name: 'Runs' }).click();
    await page.getByRole('link', { name: 'Batch 19' }).waitFor();
    assert.equal(await page.locator('[data-run]').count(), 20);
    assert.equal(await page.getByRole('link', { name: 'Search API' }).count(), 0);
    assert.ok(await page.getByRole('button', { name: 'Newer runs' }).isDisabled());

    await page.getByRole('button', { name: 'Older runs' }).click();
    await page.getByRole('link', { name: 'Search API' }).waitFor();
    assert.deepEqual(await page.locator('[data-run] .run-item-head a').allInnerTexts(), [
      'Key rotation',
      'Search API',
    ]);
    assert.ok(await page.getByRole('button', { name: 'Older runs' }).isDisabled());

    await page.getByRole('button', { name: 'Newer runs' }).click();
    await page.getByRole('link', { name: 'Batch 19' }).waitFor();
    assert.deepEqual(problems, []);
    await page.context().close();
  });
});

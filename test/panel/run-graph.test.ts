import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  markDocument,
  panelSkip,
  screenshot,
  section,
  signIn,
  startPanelRig,
  stillSameDocument,
  waitUntil,
  type PanelRig,
} from './support.js';

const base = '/llm/factory/runs';
// build → (ship, docs) → release: three columns, two stages side by side in the middle one.
const graph = {
  stages: [
    {
      key: 'build',
      name: 'Build the API',
      depends_on: [],
      issues: [
        { key: 'api', title: 'Write the endpoint', kind: 'code', depends_on: [] },
        { key: 'tests', title: 'Test the endpoint', kind: 'code', depends_on: ['api'] },
      ],
    },
    {
      key: 'docs',
      name: 'Document it',
      depends_on: ['build'],
      issues: [{ key: 'guide', title: 'Write the guide', kind: 'docs', depends_on: ['tests'] }],
    },
    {
      key: 'ship',
      name: 'Ship it',
      depends_on: ['build'],
      issues: [{ key: 'deploy', title: 'Deploy', kind: 'ops', depends_on: ['tests'] }],
    },
    {
      key: 'release',
      name: 'Release',
      depends_on: ['docs', 'ship'],
      issues: [{ key: 'announce', title: 'Announce', kind: 'ops', depends_on: ['guide', 'deploy'] }],
    },
  ],
};

describe('panel: the run page draws the stage graph live', { skip: panelSkip }, () => {
  let rig: PanelRig;
  const data = async (method: string, path: string, body?: unknown) => {
    const r = await rig.server.request(method, path, body);
    assert.ok(
      r.status === 200 || r.status === 201,
      `${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`,
    );
    return r.body.data;
  };

  before(async () => {
    rig = await startPanelRig();
  });
  after(() => rig?.close());

  it('stages in columns by dependency, status colours, room and attempt of running issues, decisions in words', async () => {
    const room = await data('POST', '/llm/rooms', { name: 'builders', tenant: 'acme' });
    const run = await data('POST', base, {
      source: { kind: 'prompt', content: 'Ship the endpoint' },
      title: 'Graph run',
      tenant: 'acme',
    });
    for (const [artifact_type, payload] of [
      ['problem_interpretation', { summary: 'an endpoint' }],
      ['delivery_spec', { summary: 'a documented endpoint' }],
      ['factory.kernel.stage_graph', graph],
    ] as const)
      await data('POST', `${base}/${run.id}/artifacts`, { artifact_type, payload });

    const { page, problems } = await rig.open();
    await signIn(page);
    await page.getByRole('navigation').getByRole('link', { name: 'Runs' }).click();
    await page.getByRole('link', { name: 'Graph run' }).click();
    await page.getByRole('heading', { level: 1, name: /Graph run/ }).waitFor();
    const work = section(page, 'Stages and issues');
    const stage = (key: string) => work.locator(`[data-stage="${key}"]`);
    const issue = (key: string) => work.locator(`[data-issue="${key}"]`);
    await stage('release').waitFor();

    // Columns by dependency: build first, docs and ship side by side, release last.
    const columns = async () =>
      Object.fromEntries(
        await Promise.all(
          ['build', 'docs', 'ship', 'release'].map(async (k) => [
            k,
            Number(await stage(k).getAttribute('data-column')),
          ]),
        ),
      );
    assert.deepEqual(await columns(), { build: 0, docs: 1, ship: 1, release: 2 });
    const x = async (k: string) => (await stage(k).boundingBox())!.x;
    assert.ok((await x('build')) < (await x('docs')), 'build is left of docs');
    assert.equal(await x('docs'), await x('ship'), 'docs and ship share a column');
    assert.ok((await x('ship')) < (await x('release')), 'ship is left of release');
    assert.match(await stage('release').innerText(), /after docs, ship/);
    // Colours follow status (and the status is written too): a ready issue warns, a pending stage waits.
    assert.match((await issue('api').getAttribute('class'))!, /tone-warn/);
    assert.match(await issue('api').innerText(), /ready/);
    const colour = (k: string) =>
      issue(k).evaluate((el) => {
        // Runs in the page: the browser's own getComputedStyle (the test's types have no DOM).
        const page = globalThis as unknown as { getComputedStyle(e: unknown): { borderLeftColor: string } };
        return page.getComputedStyle(el).borderLeftColor;
      });

    await markDocument(page);
    // The supervisor takes the run: it moves it on and dispatches the ready issue to the room.
    await data('POST', `${base}/${run.id}/start`, { room_id: room.id });
    await waitUntil('the running issue shows its room and attempt', async () =>
      /room builders · attempt 1 · waiting for a worker/.test(await issue('api').innerText()),
    );
    assert.match(await issue('api').innerText(), /running/);
    const feed = section(page, 'Live events');
    await feed.getByText(/Supervisor: dispatched issue api to room .+, attempt 1 of 3/).waitFor();
    await feed.getByText('Run moved from planning to implementing', { exact: false }).waitFor();

    // A worker claims it, fails it; the supervisor dispatches it again: attempt 2.
    const inbox = `/llm/rooms/${room.id}/inbox`;
    const first = await data('GET', inbox);
    await waitUntil('the claim shows', async () =>
      /attempt 1 · claimed by a worker/.test(await issue('api').innerText()),
    );
    await data('POST', `${inbox}/${first.assignment_id}/result`, {
      lease_token: first.lease_token,
      status: 'failed',
      summary: 'tests broke',
    });
    await waitUntil('the second attempt shows', async () =>
      /room builders · attempt 2/.test(await issue('api').innerText()),
    );
    await feed.getByText(/Supervisor: dispatched issue api to room .+, attempt 2 of 3/).waitFor();
    const runningColour = await colour('api');

    const second = await data('GET', inbox);
    await data('POST', `${inbox}/${second.assignment_id}/result`, {
      lease_token: second.lease_token,
      status: 'passed',
      summary: 'endpoint written',
    });
    await waitUntil('the issue passes and the next one runs', async () => {
      const cls = (await issue('api').getAttribute('class')) ?? '';
      return cls.includes('tone-good') && /running/.test(await issue('tests').innerText());
    }).catch(async (e: unknown) => {
      throw new Error(`${(e as Error).message}: ${await work.innerText()}`);
    });
    assert.match(await issue('api').innerText(), /endpoint written/);
    assert.doesNotMatch(await issue('api').innerText(), /attempt/, 'a finished issue has no placement');
    assert.notEqual(await colour('api'), runningColour, 'passed and running are different colours');
    assert.equal(await stillSameDocument(page), true, 'the page was reloaded');
    await screenshot(page, 'run-graph');
    assert.deepEqual(problems, []);
    await page.context().close();
  });
});

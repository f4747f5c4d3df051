import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestFabrica, type TestFabrica } from './support/app.js';
import { enc } from './support/rollouts.js';

describe('fault drills are gated by the fault_injection capability', () => {
  let f: TestFabrica;
  before(async () => {
    f = await startTestFabrica('sqlite');
  });
  after(() => f.close());
  const tpl = (fault: unknown) => ({
    backend: 'adapter',
    tpl: {
      id: 'analysis.drill.v1',
      version: '1.0.0',
      analysis_type: 'echo',
      links: [],
      metadata: { schema: 'v1', fault },
    },
  });

  it('reports fault_injection_locked and refuses creation while the capability is locked', async () => {
    const dry = await f.request('POST', '/factory/cells/dryrun', { body: tpl({ error_rate: 0.5 }) });
    assert.equal(dry.status, 200);
    assert.equal(dry.body.ok, false);
    assert.deepEqual(
      dry.body.report.risks.map((r: any) => [r.code, r.severity]),
      [['fault_injection_locked', 'blocking']],
    );
    const created = await f.request('POST', '/factory/cells', { body: tpl({ error_rate: 0.5 }) });
    assert.equal(created.status, 403);
    assert.equal(created.body.code, 'capability_disabled');
    assert.equal(created.body.capability, 'fault_injection');
    assert.equal((await f.request('GET', '/factory/cells/analysis.drill.v1')).status, 404);
  });

  it('honours faults once the capability is experimental, and refuses malformed ones', async () => {
    await f.request('PUT', '/capabilities/fault_injection', {
      body: { level: 'experimental', reason: 'drill' },
    });
    for (const fault of [{ error_rate: 2 }, { delay_ms: -1 }, { delay_ms: 1.5 }, 'x', { colour: 1 }]) {
      const dry = await f.request('POST', '/factory/cells/dryrun', { body: tpl(fault) });
      assert.deepEqual(
        dry.body.report.risks.map((r: any) => r.code),
        ['invalid_fault'],
        JSON.stringify(fault),
      );
      const r = await f.request('POST', '/factory/cells', { body: tpl(fault) });
      assert.equal(r.status, 400, JSON.stringify(fault));
      assert.equal(r.body.code, 'invalid_template');
    }
    const created = await f.request('POST', '/factory/cells', { body: tpl({ error_rate: 1, delay_ms: 5 }) });
    assert.equal(created.status, 201);
    const forced = await f.request('POST', `/factory/cells/${enc(created.body.id)}/invoke`, {
      body: { input: 'x' },
      headers: { 'x-fabrica-revision': '1.0.0' },
    });
    assert.equal(forced.status, 502);
    assert.match(forced.body.reason, /injected fault/);
    // Locked again: the fault is no longer honoured.
    await f.request('PUT', '/capabilities/fault_injection', { body: { level: 'locked', reason: 'done' } });
    const clean = await f.request('POST', `/factory/cells/${enc(created.body.id)}/invoke`, {
      body: { input: 'x' },
      headers: { 'x-fabrica-revision': '1.0.0' },
    });
    assert.equal(clean.status, 200);
    assert.equal(clean.body.output, 'x');
  });
});

describe('the traffic split gives each revision the share the settings say', () => {
  let f: TestFabrica;
  before(async () => {
    f = await startTestFabrica('sqlite');
  });
  after(() => f.close());

  /**
   * 10,000 calls through the service (in process, fast). The tolerance is five standard deviations of a
   * binomial share (√(p(1−p)/n) ≤ 0.5 points at n = 10,000): 2.5 points, whatever the share; the bug this
   * guards against (a canary beside a stable revision taking 20% instead of 10%) is 10 points off.
   */
  const shares = async (id: string, n = 10_000) => {
    const counts = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const r = await f.fabrica.cellInvoker.invoke(id, 'x');
      assert.ok(r.ok);
      counts.set(r.value.revision, (counts.get(r.value.revision) ?? 0) + 1);
    }
    return (version: string) => (counts.get(version) ?? 0) / n;
  };
  const TOLERANCE = 0.025;
  const near = (actual: number, expected: number, what: string) =>
    assert.ok(
      Math.abs(actual - expected) <= TOLERANCE,
      `${what}: ${actual} is not within ${TOLERANCE} of ${expected}`,
    );

  it('canary beside stable: 10% / 90%; canary, experimental and stable: 10% / 50% / 40%', async () => {
    const make = async (version: string, approvals: number) => {
      const tpl = {
        id: 'analysis.split.v1',
        version,
        analysis_type: 'echo',
        links: [],
        metadata: { schema: 'v1' },
      };
      assert.equal(
        (await f.request('POST', '/factory/cells', { body: { backend: 'adapter', tpl } })).status,
        201,
      );
      for (let i = 0; i < approvals; i++)
        await f.request(
          'POST',
          `/factory/cells/${enc('adapter:analysis.split.v1')}/approve?version=${version}`,
          {
            body: {},
          },
        );
    };
    const id = 'adapter:analysis.split.v1';
    await make('1.0.0', 3);
    await make('1.1.0', 1);
    const two = await shares(id);
    near(two('1.1.0'), 0.1, 'canary');
    near(two('1.0.0'), 0.9, 'stable');
    // The same through HTTP: the answer names the revision that served.
    let canary = 0;
    for (let i = 0; i < 400; i++) {
      const r = await f.request('POST', `/factory/cells/${enc(id)}/invoke`, { body: { input: 'x' } });
      assert.equal(r.status, 200);
      if (r.body.revision === '1.1.0') canary += 1;
    }
    // 400 calls at 10%: mean 40, standard deviation 6; five of them either side.
    assert.ok(canary >= 10 && canary <= 70, `HTTP canary calls ${canary} of 400`);
    await f.request('POST', `/factory/cells/${enc(id)}/approve?version=1.1.0`, { body: {} });
    await make('1.2.0', 1);
    // Now 1.1.0 is experimental and 1.2.0 canary.
    const three = await shares(id);
    near(three('1.2.0'), 0.1, 'canary');
    near(three('1.1.0'), 0.5, 'experimental');
    near(three('1.0.0'), 0.4, 'stable');
    // The cell view states the same shares (the panel's rollout view shows them), and none in quarantine.
    const percent = async () =>
      Object.fromEntries(
        (await f.request('GET', `/factory/cells/${enc(id)}`)).body.revisions.map((r: any) => [
          r.version,
          r.traffic_percent,
        ]),
      );
    assert.deepEqual(await percent(), { '1.0.0': 40, '1.1.0': 50, '1.2.0': 10 });
    const q = await f.request('POST', `/factory/cells/${enc(id)}/quarantine`, { body: { reason: 'drill' } });
    assert.equal(q.status, 200);
    assert.deepEqual(await percent(), { '1.0.0': 0, '1.1.0': 0, '1.2.0': 0 });
  });
});

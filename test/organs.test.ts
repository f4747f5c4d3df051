import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestFabrica, type TestFabrica } from './support/app.js';
import { loadExampleCells } from './support/example-cells.js';
import { STORE_KINDS } from './support/stores.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const echo = {
  id: 'organ.echo.v1',
  version: '0.1.0',
  roles: ['echo'],
  cells: ['analysis.echo_adapter.v1'],
  pathways: [{ name: 'text', cells: ['analysis.echo_adapter.v1'] }],
  policies: { stage: 'draft', hitl: false },
};
const voice = {
  id: 'organ.voice.v1',
  roles: ['speech'],
  nodes: ['analysis.text_normalize.v1', 'analysis.text_to_phonemes.v1', 'analysis.speak_adapter.v1'],
  channels: [
    {
      name: 'speak',
      nodes: ['analysis.text_normalize.v1', 'analysis.text_to_phonemes.v1', 'analysis.speak_adapter.v1'],
    },
  ],
  policies: { hitl: false, smoke_input: 'Нейра говорит' },
};

for (const { kind, skip } of STORE_KINDS) {
  describe(`organ builder (${kind})`, { skip }, () => {
    let f: TestFabrica;
    before(async () => {
      f = await startTestFabrica(kind, { ORGANS_BUILDER_STAGE_DELAYS: '50,100,200' });
      await loadExampleCells((m, u, b) => f.request(m, u, b === undefined ? {} : { body: b }));
    });
    after(() => f.close());
    const build = (template: unknown, dryrun?: boolean) =>
      f.request('POST', '/organs/build', {
        body: { organ_template: template, ...(dryrun === undefined ? {} : { dryrun }) },
      });
    const status = async (id: string) => (await f.request('GET', `/organs/${id}/status`)).body;
    const waitFor = async (id: string, pred: (s: any) => boolean, ms = 10_000) => {
      const start = Date.now();
      for (;;) {
        const s = await status(id);
        if (pred(s)) return s;
        if (Date.now() - start > ms) throw new Error(`timed out; state ${s.state}`);
        await sleep(10);
      }
    };

    it('dry-runs without persisting anything', async () => {
      const head = (await f.request('GET', '/audit/verify')).body.head_seq;
      const r = await build({ ...echo, cells: [...echo.cells, 'analysis.ghost.v1'] }, true);
      assert.equal(r.status, 200);
      assert.deepEqual([r.body.organ_id, r.body.state], [null, 'dry_run']);
      assert.ok(r.body.report.risks.some((x: any) => x.code === 'missing_cell' && x.severity === 'blocking'));
      assert.equal(r.body.report.cells[0].state, 'stable');
      assert.equal((await f.request('GET', '/audit/verify')).body.head_seq, head);
      assert.deepEqual((await f.request('GET', '/organs')).body.organs, []);
    });

    it('walks draft → canary → experimental → stable after the sequential waits', async () => {
      const started = Date.now();
      const r = await build(echo);
      assert.equal(r.status, 201);
      assert.equal(r.body.state, 'draft');
      const id = r.body.organ_id;
      assert.match(id, /^organ-\d+$/);
      const s = await waitFor(id, (x) => x.state === 'stable');
      const states = s.stage_history.map((h: any) => h.state);
      assert.deepEqual(states, ['draft', 'canary', 'experimental', 'stable']);
      const at = s.stage_history.map((h: any) => Date.parse(h.at) - started);
      // Lower bounds only: ~50, ~150, ~350 ms after the build started (timestamps have ms resolution).
      assert.ok(at[1] >= 45 && at[2] >= 145 && at[3] >= 345, JSON.stringify(at));
      assert.ok(s.metrics.build_duration_ms >= 345);
      assert.equal(s.awaiting_approval, false);
      assert.deepEqual(s.cells, [{ id: 'adapter:analysis.echo_adapter.v1', state: 'stable', serving: true }]);
      const logs = f.logs.join('');
      assert.match(logs, /"msg":"organ build started"/);
      const metrics = (await f.request('GET', '/metrics')).text;
      assert.match(metrics, /^organ_build_attempts_total [1-9]/m);
      assert.match(metrics, /^organ_build_duration_ms_count [1-9]/m);
      assert.match(metrics, /^organ_build_duration_seconds_count [1-9]/m);
    });

    it('invokes the echo, reverse and voice organs end to end', async () => {
      const e = (await build(echo)).body.organ_id;
      const r = (
        await build({
          ...echo,
          id: 'organ.reverse.v1',
          cells: ['analysis.reverse_adapter.v1'],
          pathways: [{ name: 'text', cells: ['analysis.reverse_adapter.v1'] }],
        })
      ).body.organ_id;
      const v = (await build(voice)).body.organ_id;
      for (const id of [e, r, v]) await waitFor(id, (x) => x.state === 'stable');
      assert.equal(
        (await f.request('POST', `/organs/${e}/invoke`, { body: { input: 'ping' } })).body.output,
        'ping',
      );
      assert.equal(
        (await f.request('POST', `/organs/${r}/invoke`, { body: { input: 'abc' } })).body.output,
        'cba',
      );
      const out = await f.request('POST', `/organs/${v}/invoke`, {
        body: { input: 'Нейра говорит', pathway: 'speak' },
      });
      assert.equal(out.body.output, 'N-YE-I-R-A G-O-V-O-R-I-T');
      assert.deepEqual(
        out.body.trace.map((t: any) => t.cell),
        [
          'adapter:analysis.text_normalize.v1',
          'adapter:analysis.text_to_phonemes.v1',
          'adapter:analysis.speak_adapter.v1',
        ],
      );
      const bad = await f.request('POST', `/organs/${v}/invoke`, { body: { input: { not: 'text' } } });
      assert.equal(bad.status, 502);
      assert.equal(bad.body.cell, 'adapter:analysis.text_normalize.v1');
      assert.equal(
        (await f.request('POST', `/organs/${v}/invoke`, { body: { input: 'x', pathway: 'nope' } })).status,
        404,
      );
      const s = await status(v);
      assert.equal(s.metrics.invocations, 2);
      assert.equal(s.metrics.errors, 1);
    });

    it('pauses a HITL build at experimental until approved', async () => {
      const id = (await build({ ...echo, policies: { hitl: true } })).body.organ_id;
      const s = await waitFor(id, (x) => x.awaiting_approval === true);
      assert.equal(s.state, 'experimental');
      await sleep(300);
      assert.equal((await status(id)).state, 'experimental', 'no timer moves a HITL organ to stable');
      const intro = await f.request('GET', '/api/neira/introspection/status');
      assert.equal(intro.body.pending_approvals, 1);
      assert.ok(intro.body.counts.organs.experimental >= 1);
      const ok = await f.request('POST', `/organs/${id}/approve`, {
        rawBody: '',
        headers: { 'content-type': 'application/json' },
      });
      assert.deepEqual(ok.body, { id, state: 'stable' });
      const after = await status(id);
      assert.equal(after.stage_history.at(-1).actor, 'admin');
      assert.equal((await f.request('POST', `/organs/${id}/approve`)).status, 409);
    });

    it('cancels a running build; a finished one answers not_running', async () => {
      const id = (await build(echo)).body.organ_id;
      await waitFor(id, (x) => x.state === 'canary');
      const del = await f.request('DELETE', `/organs/${id}/build`);
      assert.equal(del.status, 204);
      const s = await status(id);
      assert.equal(s.state, 'failed');
      assert.match(s.reason, /cancelled by admin/);
      await sleep(400);
      assert.equal((await status(id)).state, 'failed', 'no stage timer fires after a cancel');
      const again = await f.request('DELETE', `/organs/${id}/build`);
      assert.deepEqual([again.status, again.body.code], [409, 'not_running']);
      assert.equal((await f.request('DELETE', '/organs/organ-9999/build')).status, 404);
    });

    it('moves by hand (stopping the progression) and rebuilds from draft', async () => {
      const id = (await build(echo)).body.organ_id;
      const set = await f.request('POST', `/organs/${id}/status`, { body: { state: 'experimental' } });
      assert.deepEqual(set.body, { id, state: 'experimental' });
      await sleep(400);
      assert.equal((await status(id)).state, 'experimental', 'manual status stops auto-progression');
      const bad = await f.request('POST', `/organs/${id}/status`, { body: { state: 'golden' } });
      assert.equal(bad.status, 400);
      assert.match(bad.body.reason, /allowed: draft, canary, experimental, stable, failed/);
      assert.equal(
        (await f.request('POST', '/organs/organ-9999/status', { body: { state: 'draft' } })).status,
        404,
      );
      const re = await f.request('POST', `/organs/${id}/rebuild`);
      assert.deepEqual(re.body, { id, state: 'draft' });
      const s = await waitFor(id, (x) => x.state === 'stable');
      assert.deepEqual(
        s.stage_history.slice(-4).map((h: any) => h.state),
        ['draft', 'canary', 'experimental', 'stable'],
      );
    });

    it('fails a stage when a cell stops serving, with the reason', async () => {
      await f.request('POST', '/factory/cells', {
        body: {
          backend: 'adapter',
          tpl: {
            id: 'analysis.fragile.v1',
            version: '0.1.0',
            analysis_type: 'echo',
            links: [],
            metadata: { schema: 'v1' },
          },
        },
      });
      for (let i = 0; i < 3; i += 1)
        await f.request(
          'POST',
          `/factory/cells/${encodeURIComponent('adapter:analysis.fragile.v1')}/approve`,
        );
      const id = (
        await build({ ...echo, id: 'organ.fragile.v1', cells: ['analysis.fragile.v1'], pathways: [] })
      ).body.organ_id;
      await f.request('POST', `/factory/cells/${encodeURIComponent('adapter:analysis.fragile.v1')}/disable`);
      const s = await waitFor(id, (x) => x.state === 'failed');
      assert.match(s.reason, /cells not serving: adapter:analysis.fragile.v1 \(disabled\)/);
    });

    it('refuses bad templates and unknown ids with their codes', async () => {
      for (const bad of [
        { ...echo, colour: 'red' },
        { ...echo, pathways: [{ name: 'p', cells: ['analysis.not_listed.v1'] }] },
        { id: 'x' },
        'not an object',
      ]) {
        const r = await build(bad);
        assert.equal(r.status, 400, JSON.stringify(bad));
        assert.equal(r.body.code, 'invalid_template');
      }
      const missing = await build({ ...echo, cells: ['analysis.ghost.v1'], pathways: [] });
      assert.equal(missing.status, 400);
      assert.match(missing.body.reason, /cells not found: analysis.ghost.v1/);
      assert.equal((await f.request('GET', '/organs/organ-9999/status')).status, 404);
      await f.request('PUT', '/capabilities/organs_builder', { body: { level: 'locked', reason: 'test' } });
      const locked = await build(echo);
      assert.deepEqual(
        [locked.status, locked.body.code, locked.body.capability],
        [403, 'capability_disabled', 'organs_builder'],
      );
      await f.request('PUT', '/capabilities/organs_builder', {
        body: { level: 'experimental', reason: 'test' },
      });
    });
  });
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadExampleCells } from './support/example-cells.js';
import { startServerProcess } from './support/server-process.js';
import { freshTarget, STORE_KINDS } from './support/stores.js';
import { until } from './support/wait.js';

const echo = {
  id: 'organ.echo.v1',
  roles: ['echo'],
  cells: ['analysis.echo_adapter.v1'],
  pathways: [{ name: 'text', cells: ['analysis.echo_adapter.v1'] }],
  policies: { hitl: false },
};

for (const { kind, skip } of STORE_KINDS) {
  describe(`organ statistics across a crash (${kind})`, { skip }, () => {
    it('keeps an organ’s invocations as per-minute rollups: GET /organs/:id/stats survives SIGKILL', async () => {
      const target = await freshTarget(kind);
      const env = { ...target.env, ORGANS_BUILDER_STAGE_DELAYS: '10,10,10', FABRICA_STATS_FLUSH_MS: '50' };
      try {
        const first = await startServerProcess(env);
        await loadExampleCells((m, u, b) => first.request(m, u, b));
        const id = (await first.request('POST', '/organs/build', { organ_template: echo })).body.organ_id;
        await until(
          'the organ to be stable',
          async () => (await first.request('GET', `/organs/${id}/status`)).body.state === 'stable',
        );
        const failed = 0;
        for (let i = 0; i < 25; i++) {
          const r = await first.request('POST', `/organs/${id}/invoke`, { input: `call ${i}` });
          assert.equal(r.status, 200, JSON.stringify(r.body));
        }
        // A pathway that does not exist runs nothing and counts nothing.
        assert.equal(
          (await first.request('POST', `/organs/${id}/invoke`, { input: 'x', pathway: 'nope' })).status,
          404,
        );
        const total = 25;
        const written = await until('the calls to be written', async () => {
          const s = (await first.request('GET', `/organs/${id}/stats`)).body;
          return s.totals.calls === total ? s : undefined;
        });
        assert.equal(written.totals.errors, failed);
        await first.kill('SIGKILL');

        const second = await startServerProcess(env);
        try {
          const s = (await second.request('GET', `/organs/${id}/stats`)).body;
          assert.equal(s.organ, id);
          assert.equal(s.totals.calls, total, 'the counts survived the crash');
          assert.equal(s.totals.errors, failed);
          assert.ok(s.totals.p95_ms !== null);
          assert.equal(s.step_ms, 60000);
          assert.equal(
            s.points.reduce((n: number, p: any) => n + p.calls, 0),
            total,
          );
          // Calls after the restart add up with those before it.
          await second.request('POST', `/organs/${id}/invoke`, { input: 'after' });
          await until(
            'the new call to be written',
            async () => (await second.request('GET', `/organs/${id}/stats`)).body.totals.calls === total + 1,
          );
          const hour = await second.request('GET', `/organs/${id}/stats?step=3600000`);
          assert.equal(hour.body.points.length >= 1 && hour.body.points.length <= 2, true);
          // Bad reads.
          assert.equal((await second.request('GET', '/organs/organ-99/stats')).status, 404);
          const reversed = await second.request(
            'GET',
            `/organs/${id}/stats?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z`,
          );
          assert.equal(reversed.status, 400);
          assert.equal(reversed.body.code, 'invalid_request');
          assert.equal((await second.request('GET', `/organs/${id}/stats?step=1000`)).status, 400);
          const empty = await second.request(
            'GET',
            `/organs/${id}/stats?from=2020-01-01T00:00:00Z&to=2020-01-01T01:00:00Z`,
          );
          assert.equal(empty.body.totals.calls, 0);
        } finally {
          await second.kill('SIGTERM');
        }
      } finally {
        await target.cleanup();
      }
    });
  });
}

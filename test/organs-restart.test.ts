import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadExampleCells } from './support/example-cells.js';
import { startServerProcess } from './support/server-process.js';
import { freshTarget, STORE_KINDS } from './support/stores.js';
import { until } from './support/wait.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const echo = {
  id: 'organ.echo.v1',
  roles: ['echo'],
  cells: ['analysis.echo_adapter.v1'],
  pathways: [{ name: 'text', cells: ['analysis.echo_adapter.v1'] }],
  policies: { hitl: false },
};

for (const { kind, skip } of STORE_KINDS) {
  describe(`an organ build across a crash (${kind})`, { skip }, () => {
    it('continues from the stage it had reached; organ numbers are never reused', async () => {
      const target = await freshTarget(kind);
      const env = { ...target.env, ORGANS_BUILDER_STAGE_DELAYS: '300,600,300' };
      try {
        const first = await startServerProcess(env);
        await loadExampleCells((m, u, b) => first.request(m, u, b));
        const id = (await first.request('POST', '/organs/build', { organ_template: echo })).body.organ_id;
        assert.equal(id, 'organ-1');
        // Canary or later: a slow poll may miss the canary stage itself; the history below shows each stage.
        await until('the build to leave draft', async () =>
          ['canary', 'experimental', 'stable'].includes(
            (await first.request('GET', `/organs/${id}/status`)).body.state as string,
          ),
        );
        await first.kill('SIGKILL');
        await sleep(1200); // the next stages fall due while the server is down

        const second = await startServerProcess(env);
        try {
          const s = await until('the build to finish after the restart', async () => {
            const body = (await second.request('GET', `/organs/${id}/status`)).body;
            return body.state === 'stable' ? body : undefined;
          });
          assert.deepEqual(
            s.stage_history.map((h: any) => h.state),
            ['draft', 'canary', 'experimental', 'stable'],
            'not restarted from draft, no stage skipped or repeated',
          );
          const moves = (await second.request('GET', `/audit?subject_id=${id}&type=organ.stage_changed`)).body
            .events;
          assert.equal(moves.length, 3, 'each stage timer fired exactly once');
          const next = await second.request('POST', '/organs/build', { organ_template: echo });
          assert.equal(next.body.organ_id, 'organ-2');
        } finally {
          await second.kill('SIGTERM');
        }
      } finally {
        await target.cleanup();
      }
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestFabrica, type TestFabrica } from './support/app.js';
import { loadExampleCells } from './support/example-cells.js';
import { STORE_KINDS } from './support/stores.js';

const echo = {
  id: 'organ.echo.v1',
  roles: ['echo'],
  cells: ['analysis.echo_adapter.v1'],
  pathways: [{ name: 'text', cells: ['analysis.echo_adapter.v1'] }],
  policies: { hitl: true },
};

// A status is read from memory kept current by the organ's events; this instance's own writes must show
// at once, even before their events come back through the hub.
for (const { kind, skip } of STORE_KINDS) {
  describe(`organ status reads its own writes (${kind})`, { skip }, () => {
    let f: TestFabrica;
    before(async () => {
      f = await startTestFabrica(kind, { ORGANS_BUILDER_STAGE_DELAYS: '3600000,3600000,3600000' });
      await loadExampleCells((m, u, body) => f.request(m, u, { body }));
    });
    after(() => f.close());

    it('shows an organ built right after a read that found none, and each move right after it', async () => {
      const before = await f.request('GET', '/organs/organ-1/status');
      assert.equal(before.status, 404);
      const built = await f.request('POST', '/organs/build', { body: { organ_template: echo } });
      assert.deepEqual([built.status, built.body.organ_id], [201, 'organ-1']);
      const now = await f.request('GET', '/organs/organ-1/status');
      assert.deepEqual([now.status, now.body.state], [200, 'draft']);
      const moved = await f.request('POST', '/organs/organ-1/status', { body: { state: 'canary' } });
      assert.equal(moved.status, 200);
      assert.equal((await f.request('GET', '/organs/organ-1/status')).body.state, 'canary');
    });
  });
}

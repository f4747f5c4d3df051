import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startServerProcess } from './support/server-process.js';
import { freshTarget, STORE_KINDS } from './support/stores.js';

const enc = encodeURIComponent;

for (const { kind, skip } of STORE_KINDS) {
  describe(`cells across a crash (${kind})`, { skip }, () => {
    it('keeps every revision state, history and template after SIGKILL', async () => {
      const target = await freshTarget(kind);
      try {
        const first = await startServerProcess(target.env);
        const make = async (id: string, version: string, steps: string[]) => {
          const tpl = { id, version, analysis_type: 'reverse', links: [], metadata: { schema: 'v1' } };
          assert.equal(
            (await first.request('POST', '/factory/cells', { backend: 'adapter', tpl })).status,
            201,
          );
          for (const step of steps) {
            const r = await first.request(
              'POST',
              `/factory/cells/${enc(`adapter:${id}`)}/${step}?version=${version}`,
            );
            assert.equal(r.status, 200, `${step}: ${JSON.stringify(r.body)}`);
          }
        };
        await make('analysis.a.v1', '1.0.0', ['approve', 'approve', 'approve']);
        await make('analysis.a.v1', '1.1.0', ['approve']);
        await make('analysis.b.v1', '0.1.0', ['approve', 'disable']);
        await make('analysis.c.v1', '0.1.0', ['approve', 'approve', 'approve', 'rollback']);
        await make('analysis.d.v1', '0.1.0', []);
        const before = (await first.request('GET', '/factory/cells')).body.cells;
        await first.kill('SIGKILL');

        const second = await startServerProcess(target.env);
        try {
          const after = (await second.request('GET', '/factory/cells')).body.cells;
          const shape = (cells: any[]) =>
            cells.map((c) => ({
              id: c.id,
              revisions: c.revisions.map((r: any) => [r.version, r.state, r.history.length]),
            }));
          assert.deepEqual(shape(after), shape(before));
          assert.deepEqual(
            after.map((c: any) => c.revisions.map((r: any) => r.state)),
            [['stable', 'canary'], ['disabled'], ['rolled_back'], ['draft']],
          );
          const call = await second.request('POST', `/factory/cells/${enc('adapter:analysis.a.v1')}/invoke`, {
            input: 'abc',
          });
          assert.equal(call.status, 200);
          assert.equal(call.body.output, 'cba');
          assert.equal((await second.request('GET', '/audit/verify')).body.ok, true);
        } finally {
          await second.kill('SIGTERM');
        }
      } finally {
        await target.cleanup();
      }
    });
  });
}

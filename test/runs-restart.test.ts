import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startServerProcess } from './support/server-process.js';
import { freshTarget, STORE_KINDS } from './support/stores.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const base = '/llm/factory/runs';

for (const { kind, skip } of STORE_KINDS) {
  describe(`a run across a crash (${kind})`, { skip }, () => {
    it('loses nothing, and an auto-advancing run carries on by itself after restart', async () => {
      const target = await freshTarget(kind);
      const env = { ...target.env, FABRICA_TIMER_POLL_MS: '100' };
      try {
        const first = await startServerProcess(env);
        const run = (
          await first.request('POST', base, {
            source: { kind: 'prompt', content: 'survive' },
            auto_advance: true,
          })
        ).body.data;
        const manual = (await first.request('POST', base, { source: { kind: 'prompt', content: 'by hand' } }))
          .body.data;
        for (const id of [run.id, manual.id]) {
          for (const t of ['problem_interpretation', 'delivery_spec']) {
            assert.equal(
              (await first.request('POST', `${base}/${id}/artifacts`, { artifact_type: t, payload: {} }))
                .status,
              201,
            );
          }
        }
        const graph = {
          stages: [
            {
              key: 's',
              name: 'S',
              depends_on: [],
              issues: [
                { key: 'a', title: 'A', kind: 'k', depends_on: [] },
                { key: 'b', title: 'B', kind: 'k', depends_on: ['a'] },
              ],
            },
          ],
        };
        assert.equal(
          (
            await first.request('POST', `${base}/${manual.id}/artifacts`, {
              artifact_type: 'stage_graph',
              payload: graph,
            })
          ).status,
          201,
        );
        assert.equal(
          (await first.request('POST', `${base}/${manual.id}/advance`)).body.data.status,
          'implementing',
        );
        // The last precondition lands and the server dies at once. Whether its supervise timer fired before
        // the kill or fires after the restart, the run must advance, and exactly once.
        const last = first.request('POST', `${base}/${run.id}/artifacts`, {
          artifact_type: 'stage_graph',
          payload: graph,
        });
        const acknowledged = (await last).status === 201;
        await first.kill('SIGKILL');

        const second = await startServerProcess(env);
        try {
          assert.equal((await second.request('GET', '/audit/verify')).body.ok, true);
          const m = (await second.request('GET', `${base}/${manual.id}/status`)).body.data;
          assert.equal(m.status, 'implementing');
          assert.deepEqual([m.issue_counts.ready, m.issue_counts.pending], [1, 1]);
          if (acknowledged) {
            let status = '';
            for (let i = 0; i < 100 && status !== 'implementing'; i += 1) {
              status = (await second.request('GET', `${base}/${run.id}/status`)).body.data.status;
              if (status !== 'implementing') await sleep(50);
            }
            assert.equal(status, 'implementing', 'the supervisor resumed after the restart');
            const advanced = (
              await second.request('GET', `/audit?subject_id=${run.id}&type=run.status_changed`)
            ).body.events;
            assert.equal(advanced.length, 1, 'advanced exactly once');
          }
          const artifacts = (await second.request('GET', `${base}/${run.id}/artifacts`)).body.data;
          assert.equal(artifacts.length, acknowledged ? 3 : 2);
        } finally {
          await second.kill('SIGTERM');
        }
      } finally {
        await target.cleanup();
      }
    });
  });
}

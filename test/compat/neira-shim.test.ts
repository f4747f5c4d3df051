// Neira's factory shim and tools, replayed against fabrica: the ids, paths and names they send and read.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestFabrica, type TestFabrica } from '../support/app.js';
import { loadExampleCells } from '../support/example-cells.js';
import { STORE_KINDS } from '../support/stores.js';
import { connectWs } from '../support/ws-client.js';

const PHONEMES = 'analysis.text_to_phonemes.v1';
const DUP = 'analysis.dup_backend.v1';
const SCRIPT_ONLY = 'analysis.script_only.v1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The value of an unlabelled series in exposition text. */
const sample = (text: string, name: string): number | undefined => {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m === null ? undefined : Number(m[1]);
};

for (const { kind, skip } of STORE_KINDS) {
  describe(`Neira shim compatibility (${kind})`, { skip }, () => {
    let f: TestFabrica;
    let base: string;
    before(async () => {
      f = await startTestFabrica(kind, { ORGANS_BUILDER_STAGE_DELAYS: '10,10,10' });
      await loadExampleCells((m, u, b) => f.request(m, u, b === undefined ? {} : { body: b }));
      // One template fabricated by two backends. Only the adapter runs in this build, so the second cell
      // is written the way a build with the script runtime would have left it in a shared store.
      const tpl = { id: DUP, version: '0.1.0', analysis_type: 'echo', links: [], metadata: { schema: 'v1' } };
      assert.equal(
        (await f.request('POST', '/factory/cells', { body: { backend: 'adapter', tpl } })).status,
        201,
      );
      const adapter = (await f.request('GET', `/factory/cells/adapter:${DUP}`)).body;
      const scriptCell = (templateId: string) => ({
        id: `script:${templateId}`,
        backend: 'script' as const,
        templateId,
        hitl: true,
        quarantine: null,
        createdAt: adapter.created_at,
        updatedAt: adapter.created_at,
        createdBy: 'admin',
        version: 1,
      });
      await f.fabrica.store.transaction(async (tx) => {
        await tx.cells.putCell(scriptCell(DUP));
        await tx.cells.putCell(scriptCell(SCRIPT_ONLY));
      });
      base = await f.fabrica.app.listen({ port: 0, host: '127.0.0.1' });
    });
    after(() => f.close());

    it('a bare template id works on every /factory/cells/:id and /factory/nodes/:id route', async () => {
      for (const prefix of ['/factory/cells', '/factory/nodes']) {
        const cell = await f.request('GET', `${prefix}/${PHONEMES}`);
        assert.equal(cell.status, 200, cell.text);
        assert.equal(cell.body.id, `adapter:${PHONEMES}`);
        // What the shim's `--id analysis.text_to_phonemes.v1 invoke` sends.
        const out = await f.request('POST', `${prefix}/${PHONEMES}/invoke`, { body: { input: 'нейра' } });
        assert.equal(out.status, 200, out.text);
        assert.equal(out.body.output, 'N-YE-I-R-A');
        // Lifecycle commands, with no body as the shim sends them: stable cannot be approved further.
        const approve = await f.request('POST', `${prefix}/${PHONEMES}/approve`, {
          headers: { 'content-type': 'application/json' },
        });
        assert.equal(approve.status, 409, approve.text);
        assert.equal(approve.body.code, 'invalid_transition');
        assert.match(approve.body.reason, /in state stable/);
      }
      const disabled = await f.request('POST', `/factory/cells/analysis.summarize.v1/disable`);
      assert.equal(disabled.status, 200, disabled.text);
      assert.deepEqual(
        [disabled.body.id, disabled.body.state],
        ['adapter:analysis.summarize.v1', 'disabled'],
      );
      // The full id, URL-encoded, keeps working; an unknown bare id is still 404.
      assert.equal(
        (await f.request('GET', `/factory/cells/${encodeURIComponent(`adapter:${PHONEMES}`)}`)).status,
        200,
      );
      const unknown = await f.request('GET', '/factory/cells/analysis.nothing.v1');
      assert.equal(unknown.status, 404);
      assert.match(unknown.body.reason, /analysis\.nothing\.v1/);
    });

    it('a bare id streams the cell too', async () => {
      const s = connectWs(base, `/factory/nodes/${PHONEMES}/stream`);
      await s.waitFor('snapshot', (c) => c.data().some((x) => x.type === 'snapshot'));
      assert.equal(s.data()[0].cell.id, `adapter:${PHONEMES}`);
      s.ws.close();
      await s.closed;
      const ambiguous = connectWs(base, `/factory/cells/${DUP}/stream`);
      assert.equal(await ambiguous.refused, 409);
    });

    it('an ambiguous bare id is 409 ambiguous_id listing the full ids, and changes nothing', async () => {
      const head = (await f.request('GET', '/audit/verify')).body.head_seq;
      for (const [method, path] of [
        ['GET', `/factory/cells/${DUP}`],
        ['GET', `/factory/nodes/${DUP}`],
        ['POST', `/factory/cells/${DUP}/approve`],
        ['POST', `/factory/nodes/${DUP}/rollback`],
        ['POST', `/factory/cells/${DUP}/invoke`],
      ] as const) {
        const r = await f.request(method, path, method === 'POST' ? { body: { input: 'x' } } : {});
        assert.equal(r.status, 409, `${method} ${path}: ${r.text}`);
        assert.equal(r.body.code, 'ambiguous_id');
        assert.deepEqual(r.body.ids, [`adapter:${DUP}`, `script:${DUP}`]);
        assert.match(
          r.body.reason,
          /use one of adapter:analysis\.dup_backend\.v1, script:analysis\.dup_backend\.v1/,
        );
      }
      assert.equal((await f.request('GET', '/audit/verify')).body.head_seq, head);
      // Without the admin token the caller learns nothing about which cells exist.
      const anon = await f.request('GET', `/factory/cells/${DUP}`, { token: null });
      assert.equal(anon.status, 401);
      // The full id picks one.
      assert.equal(
        (await f.request('GET', `/factory/cells/${encodeURIComponent(`adapter:${DUP}`)}`)).status,
        200,
      );
    });

    it("organ templates' cell lists take bare ids by the same rule; status lists nodes beside cells", async () => {
      const template = {
        id: 'organ.voice.v1',
        roles: ['speech'],
        // The seed's old keys, with bare ids, as Neira's tools write them.
        nodes: ['analysis.text_normalize.v1', PHONEMES, 'analysis.speak_adapter.v1'],
        channels: [
          { name: 'speak', nodes: ['analysis.text_normalize.v1', PHONEMES, 'analysis.speak_adapter.v1'] },
        ],
        policies: { hitl: false },
      };
      const built = await f.request('POST', '/organs/build', { body: { organ_template: template } });
      assert.equal(built.status, 201, built.text);
      const id = built.body.organ_id as string;
      const deadline = Date.now() + 20_000;
      let status = (await f.request('GET', `/organs/${id}/status`)).body;
      while (status.state !== 'stable' && Date.now() < deadline) {
        await sleep(20);
        status = (await f.request('GET', `/organs/${id}/status`)).body;
      }
      assert.equal(status.state, 'stable', JSON.stringify(status));
      const ids = [
        'adapter:analysis.text_normalize.v1',
        `adapter:${PHONEMES}`,
        'adapter:analysis.speak_adapter.v1',
      ];
      assert.deepEqual(
        status.cells.map((c: { id: string }) => c.id),
        ids,
      );
      assert.deepEqual(status.nodes, status.cells);
      const spoken = await f.request('POST', `/organs/${id}/invoke`, { body: { input: 'Нейра говорит' } });
      assert.equal(spoken.status, 200, spoken.text);
      assert.match(JSON.stringify(spoken.body.output), /N-YE-I-R-A G-O-V-O-R-I-T/);

      // A bare id names the one cell of its template whatever its backend (not only adapter cells).
      const dry = await f.request('POST', '/organs/build', {
        body: { organ_template: { ...template, nodes: [SCRIPT_ONLY], channels: [] }, dryrun: true },
      });
      assert.equal(dry.status, 200, dry.text);
      assert.deepEqual(
        dry.body.report.cells.map((c: { id: string; exists: boolean }) => [c.id, c.exists]),
        [[`script:${SCRIPT_ONLY}`, true]],
      );

      const organs = (await f.request('GET', '/organs')).body.organs.length;
      for (const dryrun of [false, true]) {
        const r = await f.request('POST', '/organs/build', {
          body: {
            organ_template: { ...template, nodes: [DUP], channels: [{ name: 'x', nodes: [DUP] }] },
            dryrun,
          },
        });
        assert.equal(r.status, 409, r.text);
        assert.equal(r.body.code, 'ambiguous_id');
        assert.deepEqual(r.body.ids, [`adapter:${DUP}`, `script:${DUP}`]);
      }
      assert.equal((await f.request('GET', '/organs')).body.organs.length, organs);
    });

    it('/nodes is the template registry under its seed name (deprecated alias of /cells)', async () => {
      const tpl = {
        id: 'analysis.nodes_alias.v1',
        version: '1.0.0',
        analysis_type: 'summary',
        links: [],
        metadata: { schema: 'v1' },
      };
      const created = await f.request('POST', '/nodes', { body: tpl });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.headers.deprecation, 'true');
      assert.match(String(created.headers.link), /<\/cells>; rel="successor-version"/);
      assert.equal((await f.request('POST', '/nodes', { body: tpl })).status, 200, 'same content: no-op');
      const clash = await f.request('POST', '/nodes', { body: { ...tpl, analysis_type: 'other' } });
      assert.equal(clash.status, 409);
      assert.equal(clash.body.code, 'version_exists');
      const list = await f.request('GET', '/nodes?analysis_type=summary');
      assert.equal(list.status, 200);
      assert.ok(list.body.templates.some((t: { id: string }) => t.id === tpl.id));
      const one = await f.request('GET', `/nodes/${tpl.id}`);
      assert.deepEqual(one.body, (await f.request('GET', `/cells/${tpl.id}`)).body);
      assert.equal(one.headers.deprecation, 'true');
      assert.equal((await f.request('GET', `/nodes/${tpl.id}/1.0.0`)).body.version, '1.0.0');
      assert.equal((await f.request('GET', `/nodes/${tpl.id}/9.9.9`)).status, 404);
      assert.equal((await f.request('GET', '/cells')).headers.deprecation, undefined);
      assert.equal((await f.request('GET', '/nodes', { token: null })).status, 401);
      const invalid = await f.request('POST', '/nodes', { body: { ...tpl, version: 'one' } });
      assert.equal(invalid.status, 400);
      assert.equal(invalid.body.code, 'invalid_template');
    });

    it("metrics: the seed's minimal set and the deprecated names Neira's tools read", async () => {
      const text = (await f.request('GET', '/metrics', { token: null })).text;
      const active = sample(text, 'factory_cells_active');
      assert.ok(active !== undefined && active >= 5, text.slice(0, 200));
      assert.equal(sample(text, 'factory_nodes_active'), active);
      assert.equal(sample(text, 'factory_nodes_created_total'), sample(text, 'factory_cells_created_total'));
      assert.ok((sample(text, 'organ_build_duration_ms_count') ?? 0) >= 1);
      assert.equal(
        sample(text, 'organ_build_duration_ms_count'),
        sample(text, 'organ_build_duration_seconds_count'),
      );
      const ms = sample(text, 'organ_build_duration_ms_sum')!;
      const s = sample(text, 'organ_build_duration_seconds_sum')!;
      assert.ok(Math.abs(ms / 1000 - s) < 1e-6, `${ms} ms and ${s} s are the same durations`);
      assert.match(text, /^# TYPE factory_auto_response_duration_seconds histogram$/m);
      assert.doesNotMatch(text, /factory_auto_response_duration_ms/);
    });
  });
}

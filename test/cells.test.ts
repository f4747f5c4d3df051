import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startTestFabrica, type TestFabrica } from './support/app.js';
import { STORE_KINDS } from './support/stores.js';

const example = (name: string) => JSON.parse(readFileSync(`examples/cells/${name}.json`, 'utf8'));
const seedRequest = {
  backend: 'adapter',
  tpl: {
    id: 'analysis.summarize.v1',
    version: '0.1.0',
    analysis_type: 'summary',
    links: [],
    metadata: { schema: 'v1' },
  },
};
const enc = encodeURIComponent;

for (const { kind, skip } of STORE_KINDS) {
  describe(`cell factory (${kind})`, { skip }, () => {
    let f: TestFabrica;
    before(async () => {
      f = await startTestFabrica(kind);
    });
    after(() => f.close());
    const headSeq = async () => (await f.request('GET', '/audit/verify')).body.head_seq as number;
    const post = (url: string, body?: unknown, headers?: Record<string, string>) =>
      f.request('POST', url, { ...(body === undefined ? {} : { body }), ...(headers ? { headers } : {}) });
    const action = (id: string, what: string, query = '') =>
      f.request('POST', `/factory/cells/${enc(id)}/${what}${query}`, {
        rawBody: '',
        headers: { 'content-type': 'application/json' },
      });

    it('answers the seed dry-run example: ok, summary, no links, no risks — and changes nothing', async () => {
      const before = await headSeq();
      for (const prefix of ['/factory/cells', '/factory/nodes']) {
        const r = await post(`${prefix}/dryrun`, seedRequest);
        assert.equal(r.status, 200);
        assert.equal(r.body.ok, true);
        assert.equal(r.body.report.analysis_type, 'summary');
        assert.deepEqual(r.body.report.links, []);
        assert.deepEqual(r.body.report.risks, []);
        assert.deepEqual(r.body.report.deps, []);
        assert.equal(r.body.report.compat.current_stable, null);
      }
      assert.equal(await headSeq(), before);
      assert.equal((await f.request('GET', '/cells/analysis.summarize.v1')).status, 404);
      const metrics = await f.request('GET', '/metrics');
      assert.match(metrics.text, /^factory_dryrun_requests_total 2$/m);
    });

    it('accepts every request shape: flat, {backend, tpl}, {template}, {spec}, mode', async () => {
      const tpl = seedRequest.tpl;
      for (const body of [
        { ...tpl },
        { backend: 'adapter', ...tpl },
        { template: tpl },
        { spec: tpl, mode: 'adapter' },
        seedRequest,
      ]) {
        const r = await post('/factory/cells/dryrun', body);
        assert.equal(r.status, 200, JSON.stringify(body));
        assert.equal(r.body.report.analysis_type, 'summary');
      }
    });

    it('refuses invalid templates listing every problem with its JSON path', async () => {
      const r = await post('/factory/cells', {
        backend: 'adapter',
        tpl: { id: 'x', version: '1.0', metadata: {}, colour: 'red', links: 'no' },
      });
      assert.equal(r.status, 400);
      assert.equal(r.body.code, 'invalid_template');
      const problems: string[] = r.body.problems;
      for (const expected of [
        '$.colour: unknown key',
        '$.metadata.schema: required',
        '$.links: must be array',
        '$.version: "1.0" is not a SemVer',
        'one of analysis_type or action_type',
      ]) {
        assert.ok(
          problems.some((p) => p.includes(expected)),
          `${expected} in ${JSON.stringify(problems)}`,
        );
      }
      const unknownOp = await post('/factory/cells', {
        backend: 'adapter',
        tpl: { ...seedRequest.tpl, analysis_type: 'telepathy' },
      });
      assert.equal(unknownOp.body.code, 'invalid_template');
      assert.match(unknownOp.body.reason, /no operation "telepathy"/);
      const badBackend = await post('/factory/cells', { backend: 'quantum', tpl: seedRequest.tpl });
      assert.equal(badBackend.status, 400);
    });

    it('registers templates: idempotent for the same content, version_exists for other content', async () => {
      const tpl = example('analysis.echo_adapter.v1');
      const a = await post('/cells', tpl);
      assert.equal(a.status, 201);
      assert.match(a.body.sha256, /^[0-9a-f]{64}$/);
      const again = await post('/cells', {
        ...tpl,
        metadata: { description: 'Returns its input unchanged.', schema: 'v1' },
      });
      assert.equal(again.status, 200, 'same content in another key order');
      assert.equal(again.body.created, false);
      const other = await post('/cells', { ...tpl, metadata: { schema: 'v1', description: 'changed' } });
      assert.equal(other.status, 409);
      assert.equal(other.body.code, 'version_exists');
      await post('/cells', { ...tpl, version: '0.2.0' });
      const got = await f.request('GET', '/cells/analysis.echo_adapter.v1');
      assert.deepEqual(
        got.body.versions.map((v: { version: string }) => v.version),
        ['0.1.0', '0.2.0'],
      );
      assert.equal((await f.request('GET', '/cells/analysis.echo_adapter.v1/0.1.0')).body.version, '0.1.0');
      assert.equal((await f.request('GET', '/cells/analysis.echo_adapter.v1/9.9.9')).status, 404);
      const list = await f.request('GET', '/cells?analysis_type=echo');
      assert.deepEqual(
        list.body.templates.map((t: { id: string }) => t.id),
        ['analysis.echo_adapter.v1'],
      );
    });

    it('walks a revision through every legal and illegal transition', async () => {
      const created = await post('/factory/cells', {
        backend: 'adapter',
        tpl: example('analysis.reverse_adapter.v1'),
      });
      assert.equal(created.status, 201);
      assert.deepEqual(
        [created.body.id, created.body.state],
        ['adapter:analysis.reverse_adapter.v1', 'draft'],
      );
      const id = created.body.id as string;
      const table: [string, number, string][] = [
        ['approve', 200, 'canary'],
        ['approve', 200, 'experimental'],
        ['approve', 200, 'stable'],
        ['approve', 409, 'stable'],
        ['disable', 200, 'disabled'],
        ['approve', 409, 'disabled'],
        ['rollback', 409, 'disabled'],
        ['disable', 409, 'disabled'],
      ];
      for (const [what, status, state] of table) {
        const r = await action(id, what);
        assert.equal(r.status, status, `${what} → ${JSON.stringify(r.body)}`);
        if (status === 200) assert.equal(r.body.state, state);
        else {
          assert.equal(r.body.code, 'invalid_transition');
          assert.match(r.body.reason, /allowed: /);
        }
      }
      const detail = await f.request('GET', `/factory/cells/${enc(id)}`);
      const history = detail.body.revisions[0].history.map(
        (h: { to: string; actor: string }) => `${h.to}/${h.actor}`,
      );
      assert.deepEqual(history, [
        'draft/admin',
        'canary/admin',
        'experimental/admin',
        'stable/admin',
        'disabled/admin',
      ]);
      assert.equal((await action('adapter:nope', 'approve')).status, 404);
      assert.equal((await action(id, 'approve', '?version=9.9.9')).status, 404);
      const alias = await f.request('POST', `/factory/nodes/${enc(id)}/approve`, {
        rawBody: '',
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(alias.status, 409, 'the alias reaches the same revision');
      assert.equal(alias.headers.deprecation, 'true');
    });

    it('deprecates the previous stable revision, and rollback returns traffic to it', async () => {
      const base = {
        id: 'analysis.upper.v1',
        analysis_type: 'uppercase',
        links: [],
        metadata: { schema: 'v1' },
      };
      const id = 'adapter:analysis.upper.v1';
      await post('/factory/cells', { tpl: { ...base, version: '1.0.0' } });
      for (let i = 0; i < 3; i += 1) await action(id, 'approve');
      await post('/factory/cells', { tpl: { ...base, version: '1.1.0' } });
      const dry = await post('/factory/cells/dryrun', {
        tpl: { ...base, version: '1.0.0', metadata: { schema: 'v1', x: 1 } },
      });
      assert.equal(dry.body.ok, false);
      assert.ok(dry.body.report.risks.some((r: { code: string }) => r.code === 'version_not_greater'));
      assert.ok(
        dry.body.report.risks.some(
          (r: { code: string; severity: string }) =>
            r.code === 'duplicate_version' && r.severity === 'blocking',
        ),
      );
      for (let i = 0; i < 3; i += 1) await action(id, 'approve', '?version=1.1.0');
      let cell = (await f.request('GET', `/factory/cells/${enc(id)}`)).body;
      assert.deepEqual(
        cell.revisions.map((r: { state: string }) => r.state),
        ['deprecated', 'stable'],
      );
      const call = await post(`/factory/cells/${enc(id)}/invoke`, { input: 'hi' });
      assert.deepEqual([call.body.output, call.body.revision], ['HI', '1.1.0']);
      const rb = await action(id, 'rollback');
      assert.equal(rb.body.state, 'rolled_back');
      cell = (await f.request('GET', `/factory/cells/${enc(id)}`)).body;
      assert.deepEqual(
        cell.revisions.map((r: { state: string }) => r.state),
        ['stable', 'rolled_back'],
      );
      const after = await post(`/factory/cells/${enc(id)}/invoke`, { input: 'hi' });
      assert.equal(after.body.revision, '1.0.0', 'serving returned to the last stable revision');
      const auto = await action(id, 'auto_rollback', '?version=1.0.0');
      assert.equal(auto.body.state, 'rolled_back');
      const none = await post(`/factory/cells/${enc(id)}/invoke`, { input: 'hi' });
      assert.equal(none.status, 409);
      assert.equal(none.body.code, 'not_serving');
      const audit = await f.request('GET', `/audit?type=factory.auto_rollback&subject_id=${enc(id)}`);
      assert.equal(audit.body.events.length, 1);
    });

    it('splits traffic 10% canary, 50% experimental, 40% stable over 10,000 calls', async () => {
      const base = { id: 'analysis.split.v1', analysis_type: 'echo', links: [], metadata: { schema: 'v1' } };
      const id = 'adapter:analysis.split.v1';
      await post('/factory/cells', { tpl: { ...base, version: '1.0.0' } });
      for (let i = 0; i < 3; i += 1) await action(id, 'approve');
      await post('/factory/cells', { tpl: { ...base, version: '2.0.0' } });
      await action(id, 'approve', '?version=2.0.0');
      await action(id, 'approve', '?version=2.0.0');
      await post('/factory/cells', { tpl: { ...base, version: '3.0.0' } });
      await action(id, 'approve', '?version=3.0.0');
      const counts: Record<string, number> = {};
      const n = 10_000;
      for (let i = 0; i < n; i += 1) {
        const r = await f.fabrica.cellInvoker.invoke(id, 'x');
        assert.ok(r.ok);
        counts[r.value.revision] = (counts[r.value.revision] ?? 0) + 1;
      }
      // Five standard deviations of a binomial: a correct split fails this about once in 3 million runs.
      for (const [version, p] of [
        ['3.0.0', 0.1],
        ['2.0.0', 0.5],
        ['1.0.0', 0.4],
      ] as const) {
        const tolerance = 5 * Math.sqrt(n * p * (1 - p));
        assert.ok(
          Math.abs((counts[version] ?? 0) - n * p) < tolerance,
          `${version}: ${counts[version]} of ${n}, expected ${n * p}`,
        );
      }
      const forced = await post(
        `/factory/cells/${enc(id)}/invoke`,
        { input: 'x' },
        { 'x-fabrica-revision': '3.0.0' },
      );
      assert.equal(forced.body.revision, '3.0.0');
      const detail = (await f.request('GET', `/factory/cells/${enc(id)}`)).body;
      const stable = detail.revisions.find((r: { version: string }) => r.version === '1.0.0');
      assert.equal(stable.stats.calls, counts['1.0.0']);
      assert.equal(typeof stable.stats.p95_ms, 'number');
    });

    it('runs operations end to end and reports a cell error as 502 without crashing', async () => {
      const voice = ['analysis.text_normalize.v1', 'analysis.text_to_phonemes.v1'];
      for (const name of voice) {
        await post('/factory/cells', { backend: 'adapter', tpl: example(name) });
        for (let i = 0; i < 3; i += 1) await action(`adapter:${name}`, 'approve');
      }
      const normal = await post(`/factory/cells/${enc('adapter:analysis.text_normalize.v1')}/invoke`, {
        input: '  Нейра   говорит ',
      });
      const phonemes = await post(`/factory/cells/${enc('adapter:analysis.text_to_phonemes.v1')}/invoke`, {
        input: normal.body.output,
      });
      assert.equal(phonemes.body.output, 'N-YE-I-R-A G-O-V-O-R-I-T');
      const bad = await post(`/factory/cells/${enc('adapter:analysis.text_normalize.v1')}/invoke`, {
        input: { not: 'text' },
      });
      assert.equal(bad.status, 502);
      assert.equal(bad.body.code, 'cell_error');
      const metrics = await f.request('GET', '/metrics');
      assert.match(metrics.text, /factory_exec_errors_total\{cell="adapter:analysis.text_normalize.v1"\} 1/);
      const active = Number(/^factory_cells_active (\d+)$/m.exec(metrics.text)?.[1]);
      assert.ok(active >= 2, `factory_cells_active ${active}`);
      assert.equal((await f.request('GET', '/healthz')).status, 200);
    });

    it('heals a revision through a durable timer: back to its state on success', async () => {
      const id = 'adapter:analysis.echo_adapter.v1';
      await post('/factory/cells', { tpl: example('analysis.echo_adapter.v1') });
      await action(id, 'approve');
      const heal = await action(id, 'auto_heal');
      assert.deepEqual([heal.status, heal.body.state], [200, 'healing']);
      let state = 'healing';
      for (let i = 0; i < 100 && state === 'healing'; i += 1) {
        await new Promise((r) => setTimeout(r, 20));
        state = (await f.request('GET', `/factory/cells/${enc(id)}`)).body.state;
      }
      assert.equal(state, 'canary');
      const events = await f.request(
        'GET',
        `/audit?subject_id=${enc(id)}&type=factory.auto_heal,factory.auto_heal.succeeded`,
      );
      assert.deepEqual(
        events.body.events.map((e: { type: string }) => e.type),
        ['factory.auto_heal', 'factory.auto_heal.succeeded'],
      );
    });

    it('refuses locked backends and a locked factory_adapter capability', async () => {
      const script = await post('/factory/cells', {
        backend: 'script',
        tpl: { ...seedRequest.tpl, id: 'script.one' },
      });
      assert.equal(script.status, 403);
      assert.deepEqual([script.body.code, script.body.capability], ['capability_disabled', 'factory_script']);
      const dry = await post('/factory/cells/dryrun', { backend: 'wasm', tpl: seedRequest.tpl });
      assert.ok(dry.body.report.risks.some((r: { code: string }) => r.code === 'backend_locked'));
      await f.request('PUT', '/capabilities/factory_adapter', { body: { level: 'locked', reason: 'test' } });
      const locked = await post('/factory/cells', seedRequest);
      assert.equal(locked.status, 403);
      assert.equal(locked.body.code, 'capability_disabled');
      await f.request('PUT', '/capabilities/factory_adapter', {
        body: { level: 'experimental', reason: 'test' },
      });
    });

    it('reports links, missing links and cycles in the dry run', async () => {
      const dry = await post('/factory/cells/dryrun', {
        tpl: {
          id: 'analysis.links.v1',
          version: '0.1.0',
          analysis_type: 'echo',
          links: ['analysis.echo_adapter.v1', 'analysis.ghost.v1'],
          metadata: { schema: 'v1' },
        },
      });
      assert.equal(dry.body.ok, false);
      const deps = dry.body.report.deps;
      assert.deepEqual(
        deps.map((d: { missing: boolean }) => d.missing),
        [false, true],
      );
      assert.ok(dry.body.report.risks.some((r: { code: string }) => r.code === 'missing_link'));
      await post('/cells', {
        id: 'analysis.a.v1',
        version: '0.1.0',
        analysis_type: 'echo',
        links: ['analysis.b.v1'],
        metadata: { schema: 'v1' },
      });
      const cyc = await post('/factory/cells/dryrun', {
        tpl: {
          id: 'analysis.b.v1',
          version: '0.1.0',
          analysis_type: 'echo',
          links: ['analysis.a.v1'],
          metadata: { schema: 'v1' },
        },
      });
      assert.ok(
        cyc.body.report.risks.some(
          (r: { code: string; message: string }) =>
            r.code === 'dependency_cycle' &&
            r.message.includes('analysis.b.v1 → analysis.a.v1 → analysis.b.v1'),
        ),
      );
    });

    it('selects a cell to reuse, or proposes one to create', async () => {
      const reuse = await post('/factory/select', { analysis_type: 'uppercase' });
      assert.equal(reuse.body.decision, 'create', 'the uppercase cell was rolled back');
      const echo = await post('/factory/select', { analysis_type: 'text_normalize' });
      assert.deepEqual(
        [echo.body.decision, echo.body.cell.id, echo.body.cell.state],
        ['reuse', 'adapter:analysis.text_normalize.v1', 'stable'],
      );
      const blocked = await post('/factory/select', {
        analysis_type: 'text_normalize',
        blocked_types: ['text_normalize'],
      });
      assert.equal(blocked.body.decision, 'create');
      const create = await post('/factory/select', { analysis_type: 'sentiment' });
      assert.equal(create.body.request.tpl.analysis_type, 'sentiment');
      const check = await post('/factory/cells/dryrun', create.body.request);
      assert.equal(check.status, 200, 'the proposed request is ready to dry-run');
    });

    it('needs the admin token for every cell route', async () => {
      const t = (await f.request('POST', '/tokens', { body: { tenant: 'acme', access: 'root' } })).body.token;
      for (const [method, url] of [
        ['GET', '/factory/cells'],
        ['POST', '/factory/cells/dryrun'],
        ['GET', '/cells'],
      ] as const) {
        const r = await f.request(method, url, {
          token: t,
          ...(method === 'POST' ? { body: seedRequest } : {}),
        });
        assert.equal(r.status, 403, url);
      }
    });
  });
}

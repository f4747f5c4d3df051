import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cellMetrics } from '../src/engine/cells/cell-metrics.js';
import { TemplateCatalog } from '../src/engine/cells/template-catalog.js';
import { Metrics } from '../src/engine/observability/metrics.js';
import type { CatalogDir } from '../src/runtime/catalog-dir.js';
import { startTestFabrica, type TestFabrica } from './support/app.js';
import { STORE_KINDS } from './support/stores.js';

const enc = encodeURIComponent;

/** Polls `probe` every 20 ms until it returns something truthy; fails after `ms`. */
async function until<T>(
  what: string,
  ms: number,
  probe: () => Promise<T>,
): Promise<Exclude<T, false | null | undefined>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v as Exclude<T, false | null | undefined>;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const template = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  version: '1.0.0',
  analysis_type: 'uppercase',
  links: [],
  metadata: { schema: 'v1', ...extra },
});

/** An in-memory catalog directory: no watch events, so only `scan()` looks at it. */
function memoryDir(): CatalogDir & { files: Map<string, string>; failList: boolean } {
  const dir = {
    path: '/memory',
    files: new Map<string, string>(),
    failList: false,
    ensure: async () => undefined,
    list: async () => {
      if (dir.failList) throw new Error('list failed');
      return [...dir.files].map(([path, text]) => ({ path, size: text.length, signature: text }));
    },
    read: async (path: string) => dir.files.get(path) ?? null,
    watch: () => () => undefined,
  };
  return dir;
}

for (const { kind, skip } of STORE_KINDS) {
  describe(`cell template catalog (${kind})`, { skip }, () => {
    let f: TestFabrica;
    let dir: string;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'fabrica-catalog-'));
      f = await startTestFabrica(kind, { CELL_TEMPLATES_DIR: dir });
    });
    after(async () => {
      await f.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const post = (url: string, body?: unknown) =>
      f.request(
        'POST',
        url,
        body === undefined ? { rawBody: '', headers: { 'content-type': 'application/json' } } : { body },
      );
    const audit = async (type: string, extra = '') =>
      (await f.request('GET', `/audit?type=${type}${extra}&limit=1000`)).body.events as any[];
    const metric = async (line: RegExp) => {
      const m = (await f.request('GET', '/metrics')).text.match(line);
      return m === null ? 0 : Number(m[1]);
    };
    const cell = async (id: string) => (await f.request('GET', `/factory/cells/${enc(id)}`)).body;
    const settle = async (id: string) =>
      until(`${id} to leave healing`, 10_000, async () => {
        const c = await cell(id);
        return c.state !== 'healing' && c;
      });

    it('registers a valid template file promptly, as a catalog template', async () => {
      const path = join(dir, 'catalog.fresh.json');
      writeFileSync(path, JSON.stringify(template('catalog.fresh.v1')));
      // Nominally well under a second (a watch event, then one transaction); the bound leaves room for a
      // loaded test machine while still failing a catalog that neither watches nor rescans.
      const got = await until('the template to be registered', 3000, async () => {
        const r = await f.request('GET', '/cells/catalog.fresh.v1');
        return r.status === 200 && r.body;
      });
      assert.equal(got.latest.source, 'catalog');
      assert.equal(got.latest.source_path, path);
      assert.equal(got.latest.created_by, 'system');
      const registered = await audit(
        'cell_template.registered',
        `&subject_id=${enc('catalog.fresh.v1@1.0.0')}`,
      );
      assert.equal(registered.length, 1);
      assert.equal(registered[0].data.after.source, 'catalog');
    });

    it('reports an invalid file once per content, counts it, and keeps serving', async () => {
      const before = await metric(/^factory_catalog_invalid_templates_total (\d+)$/m);
      const broken = join(dir, 'broken.json');
      const invalid = join(dir, 'invalid.json');
      writeFileSync(broken, '{ "id": "catalog.broken.v1", ');
      writeFileSync(invalid, JSON.stringify({ id: 'catalog.invalid.v1', version: '1.0', metadata: {} }));
      const events = await until('both files to be reported', 5000, async () => {
        const all = await audit('catalog.invalid_template');
        const mine = all.filter((e) => [broken, invalid].includes(e.data.path));
        return mine.length === 2 && mine;
      });
      const of = (p: string) => events.find((e) => e.data.path === p);
      assert.match(of(broken).data.problems[0], /not valid JSON/);
      const problems: string[] = of(invalid).data.problems;
      for (const expected of [
        '$.metadata.schema: required',
        '$.version: "1.0" is not a SemVer',
        'analysis_type',
      ]) {
        assert.ok(
          problems.some((p) => p.includes(expected)),
          `${expected} in ${JSON.stringify(problems)}`,
        );
      }
      assert.equal(of(broken).subject_kind, 'catalog_file');
      // The same content written again, then a valid file as a barrier: once the barrier is registered,
      // the rewrite has been looked at too, and must not have been reported again.
      writeFileSync(broken, '{ "id": "catalog.broken.v1", ');
      writeFileSync(join(dir, 'barrier.json'), JSON.stringify(template('catalog.barrier.v1')));
      await until(
        'the barrier',
        5000,
        async () => (await f.request('GET', '/cells/catalog.barrier.v1')).status === 200,
      );
      const again = (await audit('catalog.invalid_template')).filter((e) =>
        [broken, invalid].includes(e.data.path),
      );
      assert.equal(again.length, 2, 'each content is reported once');
      assert.equal(await metric(/^factory_catalog_invalid_templates_total (\d+)$/m), before + 2);
      assert.equal((await f.request('GET', '/healthz')).status, 200);
      assert.equal((await f.request('GET', '/cells/catalog.invalid.v1')).status, 404);
    });

    it('reports a file whose id+version is registered elsewhere with other content', async () => {
      const api = await post('/cells', template('catalog.taken.v1'));
      assert.equal(api.status, 201);
      const path = join(dir, 'taken.json');
      writeFileSync(path, JSON.stringify(template('catalog.taken.v1', { note: 'other' })));
      const [event] = await until('the conflict to be reported', 5000, async () => {
        const mine = (await audit('catalog.invalid_template')).filter((e) => e.data.path === path);
        return mine.length > 0 && mine;
      });
      assert.match(event.data.problems[0], /already registered \(from api\) with other content/);
      assert.equal(
        (await audit('immune.integrity_violation')).length,
        0,
        'no violation: the file was never registered',
      );
    });

    it('quarantines the cells of a template whose file was edited in place, and heals once it is restored', async () => {
      const path = join(dir, 'flow.json');
      const original = template('catalog.flow.v1');
      writeFileSync(path, JSON.stringify(original));
      const registered = await until('the template to be registered', 3000, async () => {
        const r = await f.request('GET', '/cells/catalog.flow.v1/1.0.0');
        return r.status === 200 && r.body;
      });
      const id = 'adapter:catalog.flow.v1';
      const created = await post('/factory/cells', { backend: 'adapter', tpl: original });
      assert.equal(created.status, 201);
      assert.equal(
        (await f.request('GET', '/cells/catalog.flow.v1/1.0.0')).body.source,
        'catalog',
        'still the catalog',
      );
      assert.equal((await post(`/factory/cells/${enc(id)}/approve`)).body.state, 'canary');
      const call = await post(`/factory/cells/${enc(id)}/invoke`, { input: 'hi' });
      assert.deepEqual([call.status, call.body.output], [200, 'HI']);

      writeFileSync(path, JSON.stringify(template('catalog.flow.v1', { note: 'tampered' })));
      const quarantined = await until('the cell to be quarantined', 5000, async () => {
        const c = await cell(id);
        return c.quarantine !== null && c;
      });
      assert.match(quarantined.quarantine.reason, /integrity violation: catalog file .*flow\.json/);
      assert.equal(quarantined.serving, false);
      assert.equal(quarantined.state, 'canary', 'the revision keeps its state');
      const refused = await post(`/factory/cells/${enc(id)}/invoke`, { input: 'hi' });
      assert.deepEqual([refused.status, refused.body.code], [409, 'quarantined']);
      const [violation, ...more] = await audit('immune.integrity_violation');
      assert.equal(more.length, 0);
      assert.equal(violation.subject_id, 'catalog.flow.v1@1.0.0');
      assert.equal(violation.data.path, path);
      assert.equal(violation.data.template, 'catalog.flow.v1');
      assert.equal(violation.data.registered_sha256, registered.sha256);
      assert.match(violation.data.file_sha256, /^[0-9a-f]{64}$/);
      assert.notEqual(violation.data.file_sha256, registered.sha256);
      const q = await audit('immune.quarantine', `&subject_id=${enc(id)}`);
      assert.equal(q.length, 1);
      assert.ok(q[0].seq > violation.seq, 'same transaction, after the violation');
      assert.equal(
        await metric(/^immune_integrity_violations_total\{template="catalog\.flow\.v1"\} (\d+)$/m),
        1,
      );
      assert.equal(await metric(/^immune_quarantines_total (\d+)$/m), 1);

      // Healing while the file is still wrong fails, and the quarantine stays.
      assert.equal((await post(`/factory/cells/${enc(id)}/auto_heal`)).body.state, 'healing');
      const failed = await settle(id);
      assert.equal(failed.state, 'failed');
      assert.match(failed.revisions[0].history.at(-1).reason, /differs from the registered template/);
      assert.notEqual(failed.quarantine, null);
      assert.equal(
        (await post(`/factory/cells/${enc(id)}/invoke`, { input: 'hi' })).body.code,
        'quarantined',
      );

      // Restored (in another key order and layout: the hash is of the template, not the bytes).
      const { metadata, ...rest } = original;
      writeFileSync(path, `${JSON.stringify({ metadata, ...rest }, null, 2)}\n`);
      assert.equal((await post(`/factory/cells/${enc(id)}/auto_heal`)).body.state, 'healing');
      const healed = await settle(id);
      assert.equal(healed.state, 'canary', 'back to the state before the first heal');
      assert.equal(healed.quarantine, null);
      assert.equal(healed.serving, true);
      const served = await until('the cell to serve again', 5000, async () => {
        const r = await post(`/factory/cells/${enc(id)}/invoke`, { input: 'ok' });
        return r.status === 200 && r.body;
      });
      assert.equal(served.output, 'OK');
      const heals = await audit(
        'factory.auto_heal.failed,factory.auto_heal.succeeded',
        `&subject_id=${enc(id)}`,
      );
      assert.deepEqual(
        heals.map((e) => e.type),
        ['factory.auto_heal.failed', 'factory.auto_heal.succeeded'],
      );
      assert.equal(
        (await audit('immune.integrity_violation')).length,
        1,
        'the restored file is no violation',
      );
    });

    it('quarantines the cell of the template id once, whichever revisions it has', async () => {
      const path = join(dir, 'multi.json');
      const v1 = template('catalog.multi.v1');
      writeFileSync(path, JSON.stringify(v1));
      await until(
        'v1',
        5000,
        async () => (await f.request('GET', '/cells/catalog.multi.v1/1.0.0')).status === 200,
      );
      const id = 'adapter:catalog.multi.v1';
      await post('/factory/cells', { tpl: v1 });
      await post('/factory/cells', { tpl: { ...v1, version: '1.1.0' } });
      assert.equal((await cell(id)).revisions.length, 2);
      const from = (await f.request('GET', '/audit/verify')).body.head_seq as number;
      writeFileSync(path, JSON.stringify({ ...v1, analysis_type: 'lowercase' }));
      await until('the quarantine', 5000, async () => (await cell(id)).quarantine !== null);
      const events = (await f.fabrica.store.eventsAfter(from, 100)).filter((e) =>
        e.type.startsWith('immune.'),
      );
      assert.deepEqual(
        events.map((e) => [e.type, e.subjectId]),
        [
          ['immune.integrity_violation', 'catalog.multi.v1@1.0.0'],
          ['immune.quarantine', id],
        ],
      );
    });
  });

  describe(`cell template catalog at start (${kind})`, { skip }, () => {
    it('creates a missing directory and registers the files already there before serving', async () => {
      const root = mkdtempSync(join(tmpdir(), 'fabrica-catalog-'));
      const missing = join(root, 'nested', 'templates');
      const empty = await startTestFabrica(kind, { CELL_TEMPLATES_DIR: missing });
      try {
        assert.ok(existsSync(missing), 'the directory was created');
      } finally {
        await empty.close();
      }
      writeFileSync(join(missing, 'early.json'), JSON.stringify(template('catalog.early.v1')));
      const f = await startTestFabrica(kind, { CELL_TEMPLATES_DIR: missing });
      try {
        const r = await f.request('GET', '/cells/catalog.early.v1');
        assert.equal(r.status, 200, 'registered by the start scan, no waiting');
        assert.equal(r.body.latest.source, 'catalog');
      } finally {
        await f.close();
        rmSync(root, { recursive: true, force: true });
      }
    });

    it('reports invalid content only when two reads agree, once, and survives a failing directory', async () => {
      const f = await startTestFabrica(kind);
      const dir = memoryDir();
      const errors: unknown[] = [];
      const catalog = new TemplateCatalog({
        dir,
        store: f.fabrica.store,
        clock: { now: () => Date.now() },
        metrics: cellMetrics(new Metrics({ processMetrics: false }), () => Promise.resolve(0)),
        rescanMs: 3_600_000,
        deepEvery: 1,
        onCellChange: () => undefined,
        onError: (e) => errors.push(e),
      });
      const invalidEvents = async () =>
        (await f.fabrica.store.eventsAfter(0, 1000, { types: ['catalog.invalid_template'] })).map(
          (e) => JSON.parse(e.data).path as string,
        );
      try {
        await catalog.start();
        // Caught mid-write, then complete: registered, never reported.
        dir.files.set('/memory/a.json', '{"id": "mem.a.v1", "vers');
        await catalog.scan();
        dir.files.set('/memory/a.json', JSON.stringify(template('mem.a.v1')));
        await catalog.scan();
        assert.equal((await f.request('GET', '/cells/mem.a.v1')).status, 200);
        assert.deepEqual(await invalidEvents(), []);
        // Invalid and unchanged: reported on the second look, then never again.
        dir.files.set('/memory/b.json', '[]');
        await catalog.scan();
        assert.deepEqual(await invalidEvents(), []);
        for (let i = 0; i < 4; i += 1) await catalog.scan();
        assert.deepEqual(await invalidEvents(), ['/memory/b.json']);
        // Other invalid content is another report.
        dir.files.set('/memory/b.json', '{}');
        await catalog.scan();
        await catalog.scan();
        await catalog.scan();
        assert.deepEqual(await invalidEvents(), ['/memory/b.json', '/memory/b.json']);
        // A directory that cannot be listed is reported, and the next scan carries on.
        dir.failList = true;
        await catalog.scan();
        assert.equal(errors.length, 1);
        dir.failList = false;
        dir.files.set('/memory/c.json', JSON.stringify(template('mem.c.v1')));
        await catalog.scan();
        assert.equal((await f.request('GET', '/cells/mem.c.v1')).status, 200);
        assert.equal(errors.length, 1);
      } finally {
        await catalog.stop();
        await f.close();
      }
    });
  });
}

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import wabtInit from 'wabt';
import { startTestFabrica, type TestFabrica } from './support/app.js';
import { invoke, ROOMY, SANDBOX_ENV, stableCell } from './support/sandbox-cells.js';
import { startServerProcess } from './support/server-process.js';
import { freshTarget, STORE_KINDS } from './support/stores.js';

const enc = encodeURIComponent;
const sha256 = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');

/** Polls `probe` every 20 ms until it returns something truthy; fails after `ms`. */
async function until<T>(what: string, ms: number, probe: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const wabt = await wabtInit();

/** A WAT module's bytes (compiled with wabt, as the examples are). */
function wat(source: string): Buffer {
  const m = wabt.parseWat('test.wat', source);
  m.resolveNames();
  m.validate();
  const { buffer } = m.toBinary({});
  m.destroy();
  return Buffer.from(buffer);
}

const WASI = (name: string, params: string) =>
  `(import "wasi_snapshot_preview1" "${name}" (func $${name} (param ${params}) (result i32)))`;
/** Writes `text` (a JSON value) to stdout, whatever the input. */
const constant = (text: string) =>
  wat(`(module ${WASI('fd_write', 'i32 i32 i32 i32')}
  (memory (export "memory") 1) (data (i32.const 32) "${text.replace(/"/g, '\\"')}")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 32)) (i32.store (i32.const 4) (i32.const ${Buffer.byteLength(text)}))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`);
const LOOP = wat('(module (memory (export "memory") 1) (func (export "_start") (loop $l (br $l))))');

const scriptTpl = (id: string, file: string, metadata: Record<string, unknown> = {}) => ({
  id,
  version: '0.1.0',
  analysis_type: 'script',
  links: [],
  metadata: { schema: 'v1', source_file: file, limits: ROOMY, ...metadata },
});
const wasmTpl = (id: string, file: string, metadata: Record<string, unknown> = {}) => ({
  id,
  version: '0.1.0',
  analysis_type: 'wasm',
  links: [],
  metadata: { schema: 'v1', module_file: file, limits: ROOMY, ...metadata },
});

/** One worker per pool: a module killed at its limit makes the next call load on a new worker. */
const ENV = { ...SANDBOX_ENV, FABRICA_WASM_WORKERS: '1' };

for (const { kind, skip } of STORE_KINDS) {
  describe(`script and WASM cells from catalog files (${kind})`, { skip }, () => {
    let f: TestFabrica;
    let dir: string;
    before(async () => {
      f = await startTestFabrica(kind, ENV);
      dir = f.config.templatesDir;
      mkdirSync(dir, { recursive: true });
    });
    after(() => f.close());

    const put = (name: string, content: string | Buffer) => writeFileSync(join(dir, name), content);
    const audit = async (type: string, subject: string) =>
      (await f.request('GET', `/audit?type=${type}&subject_id=${enc(subject)}&limit=100`)).body
        .events as any[];
    const dry = async (backend: string, tpl: unknown) =>
      (await f.request('POST', '/factory/cells/dryrun', { body: { backend, tpl } })).body;

    it('runs a script from its source file and a module from its .wasm file, the hashes pinned', async () => {
      put('neg.js', 'function run(x, ctx) { ctx.log("from a file"); return -x; }\n');
      put('answer.wasm', constant('{"answer":42}'));
      const s = await stableCell(f, 'script', scriptTpl('files.neg', 'neg.js'));
      const w = await stableCell(f, 'wasm', wasmTpl('files.answer', 'answer.wasm'));
      const a = await invoke(f, s, 5);
      assert.equal(a.status, 200, a.text);
      assert.equal(a.body.output, -5);
      assert.deepEqual(a.body.log, ['from a file']);
      const b = await invoke(f, w, 'anything');
      assert.equal(b.status, 200, b.text);
      assert.deepEqual(b.body.output, { answer: 42 });
      // Registered with each file's SHA-256 pinned in its metadata.
      const neg = (await f.request('GET', '/cells/files.neg')).body.latest.template;
      assert.equal(
        neg.metadata.source_sha256,
        sha256('function run(x, ctx) { ctx.log("from a file"); return -x; }\n'),
      );
      const answer = (await f.request('GET', '/cells/files.answer')).body.latest.template;
      assert.equal(answer.metadata.module_sha256, sha256(constant('{"answer":42}')));
      // The same template again is the same registration: the pin is part of what is registered.
      const again = await dry('script', scriptTpl('files.neg', 'neg.js'));
      assert.deepEqual(
        again.report.risks.filter((r: any) => r.code === 'duplicate_version').map((r: any) => r.severity),
        ['info'],
      );
    });

    it('refuses paths out of the catalog, missing, too large or unpinned files: 400, risk codes, nothing stored', async () => {
      put('big.js', `function run() { return 1; }\n//${'x'.repeat(1024 * 1024)}\n`);
      put('ok.js', 'function run() { return 1; }\n');
      symlinkSync('/etc/hostname', join(dir, 'out.js'));
      mkdirSync(join(dir, 'sub'), { recursive: true });
      symlinkSync('/etc', join(dir, 'etc'));
      const cases: [string, 'script' | 'wasm', object, string][] = [
        ['../../etc/passwd', 'script', scriptTpl('files.bad1', '../../etc/passwd'), 'catalog_file_outside'],
        ['an absolute path', 'script', scriptTpl('files.bad2', '/etc/passwd'), 'catalog_file_outside'],
        ['a symlink out', 'script', scriptTpl('files.bad3', 'out.js'), 'catalog_file_outside'],
        ['a directory linked out', 'script', scriptTpl('files.bad9', 'etc/hostname'), 'catalog_file_outside'],
        ['a module path with ..', 'wasm', wasmTpl('files.bad4', 'sub/../../x.wasm'), 'catalog_file_outside'],
        ['a missing file', 'wasm', wasmTpl('files.bad5', 'nowhere.wasm'), 'catalog_file_missing'],
        ['a directory', 'script', scriptTpl('files.bad6', 'sub'), 'catalog_file_missing'],
        ['a file too large', 'script', scriptTpl('files.bad7', 'big.js'), 'catalog_file_too_large'],
        [
          'a pin the file does not match',
          'script',
          scriptTpl('files.bad8', 'ok.js', { source_sha256: '0'.repeat(64) }),
          'catalog_file_changed',
        ],
      ];
      for (const [name, backend, tpl, code] of cases) {
        const d = await dry(backend, tpl);
        assert.equal(d.ok, false, name);
        assert.deepEqual(
          d.report.risks.filter((r: any) => r.severity === 'blocking').map((r: any) => r.code),
          [code],
          name,
        );
        const r = await f.request('POST', '/factory/cells', { body: { backend, tpl } });
        assert.equal(r.status, 400, `${name}: ${r.text}`);
        assert.equal(r.body.code, 'invalid_template');
        assert.deepEqual(
          r.body.risks.map((x: any) => x.code),
          [code],
          name,
        );
        const id = `${backend}:${(tpl as { id: string }).id}`;
        assert.equal((await f.request('GET', `/factory/cells/${enc(id)}`)).status, 404, name);
      }
      // Nothing registered either: the template is unknown to the dry run.
      const d = await dry('script', scriptTpl('files.bad7', 'ok.js'));
      assert.deepEqual(
        d.report.risks.map((r: any) => r.code),
        [],
      );
    });

    it('refuses a file changed after creation at its next load, and quarantines the cells (event, audit)', async () => {
      put('twice.js', 'function run(x) { return x * 2; }\n');
      put('const.wasm', constant('"v1"'));
      put('bystander.js', 'function run(x) { return x + 1; }\n');
      const s = await stableCell(f, 'script', scriptTpl('files.twice', 'twice.js'));
      const w = await stableCell(f, 'wasm', wasmTpl('files.const', 'const.wasm'));
      const other = await stableCell(f, 'script', scriptTpl('files.bystander', 'bystander.js'));
      const looping = {
        id: 'files.looper',
        version: '0.1.0',
        analysis_type: 'wasm',
        links: [],
        metadata: { schema: 'v1', module: LOOP.toString('base64') },
      };
      const looper = await stableCell(f, 'wasm', looping);
      assert.equal((await invoke(f, w, null)).body.output, 'v1');
      // Changed after creation, before the script's first load.
      put('twice.js', 'function run(x) { return "owned"; }\n');
      // The module is loaded in the only WASM worker already: it is checked again when a new one loads it.
      put('const.wasm', constant('"v2"'));
      assert.equal((await invoke(f, looper, null)).body.limit, 'timeout');

      for (const [id, template, file] of [
        [s, 'files.twice', 'twice.js'],
        [w, 'files.const', 'const.wasm'],
      ] as const) {
        const r = await invoke(f, id, 3);
        assert.equal(r.status, 409, r.text);
        assert.equal(r.body.code, 'quarantined');
        assert.match(r.body.reason, /integrity violation: catalog file/);
        assert.equal(r.body.file, file);
        const cell = (await f.request('GET', `/factory/cells/${enc(id)}`)).body;
        assert.match(cell.quarantine.reason, new RegExp(`catalog file ${file.replace('.', '\\.')}`));
        const [violation, ...more] = await audit('immune.integrity_violation', `${template}@0.1.0`);
        assert.equal(more.length, 0);
        assert.equal(violation.actor, 'system');
        assert.equal(violation.data.path, file);
        assert.notEqual(violation.data.file_sha256, violation.data.registered_sha256);
        const quarantines = await audit('immune.quarantine', id);
        assert.equal(quarantines.length, 1);
        assert.equal(quarantines[0].data.after.quarantine.reason, cell.quarantine.reason);
        // Refused again, and recorded once.
        assert.equal((await invoke(f, id, 3)).body.code, 'quarantined');
        assert.equal((await audit('immune.integrity_violation', `${template}@0.1.0`)).length, 1);
      }
      const ok = await invoke(f, other, 1);
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.body.output, 2);

      // A heal fails while the file differs, and succeeds once it holds the pinned content again.
      const heal = async (id: string) => {
        const r = await f.request('POST', `/factory/cells/${enc(id)}/auto_heal`, {
          rawBody: '',
          headers: { 'content-type': 'application/json' },
        });
        assert.equal(r.body.state, 'healing', r.text);
        await until(`${id} to leave healing`, 20_000, async () => {
          const c = (await f.request('GET', `/factory/cells/${enc(id)}`)).body;
          return c.state !== 'healing';
        });
        // Read again: the cell and its revisions are two reads, and the first may predate the heal's commit.
        return (await f.request('GET', `/factory/cells/${enc(id)}`)).body;
      };
      const failed = await heal(s);
      assert.equal(failed.state, 'failed');
      assert.notEqual(failed.quarantine, null);
      put('twice.js', 'function run(x) { return x * 2; }\n');
      put('const.wasm', constant('"v1"'));
      for (const [id, input, output] of [
        [s, 4, 8],
        [w, 0, 'v1'],
      ] as const) {
        const healed = await heal(id);
        assert.equal(healed.quarantine, null, JSON.stringify(healed));
        const r = await invoke(f, id, input);
        assert.equal(r.status, 200, r.text);
        assert.equal(r.body.output, output);
      }
      assert.equal((await f.request('GET', '/audit/verify')).body.ok, true);
    });

    it('pins the file of a catalog template file too: registered, fabricated from, answered', async () => {
      put('shout.js', 'function run(x) { return String(x).toUpperCase(); }\n');
      const tpl = scriptTpl('files.catalog.shout', 'shout.js');
      put('files.catalog.shout.json', JSON.stringify(tpl));
      const got = await until('the catalog to register the template', 10_000, async () => {
        const r = await f.request('GET', '/cells/files.catalog.shout');
        return r.status === 200 && r.body;
      });
      assert.equal(got.latest.source, 'catalog');
      assert.equal(
        got.latest.template.metadata.source_sha256,
        sha256('function run(x) { return String(x).toUpperCase(); }\n'),
      );
      const id = await stableCell(f, 'script', tpl);
      assert.equal((await invoke(f, id, 'hi')).body.output, 'HI');

      // A template file copied before the file it names: reported once, registered once the file is there.
      put('files.catalog.late.json', JSON.stringify(scriptTpl('files.catalog.late', 'late.js')));
      const invalid = await until('the missing file to be reported', 10_000, async () => {
        const events = (await f.request('GET', '/audit?type=catalog.invalid_template&limit=1000')).body
          .events;
        const mine = events.filter((e: any) => e.data.path === join(dir, 'files.catalog.late.json'));
        return mine.length > 0 && mine;
      });
      assert.match(invalid[0].data.problems[0], /late\.js.*no such file/);
      put('late.js', 'function run() { return "late"; }\n');
      const late = await until('the template to be registered', 10_000, async () => {
        const r = await f.request('GET', '/cells/files.catalog.late');
        return r.status === 200 && r.body;
      });
      assert.equal(
        late.latest.template.metadata.source_sha256,
        sha256('function run() { return "late"; }\n'),
      );
      const events = (await f.request('GET', '/audit?type=catalog.invalid_template&limit=1000')).body.events;
      assert.equal(
        events.filter((e: any) => e.data.path === join(dir, 'files.catalog.late.json')).length,
        1,
        'reported once',
      );
    });
  });

  describe(`a file-sourced cell across SIGKILL (${kind})`, { skip }, () => {
    it('still answers after a restart, and its file is checked again at the new load', async () => {
      const target = await freshTarget(kind);
      const env = { ...target.env, ...ENV };
      const dir = join(target.dataDir, 'templates');
      mkdirSync(dir, { recursive: true });
      try {
        writeFileSync(join(dir, 'sq.js'), 'function run(x) { return x * x; }\n');
        writeFileSync(join(dir, 'c.wasm'), constant('7'));
        const first = await startServerProcess(env);
        const make = async (backend: string, tpl: { id: string }) => {
          const created = await first.request('POST', '/factory/cells', { backend, tpl });
          assert.equal(created.status, 201, JSON.stringify(created.body));
          for (let i = 0; i < 3; i++)
            assert.equal(
              (await first.request('POST', `/factory/cells/${enc(created.body.id)}/approve`)).status,
              200,
            );
          return created.body.id as string;
        };
        const s = await make('script', scriptTpl('restart.sq', 'sq.js'));
        const w = await make('wasm', wasmTpl('restart.c', 'c.wasm'));
        assert.equal(
          (await first.request('POST', `/factory/cells/${enc(s)}/invoke`, { input: 4 })).body.output,
          16,
        );
        assert.equal(
          (await first.request('POST', `/factory/cells/${enc(w)}/invoke`, { input: 4 })).body.output,
          7,
        );
        await first.kill('SIGKILL');

        const second = await startServerProcess(env);
        try {
          const call = (id: string, input: unknown) =>
            second.request('POST', `/factory/cells/${enc(id)}/invoke`, { input });
          assert.equal((await call(s, 5)).body.output, 25);
          assert.equal((await call(w, 5)).body.output, 7);
          // Changed after this process loaded them: the next process loads them again, and checks them.
          writeFileSync(join(dir, 'sq.js'), 'function run(x) { return "owned"; }\n');
          writeFileSync(join(dir, 'c.wasm'), constant('8'));
          await second.kill('SIGKILL');
          const third = await startServerProcess(env);
          try {
            const again = (id: string, input: unknown) =>
              third.request('POST', `/factory/cells/${enc(id)}/invoke`, { input });
            for (const id of [s, w]) {
              const r = await again(id, 1);
              assert.equal(r.status, 409, JSON.stringify(r.body));
              assert.equal(r.body.code, 'quarantined');
            }
            const events = (await third.request('GET', `/audit?type=immune.integrity_violation&limit=10`))
              .body.events;
            assert.deepEqual(
              events.map((e: any) => [e.subject_id, e.data.path, e.data.field]),
              [
                ['restart.sq@0.1.0', 'sq.js', 'source_file'],
                ['restart.c@0.1.0', 'c.wasm', 'module_file'],
              ],
            );
          } finally {
            await third.kill('SIGTERM');
          }
        } finally {
          if (second.child.exitCode === null && second.child.signalCode === null)
            await second.kill('SIGTERM');
        }
      } finally {
        await target.cleanup();
      }
    });
  });
}

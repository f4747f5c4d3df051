import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import wabtInit from 'wabt';
import { startTestFabrica, type TestFabrica } from './support/app.js';
import { invoke, ROOMY, SANDBOX_ENV, scriptTemplate, stableCell } from './support/sandbox-cells.js';
import { freshTarget, STORE_KINDS } from './support/stores.js';

const wordCount = JSON.parse(readFileSync('examples/cells/wasm/analysis.word_count_wasm.v1.json', 'utf8'));
const wabt = await wabtInit();

const WASI = (name: string, params: string, result = '(result i32)') =>
  `(import "wasi_snapshot_preview1" "${name}" (func $${name} (param ${params}) ${result}))`;

/** A WAT module as the base64 a template carries (compiled here with wabt, as the examples are). */
function wat(source: string): string {
  const m = wabt.parseWat('test.wat', source);
  m.resolveNames();
  m.validate();
  const { buffer } = m.toBinary({});
  m.destroy();
  return Buffer.from(buffer).toString('base64');
}

const wasmTemplate = (id: string, module: string, metadata: Record<string, unknown> = {}) => ({
  id,
  version: '0.1.0',
  analysis_type: 'wasm',
  links: [],
  metadata: { schema: 'v1', module, ...metadata },
});

const LOOP = wat('(module (memory (export "memory") 1) (func (export "_start") (loop $l (br $l))))');
/** Grows its memory (declared without a maximum) by 2000 pages; a refused grow (-1) traps. */
const GROW = wat(`(module (memory (export "memory") 1)
  (func (export "_start") (if (i32.eq (memory.grow (i32.const 2000)) (i32.const -1)) (then unreachable))))`);
/** Tries to open /etc/passwd through WASI and exits with the errno it got. */
const OPEN =
  wat(`(module ${WASI('path_open', 'i32 i32 i32 i32 i32 i64 i64 i32 i32')} ${WASI('proc_exit', 'i32', '')}
  (memory (export "memory") 1) (data (i32.const 16) "/etc/passwd")
  (func (export "_start")
    (call $proc_exit (call $path_open (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 11) (i32.const 0)
      (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 64)))))`);
/** Tries to accept a connection on a socket descriptor, then to close the host's stdout. */
const SOCKET =
  wat(`(module ${WASI('sock_accept', 'i32 i32 i32')} ${WASI('fd_close', 'i32')} ${WASI('proc_exit', 'i32', '')}
  (memory (export "memory") 1)
  (func (export "_start")
    (if (i32.eqz (call $sock_accept (i32.const 3) (i32.const 0) (i32.const 0))) (then (call $proc_exit (i32.const 0))))
    (call $proc_exit (i32.add (i32.const 100) (call $fd_close (i32.const 1))))))`);
const FOREIGN_IMPORT = wat(`(module (import "env" "system" (func $system (param i32) (result i32)))
  (memory (export "memory") 1) (func (export "_start") (drop (call $system (i32.const 0)))))`);
const NO_START = wat('(module (memory (export "memory") 1) (func (export "main")))');
const HUGE_MEMORY = wat('(module (memory (export "memory") 2000) (func (export "_start")))');
/** Echoes stdin to stdout, and writes a line to stderr. */
const ECHO = wat(`(module ${WASI('fd_read', 'i32 i32 i32 i32')} ${WASI('fd_write', 'i32 i32 i32 i32')}
  (memory (export "memory") 2) (data (i32.const 32) "echoed\\n")
  (func (export "_start") (local $n i32)
    (i32.store (i32.const 0) (i32.const 1024)) (i32.store (i32.const 4) (i32.const 60000))
    (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
    (local.set $n (i32.load (i32.const 8)))
    (i32.store (i32.const 0) (i32.const 1024)) (i32.store (i32.const 4) (local.get $n))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (i32.store (i32.const 0) (i32.const 32)) (i32.store (i32.const 4) (i32.const 7))
    (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))))`);

describe('the WASM example cells', () => {
  it('are built from their WAT source: the committed templates match a fresh build', () => {
    const r = spawnSync(process.execPath, ['scripts/build-wasm-cells.mjs', '--check'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });
});

for (const { kind, skip } of STORE_KINDS) {
  describe(`WASM cells (${kind})`, { skip }, () => {
    let f: TestFabrica;
    let echo: string;
    before(async () => {
      f = await startTestFabrica(kind, SANDBOX_ENV);
      echo = await stableCell(f, 'wasm', wasmTemplate('wasm.echo', ECHO, { limits: ROOMY }));
    });
    after(() => f.close());

    it('runs the example word-count module: JSON in on stdin, out on stdout, stderr kept', async () => {
      // The example names its built module: in the catalog directory, as an operator would put it.
      mkdirSync(f.config.templatesDir, { recursive: true });
      copyFileSync('examples/cells/wasm/word_count.wasm', join(f.config.templatesDir, 'word_count.wasm'));
      const id = await stableCell(f, 'wasm', wordCount);
      const r = await invoke(f, id, 'the cat, the hat\nand 42 bats');
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body.output, { words: 7 });
      const e = await invoke(f, echo, { a: [1, 'два'] });
      assert.equal(e.status, 200, e.text);
      assert.deepEqual(e.body.output, { a: [1, 'два'] });
      assert.deepEqual(e.body.log, ['echoed']);
    });

    const hostile: [string, string, (b: any) => void][] = [
      ['an infinite loop', LOOP, (b) => assert.equal(b.limit, 'timeout')],
      ['memory.grow past the cap', GROW, (b) => assert.match(b.reason, /unreachable/)],
      ['opening a file through WASI', OPEN, (b) => assert.equal(b.exit_code, 8)],
      ['a socket, then closing the host stdout', SOCKET, (b) => assert.equal(b.exit_code, 108)],
    ];
    for (const [name, module, expect] of hostile) {
      it(`answers ${name} with a clean cell_error; the server and other cells go on`, async () => {
        const id = await stableCell(
          f,
          'wasm',
          wasmTemplate(`wasm.hostile.${name.replace(/[^a-z]+/g, '_')}`, module),
        );
        for (let i = 0; i < 2; i++) {
          const r = await invoke(f, id, 'x');
          assert.equal(r.status, 502, r.text);
          assert.equal(r.body.code, 'cell_error');
          expect(r.body);
          const ok = await invoke(f, echo, i);
          assert.equal(ok.status, 200, ok.text);
          assert.equal(ok.body.output, i);
        }
        assert.equal((await f.request('GET', '/healthz')).status, 200);
      });
    }

    it('refuses modules the host cannot run, and reports why in the dry run', async () => {
      const dry = async (module: string, limits?: object) =>
        (
          await f.request('POST', '/factory/cells/dryrun', {
            body: {
              backend: 'wasm',
              tpl: wasmTemplate('wasm.dry', module, limits === undefined ? {} : { limits }),
            },
          })
        ).body;
      const codes = (d: any) => d.report.risks.map((r: any) => r.code);
      assert.deepEqual(codes(await dry(FOREIGN_IMPORT)), ['wasm_unsupported_import']);
      assert.deepEqual(codes(await dry(NO_START)), ['wasm_missing_start']);
      assert.deepEqual(codes(await dry(HUGE_MEMORY)), ['wasm_invalid_module']);
      assert.deepEqual(codes(await dry(Buffer.from('not wasm at all').toString('base64'))), [
        'wasm_invalid_module',
      ]);
      assert.deepEqual(codes(await dry(ECHO, { memory_mib: 100000 })), ['limit_above_maximum']);
      assert.equal((await dry(ECHO)).ok, true);
      const refused = await f.request('POST', '/factory/cells', {
        body: { backend: 'wasm', tpl: wasmTemplate('wasm.foreign', FOREIGN_IMPORT) },
      });
      assert.equal(refused.status, 400);
      assert.equal(refused.body.code, 'invalid_template');
    });

    it('answers 100 concurrent calls correctly while a hostile module loops', async () => {
      const looper = await stableCell(f, 'wasm', wasmTemplate('wasm.looper', LOOP));
      const loops = Array.from({ length: 3 }, () => invoke(f, looper, null));
      const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => invoke(f, echo, { i })));
      answers.forEach((r, i) => {
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(r.body.output, { i });
      });
      for (const r of await Promise.all(loops)) assert.equal(r.body.limit, 'timeout');
      const metrics = (await f.request('GET', '/metrics')).text;
      assert.match(
        metrics,
        /^factory_cell_calls_total\{cell="wasm:wasm.echo",revision="0.1.0",backend="wasm"\} \d+/m,
      );
      assert.match(metrics, /^factory_sandbox_limit_hits_total\{backend="wasm",limit="timeout"\} [1-9]/m);
      assert.match(metrics, /^factory_sandbox_worker_starts_total\{backend="wasm"\} [1-9]/m);
    });

    it('stops serving while factory_wasm is locked again, and resumes when it reopens', async () => {
      const gate = (level: string) =>
        f.request('PUT', '/capabilities/factory_wasm', { body: { level, reason: 'wasm gate test' } });
      assert.equal((await gate('locked')).status, 200);
      assert.equal((await invoke(f, echo, 1)).body.code, 'not_serving');
      assert.equal((await gate('stable')).status, 200);
      assert.equal((await invoke(f, echo, 1)).body.output, 1);
    });
  });

  describe(`script and WASM cells across a restart (${kind})`, { skip }, () => {
    it('keep their state and answer after the server starts again on the same data', async () => {
      const target = await freshTarget(kind);
      const first = await startTestFabrica(kind, SANDBOX_ENV, target);
      const s = await stableCell(
        first,
        'script',
        scriptTemplate('restart.script', 'function run(x) { return -x; }', { limits: ROOMY }),
      );
      const w = await stableCell(first, 'wasm', wasmTemplate('restart.wasm', ECHO, { limits: ROOMY }));
      await first.close();
      const second = await startTestFabrica(kind, SANDBOX_ENV, target);
      try {
        for (const id of [s, w]) {
          const cell = await second.request('GET', `/factory/cells/${encodeURIComponent(id)}`);
          assert.equal(cell.status, 200, cell.text);
          assert.equal(cell.body.revisions[0].state, 'stable');
        }
        assert.equal((await invoke(second, s, 5)).body.output, -5);
        assert.equal((await invoke(second, w, 5)).body.output, 5);
      } finally {
        await second.close();
        await target.cleanup();
      }
    });
  });
}

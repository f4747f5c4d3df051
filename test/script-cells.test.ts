import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestFabrica, type TestFabrica } from './support/app.js';
import { invoke, ROOMY, SANDBOX_ENV, scriptTemplate, stableCell } from './support/sandbox-cells.js';
import { STORE_KINDS } from './support/stores.js';

const wordFreq = JSON.parse(readFileSync('examples/cells/script/analysis.word_freq.v1.json', 'utf8'));

/** Hostile scripts: each must end in a clean 502 cell_error of the given kind. */
const HOSTILE: readonly { name: string; source: string; limits?: object; expect: (body: any) => void }[] = [
  {
    name: 'while(true){}',
    source: 'function run() { while (true) {} }',
    expect: (b) => assert.equal(b.limit, 'timeout'),
  },
  {
    name: 'a memory bomb',
    source: 'function run() { let s = "x"; const keep = []; while (true) { s += s; keep.push(s); } }',
    // Time enough that the memory limit, not the clock of a loaded machine, stops it.
    limits: { cpu_ms: 1000 },
    expect: (b) => assert.equal(b.limit, 'memory_limit'),
  },
  {
    name: 'deep recursion',
    source: 'function run() { const f = (n) => f(n + 1) + 1; return f(0); }',
    limits: { cpu_ms: 1000 },
    expect: (b) => assert.equal(b.limit, 'stack_limit'),
  },
  {
    name: "require('fs')",
    source: "function run() { return require('fs').readFileSync('/etc/passwd', 'utf8'); }",
    expect: (b) => {
      assert.equal(b.error, 'script_error');
      assert.match(b.message, /require/);
    },
  },
  {
    name: "import('x')",
    source: "function run() { return import('x'); }",
    expect: (b) => assert.equal(b.error, 'script_error'),
  },
  {
    name: 'globalThis.process',
    source: 'function run() { return globalThis.process.env; }',
    expect: (b) => {
      assert.equal(b.error, 'script_error');
      assert.match(b.message, /TypeError/);
    },
  },
  {
    name: 'fetch',
    source: "function run() { return fetch('http://127.0.0.1:1/'); }",
    expect: (b) => {
      assert.equal(b.error, 'script_error');
      assert.match(b.message, /fetch/);
    },
  },
  {
    name: 'a 10 MB output',
    source: 'function run() { let s = "x"; while (s.length < 10e6) s += s; return s; }',
    limits: { memory_mib: 64, cpu_ms: 1000 },
    expect: (b) => assert.equal(b.limit, 'output_too_large'),
  },
  {
    name: 'a throw, with its line',
    source: 'function run(input) {\n  const n = input.length;\n  throw new Error("no " + n);\n}',
    expect: (b) => {
      assert.equal(b.error, 'script_error');
      assert.equal(b.message, 'Error: no 2');
      assert.equal(b.line, 3);
    },
  },
];

for (const { kind, skip } of STORE_KINDS) {
  describe(`script cells (${kind})`, { skip }, () => {
    let f: TestFabrica;
    let healthy: string;
    before(async () => {
      f = await startTestFabrica(kind, SANDBOX_ENV);
      healthy = await stableCell(
        f,
        'script',
        scriptTemplate('script.healthy', 'function run(x) { return x * 2; }', { limits: ROOMY }),
      );
    });
    after(() => f.close());

    it('runs the example word-frequency cell: output, log, the same answer for the same input', async () => {
      // The example names its source file: in the catalog directory, as an operator would put it.
      mkdirSync(f.config.templatesDir, { recursive: true });
      copyFileSync('examples/cells/script/word_freq.js', join(f.config.templatesDir, 'word_freq.js'));
      const id = await stableCell(f, 'script', wordFreq);
      assert.equal(id, 'script:analysis.word_freq.v1');
      const text = 'the cat and the hat and the bat';
      const r = await invoke(f, id, text);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body.output, {
        total: 8,
        words: [
          { word: 'the', count: 3 },
          { word: 'and', count: 2 },
          { word: 'cat', count: 1 },
        ],
      });
      assert.deepEqual(r.body.log, ['5 distinct words']);
      assert.equal(r.body.revision, '0.1.0');
      const bad = await invoke(f, id, { not: 'text' });
      assert.equal(bad.status, 502);
      assert.equal(bad.body.code, 'cell_error');
      assert.equal(bad.body.error, 'script_error');
      assert.match(bad.body.message, /input must be a string/);
    });

    it('is deterministic: Math.random seeded by the input, the clock at the epoch, no state kept between calls', async () => {
      const id = await stableCell(
        f,
        'script',
        scriptTemplate(
          'script.random',
          'let calls = 0;\nfunction run(x) { calls += 1; return { r: [Math.random(), Math.random()], now: Date.now(), date: new Date().toISOString(), calls }; }',
          { limits: ROOMY },
        ),
      );
      const a = await invoke(f, id, 'same');
      const b = await invoke(f, id, 'same');
      const c = await invoke(f, id, 'other');
      assert.equal(a.status, 200, a.text);
      assert.deepEqual(a.body.output, b.body.output);
      assert.notDeepEqual(a.body.output.r, c.body.output.r);
      assert.notEqual(a.body.output.r[0], a.body.output.r[1]);
      assert.equal(a.body.output.now, 0);
      assert.equal(a.body.output.date, '1970-01-01T00:00:00.000Z');
      assert.equal(b.body.output.calls, 1);
    });

    for (const h of HOSTILE) {
      it(`answers ${h.name} with a clean cell_error; the server and other cells go on`, async () => {
        const id = await stableCell(
          f,
          'script',
          scriptTemplate(
            `script.hostile.${h.name.replace(/[^a-z0-9]+/gi, '_').replace(/^_|_$/g, '')}`,
            h.source,
            {
              ...(h.limits === undefined ? {} : { limits: h.limits }),
            },
          ),
        );
        for (let i = 0; i < 2; i++) {
          const r = await invoke(f, id, 'hi');
          assert.equal(r.status, 502, r.text);
          assert.equal(r.body.code, 'cell_error');
          assert.equal(r.body.cell, id);
          h.expect(r.body);
          const ok = await invoke(f, healthy, 21);
          assert.equal(ok.status, 200, ok.text);
          assert.equal(ok.body.output, 42);
        }
        assert.equal((await f.request('GET', '/healthz')).status, 200);
      });
    }

    it('keeps prototype pollution from leaking into the next call (built-ins are frozen)', async () => {
      const polluter = await stableCell(
        f,
        'script',
        scriptTemplate(
          'script.polluter',
          'function run() { try { Object.prototype.polluted = "yes"; } catch (e) {} try { Array.prototype.push = null; } catch (e) {} return [({}).polluted ?? null, typeof [].push]; }',
          { limits: ROOMY },
        ),
      );
      const first = await invoke(f, polluter, null);
      assert.equal(first.status, 200, first.text);
      assert.deepEqual(first.body.output, [null, 'function']);
      const strict = await stableCell(
        f,
        'script',
        scriptTemplate(
          'script.polluter.strict',
          'function run() { Object.prototype.polluted = 1; return 1; }',
          {
            limits: ROOMY,
          },
        ),
      );
      const refused = await invoke(f, strict, null);
      assert.equal(refused.status, 502);
      assert.equal(refused.body.error, 'script_error');
      const after = await invoke(f, polluter, null);
      assert.deepEqual(after.body.output, [null, 'function']);
    });

    it('answers 100 concurrent calls correctly while a hostile cell loops', async () => {
      const looper = await stableCell(
        f,
        'script',
        scriptTemplate('script.looper', 'function run() { for (;;) {} }'),
      );
      const loops = Array.from({ length: 5 }, () => invoke(f, looper, null));
      const calls = Array.from({ length: 100 }, (_, i) => invoke(f, healthy, i));
      const answers = await Promise.all(calls);
      answers.forEach((r, i) => {
        assert.equal(r.status, 200, r.text);
        assert.equal(r.body.output, i * 2);
      });
      for (const r of await Promise.all(loops)) {
        assert.equal(r.status, 502);
        assert.equal(r.body.limit, 'timeout');
      }
      const metrics = (await f.request('GET', '/metrics')).text;
      assert.match(
        metrics,
        /^factory_cell_calls_total\{cell="script:script.healthy",revision="0.1.0",backend="script"\} \d+/m,
      );
      assert.match(metrics, /^factory_sandbox_limit_hits_total\{backend="script",limit="timeout"\} [1-9]/m);
      assert.match(metrics, /^factory_sandbox_pool_workers\{backend="script"\} [1-9]/m);
      assert.match(metrics, /^factory_sandbox_pool_busy\{backend="script"\} \d+/m);
    });

    it('reports script risks in the dry run: syntax with line, no run, no source, limits above the maxima', async () => {
      const dry = async (tpl: unknown) =>
        (await f.request('POST', '/factory/cells/dryrun', { body: { backend: 'script', tpl } })).body;
      const codes = (d: any) => d.report.risks.map((r: any) => r.code);
      const syntax = await dry(scriptTemplate('script.dry.syntax', 'function run(x) {\n  return (x + ;\n}'));
      assert.equal(syntax.ok, false);
      const risk = syntax.report.risks.find((r: any) => r.code === 'script_syntax_error');
      assert.match(risk.message, /line 2/);
      assert.deepEqual(codes(await dry(scriptTemplate('script.dry.norun', 'function go() {}'))), [
        'script_missing_run',
      ]);
      assert.deepEqual(
        codes(await dry({ ...scriptTemplate('script.dry.nosrc', ''), draft_content: undefined })),
        ['script_missing_source'],
      );
      assert.deepEqual(
        codes(
          await dry(scriptTemplate('script.dry.limits', 'function run() {}', { limits: { cpu_ms: 999999 } })),
        ),
        ['limit_above_maximum'],
      );
      const good = await dry(scriptTemplate('script.dry.good', 'function run(x) { return x; }'));
      assert.equal(good.ok, true, JSON.stringify(good.report.risks));
      const refused = await f.request('POST', '/factory/cells', {
        body: {
          backend: 'script',
          tpl: scriptTemplate('script.dry.syntax', 'function run(x) {\n  return (x + ;\n}'),
        },
      });
      assert.equal(refused.status, 400);
      assert.equal(refused.body.code, 'invalid_template');
    });

    it('stops serving while factory_script is locked again, and resumes when it reopens', async () => {
      const lock = (level: string) =>
        f.request('PUT', '/capabilities/factory_script', { body: { level, reason: 'script gate test' } });
      assert.equal((await lock('locked')).status, 200);
      const stopped = await invoke(f, healthy, 1);
      assert.equal(stopped.status, 409);
      assert.equal(stopped.body.code, 'not_serving');
      const create = await f.request('POST', '/factory/cells', {
        body: { backend: 'script', tpl: scriptTemplate('script.while.locked', 'function run() {}') },
      });
      assert.equal(create.status, 403);
      assert.deepEqual([create.body.code, create.body.capability], ['capability_disabled', 'factory_script']);
      assert.equal((await lock('experimental')).status, 200);
      const back = await invoke(f, healthy, 1);
      assert.equal(back.status, 200, back.text);
      assert.equal(back.body.output, 2);
    });

    it('runs an organ whose pathway goes through an adapter cell and a script cell', async () => {
      const upper = await f.request('POST', '/factory/cells', {
        body: {
          backend: 'adapter',
          tpl: {
            id: 'mix.upper',
            version: '0.1.0',
            analysis_type: 'uppercase',
            links: [],
            metadata: { schema: 'v1' },
          },
        },
      });
      assert.equal(upper.status, 201, upper.text);
      for (let i = 0; i < 3; i++)
        await f.request('POST', '/factory/cells/adapter:mix.upper/approve', {
          rawBody: '',
          headers: { 'content-type': 'application/json' },
        });
      const exclaim = await stableCell(
        f,
        'script',
        scriptTemplate('mix.exclaim', 'function run(s) { return s + "!"; }', { limits: ROOMY }),
      );
      const built = await f.request('POST', '/organs/build', {
        body: {
          organ_template: {
            id: 'organ.mixed.v1',
            version: '0.1.0',
            roles: ['shout'],
            cells: ['adapter:mix.upper', exclaim],
            pathways: [{ name: 'shout', cells: ['adapter:mix.upper', exclaim] }],
            policies: { hitl: false },
          },
        },
      });
      assert.equal(built.status, 201, built.text);
      const organ = built.body.organ_id as string;
      const out = await f.request('POST', `/organs/${organ}/invoke`, {
        body: { input: 'hey', pathway: 'shout' },
      });
      assert.equal(out.status, 200, out.text);
      assert.equal(out.body.output, 'HEY!');
    });
  });
}

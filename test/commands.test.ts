import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestFabrica, type TestFabrica } from './support/app.js';
import { loadExampleCells } from './support/example-cells.js';
import { startServerProcess } from './support/server-process.js';
import { freshTarget, STORE_KINDS } from './support/stores.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const { kind, skip } of STORE_KINDS) {
  describe(`natural-language commands (${kind})`, { skip }, () => {
    let f: TestFabrica;
    before(async () => {
      f = await startTestFabrica(kind, { ORGANS_BUILDER_STAGE_DELAYS: '20,20,20' });
      await loadExampleCells((m, u, b) => f.request(m, u, b === undefined ? {} : { body: b }));
    });
    after(() => f.close());

    const plan = (text: string, token?: string) =>
      f.request('POST', '/factory/commands', { body: { text }, ...(token === undefined ? {} : { token }) });
    const apply = (id: string, token?: string) =>
      f.request('POST', `/factory/commands/${id}/apply`, token === undefined ? {} : { token });
    /** What a command must not change before it is applied: the cells, the organs, the gates. */
    const registry = async () => ({
      cells: (await f.request('GET', '/factory/cells')).body.cells.map((c: any) => [
        c.id,
        c.revisions.map((r: any) => `${r.version} ${r.state}`),
      ]),
      // organs built by an earlier test move on through their stages by themselves: their number is what counts
      organs: (await f.request('GET', '/organs')).body.organs.length,
      capabilities: (await f.request('GET', '/capabilities')).body,
    });

    it('plans "собери speak-pipeline normalize→phonemes→adapter", changes nothing, and applying it builds an organ that speaks', async () => {
      const before = await registry();
      const p = await plan('собери speak-pipeline normalize→phonemes→adapter');
      assert.equal(p.status, 200, JSON.stringify(p.body));
      assert.equal(p.body.intent, 'organ.build');
      assert.equal(p.body.lang, 'ru');
      assert.deepEqual(p.body.spec.pathways, [
        {
          name: 'speak-pipeline',
          cells: ['analysis.text_normalize.v1', 'analysis.text_to_phonemes.v1', 'analysis.speak_adapter.v1'],
        },
      ]);
      assert.equal(p.body.dryrun.report.ok, true, JSON.stringify(p.body.dryrun));
      assert.ok(
        p.body.checks.every((c: { ok: boolean }) => c.ok),
        JSON.stringify(p.body.checks),
      );
      assert.ok(p.body.diff.lines.includes('+ $.id: "organ.speak-pipeline.v1"'));
      assert.deepEqual(
        p.body.apply.map((r: any) => `${r.method} ${r.path}`),
        ['POST /organs/build'],
      );
      assert.ok(Date.parse(p.body.expires_at) > Date.now());
      assert.deepEqual(await registry(), before);

      const a = await apply(p.body.id);
      assert.equal(a.status, 200, JSON.stringify(a.body));
      assert.equal(a.body.results[0].status, 201);
      const organ = a.body.results[0].body.organ_id as string;
      const inv = await f.request('POST', `/organs/${organ}/invoke`, { body: { input: 'Нейра говорит' } });
      assert.equal(inv.status, 200, JSON.stringify(inv.body));
      assert.equal(inv.body.output, 'N-YE-I-R-A G-O-V-O-R-I-T');

      const audit = await f.request('GET', `/audit?subject_kind=command&subject_id=${p.body.id}`);
      assert.deepEqual(
        audit.body.events.map((e: any) => [e.type, e.data.text]),
        [
          ['command.planned', 'собери speak-pipeline normalize→phonemes→adapter'],
          ['command.applied', 'собери speak-pipeline normalize→phonemes→adapter'],
        ],
      );
      // applied once: a second apply is refused and builds nothing more
      const again = await apply(p.body.id);
      assert.equal(again.status, 409);
      assert.equal(again.body.code, 'command_stale');
      assert.equal((await f.request('GET', '/organs')).body.organs.length, 1);
    });

    it('refuses text no intent fits with 422 command_not_understood, naming the closest intents with examples', async () => {
      const before = await registry();
      const r = await plan('расскажи анекдот про котов');
      assert.equal(r.status, 422);
      assert.equal(r.body.code, 'command_not_understood');
      assert.ok(r.body.closest.length > 0, JSON.stringify(r.body));
      for (const c of r.body.closest) assert.equal(typeof c.example, 'string');
      assert.deepEqual(await registry(), before);
    });

    it('refuses an ambiguous name with 422 command_ambiguous, listing the candidates', async () => {
      const r = await plan('approve adapter');
      assert.equal(r.status, 422);
      assert.equal(r.body.code, 'command_ambiguous');
      assert.deepEqual(r.body.candidates, [
        'adapter:analysis.echo_adapter.v1',
        'adapter:analysis.reverse_adapter.v1',
        'adapter:analysis.speak_adapter.v1',
      ]);
    });

    it('plans a new version with the setting as metadata, bumped from the newest, diffed against stable', async () => {
      const p = await plan('обнови нормализацию до v2 (lowercase)');
      assert.equal(p.status, 200, JSON.stringify(p.body));
      assert.equal(p.body.intent, 'cell.new_version');
      assert.equal(p.body.spec.version, '2.0.0');
      assert.deepEqual(p.body.diff.lines, ['+ $.metadata.lowercase: true', '~ $.version: "0.1.0" → "2.0.0"']);
      assert.equal(p.body.dryrun.ok, true);
      const a = await apply(p.body.id);
      assert.equal(a.status, 200, JSON.stringify(a.body));
      const cell = await f.request(
        'GET',
        `/factory/cells/${encodeURIComponent('adapter:analysis.text_normalize.v1')}`,
      );
      assert.ok(
        cell.body.revisions.some((r: any) => r.version === '2.0.0' && r.state === 'draft'),
        JSON.stringify(cell.body),
      );
    });

    it('answers 409 command_stale when the registry moved since the plan, and applies nothing', async () => {
      const p = await plan('update echo to v3');
      assert.equal(p.status, 200);
      const tpl = JSON.parse(JSON.stringify(p.body.spec));
      tpl.version = '2.5.0';
      assert.equal(
        (await f.request('POST', '/factory/cells', { body: { backend: 'adapter', template: tpl } })).status,
        201,
      );
      const a = await apply(p.body.id);
      assert.equal(a.status, 409);
      assert.equal(a.body.code, 'command_stale');
      const cell = await f.request(
        'GET',
        `/factory/cells/${encodeURIComponent('adapter:analysis.echo_adapter.v1')}`,
      );
      assert.ok(!cell.body.revisions.some((r: any) => r.version === '3.0.0'));
    });

    it('answers the first refusal of a planned request as that request gave it', async () => {
      const p = await plan('одобри клетку реверс');
      assert.equal(p.status, 200);
      const a = await apply(p.body.id);
      // the reverse cell is stable already: approve has nowhere to go
      assert.equal(a.status, 409);
      assert.equal(a.body.code, 'invalid_transition');
      const audit = await f.request('GET', `/audit?subject_kind=command&subject_id=${p.body.id}`);
      assert.deepEqual(
        audit.body.events.map((e: any) => e.type),
        ['command.planned', 'command.applied', 'command.apply_refused'],
      );
    });

    it('gates commands that change fabrica itself by self_edit: the plan says so, apply is 403 capability_disabled', async () => {
      const p = await plan('включи безопасный режим');
      assert.equal(p.status, 200);
      assert.equal(p.body.intent, 'safe_mode.set');
      const gate = p.body.checks.find((c: any) => c.name === 'capability:self_edit');
      assert.equal(gate.ok, false);
      const a = await apply(p.body.id);
      assert.equal(a.status, 403);
      assert.equal(a.body.code, 'capability_disabled');
      assert.equal(a.body.capability, 'self_edit');
      assert.equal((await f.request('GET', '/safe-mode')).body.on, false);

      const open = await f.request('PUT', '/capabilities/self_edit', {
        body: { level: 'experimental', reason: 'test' },
      });
      assert.equal(open.status, 200);
      try {
        const p2 = await plan('turn safe mode on');
        assert.equal(p2.body.checks.find((c: any) => c.name === 'capability:self_edit').ok, true);
        assert.equal((await apply(p2.body.id)).status, 200);
        assert.equal((await f.request('GET', '/safe-mode')).body.on, true);
        const off = await plan('safe mode off');
        assert.equal((await apply(off.body.id)).status, 200);
        assert.equal((await f.request('GET', '/safe-mode')).body.on, false);
      } finally {
        await f.request('PUT', '/capabilities/self_edit', { body: { level: 'locked', reason: 'test' } });
      }
    });

    it('lets a full tenant token plan (the checks say it lacks the rights) and refuses its apply; a read token may not plan', async () => {
      const full = (await f.request('POST', '/tokens', { body: { tenant: 'acme', access: 'full' } })).body
        .token;
      const read = (await f.request('POST', '/tokens', { body: { tenant: 'acme', access: 'read' } })).body
        .token;
      const p = await plan('approve cell echo', full);
      assert.equal(p.status, 200);
      assert.equal(p.body.checks.find((c: any) => c.name === 'rights').ok, false);
      // another principal cannot apply it: it does not see it
      assert.equal((await apply(p.body.id)).status, 404);
      const a = await apply(p.body.id, full);
      assert.equal(a.status, 403);
      assert.equal(a.body.code, 'forbidden');
      assert.equal((await plan('approve cell echo', read)).status, 403);
    });

    it('refuses bad input: an empty or huge text, an unknown field, an unknown id', async () => {
      assert.equal((await plan('')).status, 400);
      assert.equal((await plan('x'.repeat(2001))).status, 400);
      const extra = await f.request('POST', '/factory/commands', {
        body: { text: 'status organ-1', sql: 'drop' },
      });
      assert.equal(extra.status, 400);
      const unknown = await apply('cmd_nope');
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.code, 'not_found');
    });
  });

  describe(`natural-language commands expire (${kind})`, { skip }, () => {
    let f: TestFabrica;
    before(async () => {
      f = await startTestFabrica(kind, { FABRICA_COMMAND_TTL_MS: '1' });
      await loadExampleCells((m, u, b) => f.request(m, u, b === undefined ? {} : { body: b }));
    });
    after(() => f.close());

    it('answers 409 command_expired after expires_at, and applies nothing', async () => {
      const p = await f.request('POST', '/factory/commands', {
        body: { text: 'create cell shout from echo' },
      });
      assert.equal(p.status, 200);
      const deadline = Date.now() + 5000;
      while (Date.now() <= Date.parse(p.body.expires_at) && Date.now() < deadline) await sleep(5);
      const a = await f.request('POST', `/factory/commands/${p.body.id}/apply`);
      assert.equal(a.status, 409);
      assert.equal(a.body.code, 'command_expired');
      const cell = await f.request(
        'GET',
        `/factory/cells/${encodeURIComponent('adapter:analysis.shout.v1')}`,
      );
      assert.equal(cell.status, 404);
    });
  });
}

for (const { kind, skip } of STORE_KINDS) {
  describe(`natural-language commands across a crash (${kind})`, { skip }, () => {
    it('keeps a plan through SIGKILL: it applies after the restart, once', async () => {
      const target = await freshTarget(kind);
      try {
        const first = await startServerProcess(target.env);
        let id: string;
        try {
          const load = await loadExampleCells((m, u, b) => first.request(m, u, b));
          assert.ok(load.length > 0);
          const p = await first.request('POST', '/factory/commands', { text: 'create cell shout from echo' });
          assert.equal(p.status, 200, JSON.stringify(p.body));
          id = p.body.id;
        } finally {
          await first.kill('SIGKILL');
        }
        const second = await startServerProcess(target.env);
        try {
          const a = await second.request('POST', `/factory/commands/${id}/apply`);
          assert.equal(a.status, 200, JSON.stringify(a.body));
          assert.equal(a.body.results[0].status, 201);
          assert.equal(
            (await second.request('POST', `/factory/commands/${id}/apply`)).body.code,
            'command_stale',
          );
        } finally {
          await second.kill('SIGTERM');
        }
      } finally {
        await target.cleanup();
      }
    });
  });
}

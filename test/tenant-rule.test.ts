import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestFabrica, type TestFabrica } from './support/app.js';
import { STORE_KINDS } from './support/stores.js';

// README, "Layout" and docs/errors.md: another tenant's object is absent (404) everywhere, never forbidden (403): a
// token learns nothing about what another tenant holds, not even that it exists.

const graph = {
  stages: [
    {
      key: 'build',
      name: 'Build',
      depends_on: [],
      issues: [{ key: 'a', title: 'Write it', kind: 'code', depends_on: [] }],
    },
  ],
};

for (const { kind, skip } of STORE_KINDS) {
  describe(`the tenant rule in the LLM factory family (${kind})`, { skip }, () => {
    let f: TestFabrica;
    before(async () => {
      f = await startTestFabrica(kind);
    });
    after(() => f.close());

    const data = async (method: string, url: string, body?: unknown, token?: string) => {
      const r = await f.request(method, url, {
        ...(body === undefined ? {} : { body }),
        ...(token === undefined ? {} : { token }),
      });
      assert.ok([200, 201].includes(r.status), `${method} ${url} → ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.data;
    };
    /** A tenant's root token: the highest level a tenant has, so no refusal below comes from the level. */
    const rootOf = async (tenant: string) =>
      ((await f.request('POST', '/tokens', { body: { tenant, access: 'root' } })).body as { token: string })
        .token;

    it("answers 404 not_found for another tenant's run, records, room and assignment, and changes nothing", async () => {
      const acme = await rootOf('acme');
      const globex = await rootOf('globex');

      const run = await data(
        'POST',
        '/llm/factory/runs',
        { source: { kind: 'prompt', content: 'acme work' } },
        acme,
      );
      const base = `/llm/factory/runs/${run.id}`;
      await data('POST', `${base}/artifacts`, { artifact_type: 'stage_graph', payload: graph }, acme);
      const [stage] = await data('GET', `${base}/stages`, undefined, acme);
      const [issue] = await data('GET', `${base}/issues`, undefined, acme);
      const room = await data('POST', '/llm/rooms', { name: 'acme room' }, acme);
      const queued = await data(
        'POST',
        `${base}/issues/${issue.id}/dispatch`,
        { prompt: 'go', room_id: room.id },
        acme,
      );
      const before = await data('GET', `${base}/status`, undefined, acme);
      const head = (await f.request('GET', '/audit?limit=1')).body.head_seq;

      const attempts: [string, string, unknown?][] = [
        ['GET', base],
        ['GET', `${base}/status`],
        ['GET', `${base}/review`],
        ['GET', `${base}/stages`],
        ['GET', `${base}/issues`],
        ['GET', `${base}/checkpoints`],
        ['GET', `${base}/artifacts`],
        ['GET', `${base}/gates`],
        ['POST', `${base}/start`],
        ['POST', `${base}/advance`],
        ['POST', `${base}/cancel`, { reason: 'not yours' }],
        ['POST', `${base}/stages`, { stage_name: 'Sneak' }],
        ['PATCH', `${base}/stages/${stage.id}`, { summary: 'mine now' }],
        ['POST', `${base}/issues`, { title: 'Sneak' }],
        ['PATCH', `${base}/issues/${issue.id}`, { status: 'passed' }],
        ['POST', `${base}/checkpoints`, { branch_name: 'b', worktree_path: 'w', base_ref: 'main' }],
        ['POST', `${base}/artifacts`, { artifact_type: 'note', payload: {} }],
        ['POST', `${base}/gate-check`, { gate: 'planning' }],
        ['POST', `${base}/gates`, { gate: 'merge', verdict: 'pass' }],
        ['POST', `${base}/issues/${issue.id}/dispatch`, { prompt: 'again' }],
        ['GET', `/llm/rooms/${room.id}`],
        ['GET', `/llm/rooms/${room.id}/inbox`],
        [
          'POST',
          `/llm/rooms/${room.id}/inbox/${queued.assignment_id}/result`,
          { lease_token: 't', status: 'passed' },
        ],
      ];
      for (const [method, url, body] of attempts) {
        const r = await f.request(method, url, { token: globex, ...(body === undefined ? {} : { body }) });
        assert.equal(r.status, 404, `${method} ${url} → ${r.status} ${JSON.stringify(r.body)}`);
        assert.equal(r.body.success, false);
        assert.equal(r.body.code, 'not_found', `${method} ${url}`);
        assert.doesNotMatch(r.text, /acme/, `${method} ${url} names the other tenant`);
      }

      // Lists leave the other tenant's objects out rather than refusing.
      assert.deepEqual(await data('GET', '/llm/factory/runs', undefined, globex), []);
      assert.deepEqual(await data('GET', '/llm/rooms', undefined, globex), []);

      // Nothing changed: no event was written, the run stands as it stood, and the assignment still waits.
      assert.equal((await f.request('GET', '/audit?limit=1')).body.head_seq, head);
      assert.deepEqual(await data('GET', `${base}/status`, undefined, acme), before);
      const claimed = await data('GET', `/llm/rooms/${room.id}/inbox`, undefined, acme);
      assert.equal(claimed.assignment_id, queued.assignment_id);
      assert.equal(claimed.attempts, 1);
    });
  });
}

for (const { kind, skip } of STORE_KINDS) {
  describe(`the tenant rule in the Neira and operator families (${kind})`, { skip }, () => {
    let f: TestFabrica;
    before(async () => {
      f = await startTestFabrica(kind);
    });
    after(() => f.close());

    it('refuses a tenant token the admin’s cells and templates alike whether they exist or not, and keeps other tenants’ events from its stream', async () => {
      const tpl = {
        id: 'analysis.echo_adapter.v1',
        version: '0.1.0',
        analysis_type: 'echo_adapter',
        links: [],
        metadata: { schema: 'v1' },
      };
      assert.equal(
        (await f.request('POST', '/factory/cells', { body: { backend: 'adapter', tpl } })).status,
        201,
      );
      const token = async (tenant: string) =>
        (await f.request('POST', '/tokens', { body: { tenant, access: 'root' } })).body.token as string;
      const acme = await token('acme');
      const globex = await token('globex');
      // The cell registry is the admin's: the same refusal for what exists and what does not.
      for (const [known, unknown] of [
        ['/factory/cells/adapter%3Aanalysis.echo_adapter.v1', '/factory/cells/adapter%3Anothing.v1'],
        ['/cells/analysis.echo_adapter.v1', '/cells/nothing.v1'],
      ] as const) {
        const a = await f.request('GET', known, { token: acme });
        const b = await f.request('GET', unknown, { token: acme });
        assert.deepEqual([a.status, a.body.code], [403, 'forbidden'], known);
        assert.deepEqual([b.status, b.body.code], [403, 'forbidden'], unknown);
        assert.equal(a.body.reason, b.body.reason, 'the refusal says nothing about existence');
      }
      // Each tenant's runs leave events; acme's audit view of the log (the stream's catch-up) has none of globex's.
      const ids: string[] = [];
      // globex's run first: acme's stream, read up to acme's run, has passed it by then.
      for (const [t, who] of [
        [globex, 'globex'],
        [acme, 'acme'],
      ] as const) {
        const r = await f.request('POST', '/llm/factory/runs', {
          body: { source: { kind: 'prompt', content: `run of ${who}` } },
          token: t,
        });
        assert.equal(r.status, 201);
        ids.push(r.body.data.id as string);
      }
      const [globexRun, acmeRun] = ids as [string, string];
      await f.fabrica.hub.settle();
      const res = await fetch(
        `${await f.fabrica.app.listen({ port: 0, host: '127.0.0.1' })}/events?after=0`,
        {
          headers: { authorization: `Bearer ${acme}` },
        },
      );
      const reader = res.body!.getReader();
      let text = '';
      const deadline = Date.now() + 10_000;
      while (!text.includes(acmeRun) && Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      await reader.cancel();
      assert.ok(text.includes(acmeRun), 'acme sees its own run');
      assert.match(text, /"tenant":"acme"/);
      assert.ok(!text.includes(globexRun), 'acme does not see globex’s run');
      assert.doesNotMatch(text, /globex/);
    });
  });
}

// The abbot CLI/TUI's requests, replayed against fabrica, and each answer read the way that client reads
// it (test/compat/abbot-client.ts). The client must not notice that fabrica replaced its server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Migrator, type Kysely } from 'kysely';
import { loadConfig } from '../../src/config/config.js';
import { openStore } from '../../src/fabrica.js';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { startTestFabrica, type TestFabrica } from '../support/app.js';
import { storedRun } from '../support/runs.js';
import { freshTarget, STORE_KINDS } from '../support/stores.js';
import * as client from './abbot-client.js';

const RUNS = '/llm/factory/runs';

for (const { kind, skip } of STORE_KINDS) {
  describe(`abbot CLI compatibility (${kind})`, { skip }, () => {
    let f: TestFabrica;
    before(async () => {
      f = await startTestFabrica(kind);
    });
    after(() => f.close());

    const call = async (method: string, url: string, body?: unknown) => {
      const r = await f.request(method, url, body === undefined ? {} : { body });
      return r;
    };
    const data = async (method: string, url: string, body?: unknown, status = [200, 201]) => {
      const r = await call(method, url, body);
      assert.ok(status.includes(r.status), `${method} ${url}: ${r.status} ${r.text}`);
      return client.envelope(r.body);
    };
    /** `abbot llm factory submit`: the body it sends. */
    const submit = async (content = 'Ship the API') =>
      client.createdRunId(
        await data('POST', RUNS, {
          source: { kind: 'prompt', format: 'markdown', content },
          workflow_kind: 'software',
          title: 'API',
        }),
      );

    it('cancel: the answer carries reason (what the client prints) and cancel_reason', async () => {
      const id = await submit();
      const answer = await data('POST', `${RUNS}/${id}/cancel`, { reason: 'scope changed' });
      assert.deepEqual(client.cancelAnswer(answer), { status: 'cancelled', reason: 'scope changed' });
      assert.equal((answer as { cancel_reason: string }).cancel_reason, 'scope changed');
      // Without a reason both are null, and the client still reads the answer.
      const other = await submit();
      assert.deepEqual(client.cancelAnswer(await data('POST', `${RUNS}/${other}/cancel`)), {
        status: 'cancelled',
        reason: null,
      });
      // Cancelling again is the client's error path: an envelope with code and message.
      const again = await call('POST', `${RUNS}/${id}/cancel`, { reason: 'twice' });
      assert.equal(again.status, 409);
      assert.equal(client.failure(again.body).code, 'invalid_transition');
    });

    it('rooms: `abbot llm room create --name X` and every room command under /llm/room', async () => {
      const before = (await data('GET', '/llm/room?limit=1000')) as unknown[];
      // The client's create body: {purpose?, metadata: {name}}.
      const created = client.room(
        await data('POST', '/llm/room', { purpose: 'review the API', metadata: { name: 'X', team: 'api' } }),
      );
      assert.equal(created.purpose, 'review the API');
      assert.equal(created.status, 'active');
      assert.deepEqual(created.metadata, { name: 'X', team: 'api' });
      assert.equal((await data('GET', `/llm/room/${created.id}`)) !== null, true);
      const one = client.room(await data('GET', `/llm/room/${created.id}`));
      assert.deepEqual(one, created);
      assert.equal(((await data('GET', `/llm/rooms/${created.id}`)) as { name: string }).name, 'X');
      // Without --name and without a purpose: the room is named after its id.
      const bare = (await data('POST', '/llm/room', { metadata: {} })) as { id: string; name: string };
      assert.equal(bare.name, bare.id);
      client.room(bare);

      // The TUI lists rooms: every one must carry purpose, status and rented_at.
      const listed = (await data('GET', '/llm/room?limit=1000')) as unknown[];
      assert.equal(listed.length, before.length + 2);
      for (const r of listed) client.room(r);
      assert.deepEqual(
        ((await data('GET', '/llm/rooms?limit=1000')) as { id: string }[]).map((r) => r.id),
        listed.map((r) => (r as { id: string }).id),
      );

      // Inbox and results under the singular path, as the client's worker commands call them.
      const run = await submit();
      const issue = (await data('POST', `${RUNS}/${run}/issues`, { title: 'write it', kind: 'task' })) as {
        id: string;
      };
      await data('POST', `${RUNS}/${run}/issues/${issue.id}/dispatch`, {
        prompt: 'do it',
        room_id: created.id,
      });
      const claimed = (await data('GET', `/llm/room/${created.id}/inbox?lease_ms=60000`)) as {
        assignment_id: string;
        lease_token: string;
        prompt: string;
      };
      assert.equal(claimed.prompt, 'do it');
      const result = (await data('POST', `/llm/room/${created.id}/inbox/${claimed.assignment_id}/result`, {
        lease_token: claimed.lease_token,
        status: 'passed',
        summary: 'done',
      })) as { issue: { status: string } };
      assert.equal(result.issue.status, 'passed');
      assert.equal(await data('GET', `/llm/room/${created.id}/inbox`), null);
    });

    it('rooms: bad create bodies are refused with a reason and create nothing', async () => {
      const count = async () => ((await data('GET', '/llm/room?limit=1000')) as unknown[]).length;
      const n = await count();
      const bad: [unknown, string][] = [
        [{ metadata: { name: 42 } }, 'body.metadata.name'],
        [{ metadata: { name: '   ' } }, 'body.metadata.name'],
        [{ purpose: '  ' }, 'body.purpose'],
        [{ name: ' ' }, 'body.name'],
        [{ metadata: 'X' }, 'body.metadata'],
        [{ metadata: { blob: 'x'.repeat(20_000) } }, 'body.metadata'],
        [{ name: 'X', owner: 'me' }, 'body'],
      ];
      for (const [body, field] of bad) {
        const r = await call('POST', '/llm/room', body);
        assert.equal(r.status, 400, JSON.stringify(body));
        const e = client.failure(r.body);
        assert.equal(e.code, 'invalid_request');
        assert.ok(e.message.includes(field), `${e.message} names ${field}`);
        assert.ok(!r.text.includes('x'.repeat(100)), 'the body is not echoed back');
      }
      assert.equal(await count(), n);
      // A tenant token cannot create a room for another tenant, under either path.
      const token = (await call('POST', '/tokens', { tenant: 'acme', access: 'edit' })).body.token as string;
      const other = await f.request('POST', '/llm/room', {
        body: { tenant: 'globex', metadata: { name: 'X' } },
        token,
      });
      assert.equal(other.status, 403);
      const own = await f.request('POST', '/llm/room', { body: { metadata: { name: 'mine' } }, token });
      assert.equal(own.status, 201);
      assert.equal(client.room(client.envelope(own.body)).metadata.name, 'mine');
      const hidden = await f.request('GET', `/llm/room/${(client.envelope(own.body) as { id: string }).id}`, {
        token: (await call('POST', '/tokens', { tenant: 'globex', access: 'read' })).body.token as string,
      });
      assert.equal(hidden.status, 404);
    });

    it('rooms: a closed room reads as closed, takes no new dispatch, and its queued work stays claimable', async () => {
      const run = client.createdRunId(
        await data('POST', RUNS, { source: { kind: 'prompt', content: 'rooms' }, tenant: 'closing' }),
      );
      const first = client.room(
        await data('POST', '/llm/room', { tenant: 'closing', metadata: { name: 'first' } }),
      );
      const second = client.room(
        await data('POST', '/llm/room', { tenant: 'closing', metadata: { name: 'second' } }),
      );
      const issue = async (title: string) =>
        ((await data('POST', `${RUNS}/${run}/issues`, { title, kind: 'task' })) as { id: string }).id;
      const queued = await issue('queued before closing');
      await data('POST', `${RUNS}/${run}/issues/${queued}/dispatch`, { prompt: 'early', room_id: first.id });

      const closed = client.room(await data('POST', `/llm/room/${first.id}/close`));
      assert.equal(closed.status, 'closed');
      assert.equal(client.room(await data('GET', `/llm/rooms/${first.id}`)).status, 'closed');
      const again = await call('POST', `/llm/room/${first.id}/close`);
      assert.equal(again.status, 409);
      assert.equal(client.failure(again.body).code, 'invalid_transition');

      const late = await issue('after closing');
      const refused = await call('POST', `${RUNS}/${run}/issues/${late}/dispatch`, {
        prompt: 'x',
        room_id: first.id,
      });
      assert.equal(refused.status, 409);
      assert.match(client.failure(refused.body).message, /closed/);
      // Without a room named, the dispatch goes to the oldest room that is still active.
      const routed = (await data('POST', `${RUNS}/${run}/issues/${late}/dispatch`, { prompt: 'late' })) as {
        room_id: string;
      };
      assert.equal(routed.room_id, second.id);
      // What was queued before the close is still handed out.
      const claimed = (await data('GET', `/llm/room/${first.id}/inbox`)) as { prompt: string };
      assert.equal(claimed.prompt, 'early');
      // Another tenant cannot close it (it does not exist for them).
      const token = (await call('POST', '/tokens', { tenant: 'acme', access: 'edit' })).body.token as string;
      assert.equal((await f.request('POST', `/llm/room/${second.id}/close`, { token })).status, 404);
      assert.equal(client.room(await data('GET', `/llm/room/${second.id}`)).status, 'active');
    });

    it('docs: /docs/llm/factory is the factory family reference, HTML for browsers and JSON when asked', async () => {
      const html = await f.request('GET', '/docs/llm/factory', {
        token: null,
        headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' },
      });
      assert.equal(html.status, 200);
      assert.match(String(html.headers['content-type']), /^text\/html/);
      assert.match(
        html.text,
        /<code>POST<\/code><\/td><td><code>\/llm\/factory\/runs\/\{id\}\/cancel<\/code>/,
      );
      assert.match(html.text, /<code>\/llm\/rooms\/\{id\}\/inbox<\/code>/);
      assert.ok(!html.text.includes('/factory/cells'), 'only the factory family');
      for (const ask of [{ headers: { accept: 'application/json' } }, { url: '?format=json' }]) {
        const r = await f.request('GET', `/docs/llm/factory${ask.url ?? ''}`, {
          token: null,
          headers: ask.headers ?? {},
        });
        assert.equal(r.status, 200);
        assert.match(String(r.headers['content-type']), /^application\/json/);
        const paths = Object.keys(r.body.paths as object);
        assert.ok(paths.includes('/llm/factory/runs/{id}/status'));
        assert.ok(paths.includes('/llm/rooms'));
        assert.ok(
          paths.every((p) => p.startsWith('/llm/')),
          paths.join(' '),
        );
        assert.match(r.body.openapi as string, /^3\./);
      }
      // Content negotiation by weight: JSON only when preferred to HTML.
      for (const [accept, json] of [
        ['text/html;q=0.5, application/json', true],
        ['application/json;q=0.5, text/html', false],
        ['*/*', false],
        ['application/*', true],
      ] as const) {
        const r = await f.request('GET', '/docs/llm/factory', { token: null, headers: { accept } });
        assert.equal(/^application\/json/.test(String(r.headers['content-type'])), json, accept);
      }
      const bad = await f.request('GET', '/docs/llm/factory?format=yaml', { token: null });
      assert.equal(bad.status, 400);
    });

    it('watch: ordinary preconditions are waiting_on, not blockers; blockers are what needs a person', async () => {
      const id = await submit();
      const poll = async () => client.runStatus(await data('GET', `${RUNS}/${id}/status`));
      // The client polls and stops when blockers appear: a run waiting for its artifacts must not stop it.
      const watched = await client.watchLikeTheClient(poll, null, 3);
      assert.deepEqual(watched, { stoppedBecause: 'bound', polls: 3 });
      const raw = (await data('GET', `${RUNS}/${id}/status`)) as { waiting_on: string[]; blockers: string[] };
      assert.deepEqual(raw.blockers, []);
      assert.ok(raw.waiting_on.includes('no delivery_spec artifact'), raw.waiting_on.join('; '));
      // The advance answer says the same.
      const refused = (await data('POST', `${RUNS}/${id}/advance`)) as {
        advanced: boolean;
        blockers: string[];
        waiting_on: string[];
      };
      assert.equal(refused.advanced, false);
      assert.deepEqual(refused.blockers, []);
      assert.ok(refused.waiting_on.length > 0);
      // An issue someone marked blocked needs a person: now the client stops.
      const issue = (await data('POST', `${RUNS}/${id}/issues`, { title: 'needs access', kind: 'task' })) as {
        id: string;
      };
      await data('PATCH', `${RUNS}/${id}/issues/${issue.id}`, { status: 'blocked' });
      const stopped = await client.watchLikeTheClient(poll, null, 3);
      assert.deepEqual(stopped, { stoppedBecause: 'blockers', polls: 1 });
      assert.deepEqual((await poll()).blockers, [`issue ${issue.id} is blocked`]);
      // So does a gate verdict that asks for review.
      await data('PATCH', `${RUNS}/${id}/issues/${issue.id}`, { status: 'ready' });
      assert.deepEqual((await poll()).blockers, []);
      await data('POST', `${RUNS}/${id}/gates`, { gate: 'security_review', verdict: 'needs_review' });
      assert.deepEqual((await poll()).blockers, ['gate security_review needs review: needs_review']);
      // A finished run has nothing left to wait on or to unblock.
      await data('POST', `${RUNS}/${id}/cancel`);
      const done = (await data('GET', `${RUNS}/${id}/status`)) as {
        waiting_on: string[];
        blockers: string[];
      };
      assert.deepEqual([done.blockers, done.waiting_on], [[], []]);
    });

    it("failed runs: the client's list, status and --until views parse a failed run", async () => {
      // No route fails a run yet (the supervisor does); the store writes one as the supervisor will.
      const id = `run_failed_${kind}`;
      const at = new Date().toISOString();
      await f.fabrica.store.transaction((tx) =>
        tx.runs.insertRun({ ...storedRun(id, at), tenant: 'default', status: 'failed' }),
      );
      const listed = ((await data('GET', `${RUNS}?status=failed`)) as unknown[]).map(client.runListItem);
      assert.deepEqual(
        listed.map((r) => [r.id, r.status]),
        [[id, 'failed']],
      );
      const s = client.runStatus(await data('GET', `${RUNS}/${id}/status`));
      assert.equal(s.status, 'failed');
      assert.deepEqual(s.blockers, []);
      assert.equal(client.runListItem(await data('GET', `${RUNS}/${id}`)).status, 'failed');
      const watched = await client.watchLikeTheClient(async () => s, 'failed', 1);
      assert.equal(watched.stoppedBecause, 'until');
      assert.equal(client.untilExitCode('failed', s.status), 0);
      assert.equal(client.untilExitCode('completed', s.status), 1);
      // A finished run cannot be cancelled: the client's error path reads the refusal.
      const refused = await call('POST', `${RUNS}/${id}/cancel`);
      assert.equal(client.failure(refused.body).code, 'invalid_transition');
    });

    it('runs: the list, start and status answers parse as the client reads them', async () => {
      const id = await submit('# Title line\nmore');
      const list = ((await data('GET', RUNS)) as unknown[]).map(client.runListItem);
      const mine = list.find((r) => r.id === id)!;
      assert.equal(mine.status, 'planning');
      assert.equal(mine.brief, '# Title line');
      const started = client.startAnswer(await data('POST', `${RUNS}/${id}/start`));
      assert.deepEqual([started.runId, started.completed, started.failed], [id, false, false]);
      const s = client.runStatus(await data('GET', `${RUNS}/${id}/status`));
      assert.equal(s.latestVerification, 'pending');
    });

    it("a run's records and review bundle parse as the client reads them", async () => {
      const id = await submit();
      await data('POST', `${RUNS}/${id}/artifacts`, {
        artifact_type: 'factory.kernel.stage_graph',
        payload: {
          stages: [
            {
              key: 'build',
              name: 'Build',
              depends_on: [],
              issues: [
                {
                  key: 'api',
                  title: 'Write the API',
                  kind: 'task',
                  depends_on: [],
                  acceptance_criteria: ['answers 200'],
                  verification_requirements: ['npm test'],
                },
              ],
            },
          ],
        },
      });
      await data('POST', `${RUNS}/${id}/checkpoints`, {
        branch_name: 'run/api',
        worktree_path: 'work/api',
        base_ref: 'main',
      });
      const stages = ((await data('GET', `${RUNS}/${id}/stages`)) as unknown[]).map(client.stage);
      assert.deepEqual(
        stages.map((s) => [s.stageName, s.status]),
        [['Build', 'ready']],
      );
      const issues = ((await data('GET', `${RUNS}/${id}/issues`)) as unknown[]).map(client.issue);
      assert.deepEqual(
        issues.map((i) => [i.title, i.kind, i.stageId, i.acceptanceCriteria]),
        [['Write the API', 'task', stages[0]!.id, ['answers 200']]],
      );
      const checkpoints = ((await data('GET', `${RUNS}/${id}/checkpoints`)) as unknown[]).map(
        client.checkpoint,
      );
      assert.deepEqual(
        checkpoints.map((c) => [c.branchName, c.baseRef, c.headSha]),
        [['run/api', 'main', null]],
      );
      const artifacts = ((await data('GET', `${RUNS}/${id}/artifacts`)) as unknown[]).map(client.artifact);
      assert.deepEqual(
        artifacts.map((a) => [a.artifactType, a.version]),
        [['factory.kernel.stage_graph', 0]],
      );
      const review = client.reviewBundle(await data('GET', `${RUNS}/${id}/review`));
      assert.equal(review.runId, id);
      assert.ok(review.lists.issue_summary.some((x) => x.includes('Write the API')));
      assert.deepEqual(review.lists.blockers, []);
    });

    it('artifacts: schema_version as a string or an integer; empty producers refused', async () => {
      const id = await submit();
      const post = (body: object) => call('POST', `${RUNS}/${id}/artifacts`, body);
      const asInt = await post({
        artifact_type: 'problem_interpretation',
        payload: { summary: 'a' },
        schema_version: 2,
        producer_type: 'agent',
        producer_id: 'planner-1',
      });
      assert.equal(asInt.status, 201, asInt.text);
      assert.equal(client.artifact(client.envelope(asInt.body)).schemaVersion, '2');
      const asString = await post({
        artifact_type: 'problem_interpretation',
        payload: {},
        schema_version: '1.1',
      });
      assert.equal(asString.status, 201, asString.text);
      assert.equal(client.artifact(client.envelope(asString.body)).schemaVersion, '1.1');
      const before = ((await data('GET', `${RUNS}/${id}/artifacts`)) as unknown[]).length;
      for (const bad of [
        { producer_type: '' },
        { producer_id: '' },
        { producer_type: '   ' },
        { schema_version: '' },
        { schema_version: -1 },
        { schema_version: 1.5 },
        { schema_version: true },
      ]) {
        const r = await post({ artifact_type: 'problem_interpretation', payload: {}, ...bad });
        assert.equal(r.status, 400, JSON.stringify(bad));
        assert.equal(client.failure(r.body).code, 'invalid_request');
      }
      assert.equal(((await data('GET', `${RUNS}/${id}/artifacts`)) as unknown[]).length, before);
    });
  });

  describe(`rooms created before the room details migration (${kind})`, { skip }, () => {
    it('read as active, without purpose, with empty metadata, rented when created', async () => {
      const target = await freshTarget(kind);
      try {
        const store = await openStore(loadConfig({ env: target.env, cwd: process.cwd() }));
        const schema = /search_path%3D(\w+)/.exec(target.databaseUrl ?? '')?.[1];
        const migrator = new Migrator({
          db: store.db,
          provider: migrationProvider,
          ...(schema === undefined ? {} : { migrationTableSchema: schema }),
        });
        const r = await migrator.migrateTo('005-organs');
        assert.equal(r.error, undefined);
        await (store.db as unknown as Kysely<Record<string, Record<string, string>>>)
          .insertInto('rooms')
          .values({
            id: 'room_old',
            tenant: 'default',
            name: 'old room',
            created_at: '2026-01-02T03:04:05.000Z',
            created_by: 'admin',
          })
          .execute();
        await store.close();
        const f = await startTestFabrica(kind, {}, target);
        try {
          const r = await f.request('GET', '/llm/room/room_old');
          assert.equal(r.status, 200, r.text);
          const room = client.room(client.envelope(r.body));
          assert.deepEqual(room, {
            id: 'room_old',
            purpose: null,
            status: 'active',
            rentedAt: '2026-01-02T03:04:05.000Z',
            metadata: {},
          });
        } finally {
          await f.close();
        }
      } finally {
        await target.cleanup();
      }
    });
  });
}

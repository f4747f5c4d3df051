import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestFabrica, type TestFabrica } from './support/app.js';
import { STORE_KINDS } from './support/stores.js';

/** By name: verification runs only programs on its allow-list (FABRICA_VERIFY_PROGRAMS). */
const node = 'node';
const graph = {
  stages: [
    {
      key: 'build',
      name: 'Build',
      depends_on: [],
      issues: [
        {
          key: 'api',
          title: 'Write the API',
          kind: 'code',
          depends_on: [],
          acceptance_criteria: ['routes answer'],
        },
        { key: 'docs', title: 'Document it', kind: 'docs', depends_on: ['api'] },
      ],
    },
    {
      key: 'ship',
      name: 'Ship',
      depends_on: ['build'],
      issues: [{ key: 'release', title: 'Release', kind: 'ops', depends_on: ['docs'] }],
    },
  ],
};

for (const { kind, skip } of STORE_KINDS) {
  describe(`run lifecycle over HTTP (${kind})`, { skip }, () => {
    let f: TestFabrica;
    const base = '/llm/factory/runs';
    before(async () => {
      // The sandbox has its own suite (verify-sandbox.test.ts); these tests are about the run's lifecycle.
      f = await startTestFabrica(kind, {
        FABRICA_CAPABILITIES: 'factory_verify=experimental',
        FABRICA_VERIFY_SANDBOX: 'none',
      });
      mkdirSync(join(f.config.workspaceRoot, 'pkg'), { recursive: true });
    });
    after(() => f.close());

    const data = async (method: string, url: string, body?: unknown, status = [200, 201]) => {
      const r = await f.request(method, url, body === undefined ? {} : { body });
      assert.ok(status.includes(r.status), `${method} ${url} → ${r.status} ${JSON.stringify(r.body)}`);
      assert.equal(r.body.success, true);
      return r.body.data;
    };
    const statusOf = (id: string) => data('GET', `${base}/${id}/status`);
    const issuesOf = async (id: string) =>
      Object.fromEntries(
        ((await data('GET', `${base}/${id}/issues`)) as any[]).map((i) => [i.stable_key, i]),
      );

    it('takes a run from planning to completed, with failing then passing verification', async () => {
      const run = await data('POST', base, {
        source: { kind: 'prompt', format: 'markdown', content: '# Ship the API\nDetails' },
        title: 'API',
        workflow_kind: 'software',
      });
      const id = run.run_id as string;
      assert.equal(run.status, 'planning');
      assert.equal(run.source_brief, '# Ship the API');
      assert.match(run.updated_at, /^\d{4}-\d\d-\d\dT/);

      let s = await statusOf(id);
      assert.deepEqual(s.blockers, []);
      assert.deepEqual(s.waiting_on, [
        'no problem_interpretation artifact',
        'no delivery_spec artifact',
        'no materialized stage graph',
      ]);
      const refused = await data('POST', `${base}/${id}/advance`);
      assert.equal(refused.advanced, false);
      assert.equal((await statusOf(id)).status, 'planning');

      const pi = await data('POST', `${base}/${id}/artifacts`, {
        artifact_type: 'problem_interpretation',
        payload: { summary: 'an API' },
      });
      assert.equal(pi.version, 0);
      await data('POST', `${base}/${id}/artifacts`, {
        artifact_type: 'delivery_spec',
        payload: { summary: 'Ship a documented API' },
        input_artifact_ids: [pi.id],
        producer_type: 'planner',
      });
      const sg = await data('POST', `${base}/${id}/artifacts`, {
        artifact_type: 'factory.kernel.stage_graph',
        payload: graph,
      });
      s = await statusOf(id);
      assert.deepEqual(s.stage_counts, {
        pending: 1,
        ready: 1,
        running: 0,
        passed: 0,
        failed: 0,
        blocked: 0,
      });
      assert.deepEqual(s.issue_counts, {
        pending: 2,
        ready: 1,
        running: 0,
        passed: 0,
        failed: 0,
        blocked: 0,
      });
      const stages = await data('GET', `${base}/${id}/stages`);
      assert.ok(stages.length > 0);
      assert.ok(stages.every((x: any) => x.materialized_from_artifact_id === sg.id));
      assert.deepEqual(stages[1].depends_on, [stages[0].id]);

      const planning = await data('POST', `${base}/${id}/gate-check`, { gate: 'planning' });
      assert.equal(planning.verdict, 'pass');
      assert.equal((await data('POST', `${base}/${id}/advance`)).status, 'implementing');

      let issues = await issuesOf(id);
      await data('PATCH', `${base}/${id}/issues/${issues.api.id}`, { status: 'running' });
      assert.equal((await statusOf(id)).current_stage, 'build');
      await data('PATCH', `${base}/${id}/issues/${issues.api.id}`, { status: 'passed', summary: 'done' });
      issues = await issuesOf(id);
      assert.equal(issues.docs.status, 'ready');
      assert.equal(issues.release.status, 'pending');
      await data('PATCH', `${base}/${id}/issues/${issues.docs.id}`, { status: 'passed' });
      s = await statusOf(id);
      assert.equal(s.stage_counts.passed, 1);
      assert.equal((await issuesOf(id)).release.status, 'ready');
      assert.equal((await data('POST', `${base}/${id}/advance`)).advanced, false);
      await data('PATCH', `${base}/${id}/issues/${issues.release.id}`, { status: 'passed' });
      s = await statusOf(id);
      assert.deepEqual(s.issue_counts, {
        pending: 0,
        ready: 0,
        running: 0,
        passed: 3,
        failed: 0,
        blocked: 0,
      });
      assert.equal(s.stage_counts.passed, 2);
      assert.equal((await data('POST', `${base}/${id}/advance`)).status, 'verifying');

      await data('POST', `${base}/${id}/artifacts`, {
        artifact_type: 'verification_plan',
        payload: {
          commands: [
            { program: node, args: ['-e', 'console.log("lint ok")'] },
            { program: node, args: ['-e', 'console.error("2 tests failed"); process.exit(1)'], cwd: 'pkg' },
          ],
        },
      });
      const failed = await data('POST', `${base}/${id}/verify`);
      assert.equal(failed.success, false);
      assert.equal(failed.status, 'implementing');
      assert.equal(failed.report.commands[1].exit_code, 1);
      assert.match(failed.report.commands[1].stderr_tail, /2 tests failed/);
      s = await statusOf(id);
      assert.equal(s.status, 'implementing');
      assert.equal(s.latest_verification, 'failed');
      assert.equal(s.latest_verification_success, false);
      assert.equal(s.latest_verification_artifact_id, failed.artifact_id);
      const failures = (await data('GET', `${base}/${id}/artifacts`)).filter(
        (a: any) => a.artifact_type === 'failure_report',
      );
      assert.equal(failures.length, 1);
      assert.deepEqual(failures[0].input_artifact_ids, [failed.artifact_id]);

      assert.equal((await data('POST', `${base}/${id}/advance`)).status, 'verifying');
      const passed = await data('POST', `${base}/${id}/verify`, {
        commands: [{ program: node, args: ['-e', 'console.log(process.cwd())'], cwd: 'pkg' }],
      });
      assert.equal(passed.success, true);
      assert.match(passed.report.commands[0].stdout_tail, /pkg/);
      assert.equal((await statusOf(id)).latest_verification, 'passed');
      assert.equal((await data('POST', `${base}/${id}/advance`)).status, 'gated');

      const notReady = await data('POST', `${base}/${id}/gate-check`, { gate: 'merge_readiness' });
      assert.equal(notReady.verdict, 'fail');
      assert.deepEqual(notReady.reasons, ['no checkpoint']);
      const blocked = await data('POST', `${base}/${id}/advance`);
      assert.deepEqual(blocked.next_actions, ['record a ready checkpoint']);
      const ids = Object.values(await issuesOf(id)).map((i: any) => i.id);
      await data('POST', `${base}/${id}/checkpoints`, {
        branch_name: 'run/api',
        worktree_path: '/tmp/wt',
        base_ref: 'main',
        head_sha: 'abc123',
        status: 'ready',
        included_issue_ids: ids,
        merged_issue_ids: ids,
      });
      assert.equal(
        (await data('POST', `${base}/${id}/gate-check`, { gate: 'merge_readiness' })).verdict,
        'pass',
      );
      await data('POST', `${base}/${id}/gates`, {
        gate: 'security_review',
        verdict: 'needs_review',
        reasons: ['new endpoint'],
      });
      s = await statusOf(id);
      assert.deepEqual(s.latest_gate_verdicts, {
        planning: 'pass',
        merge_readiness: 'pass',
        security_review: 'needs_review',
      });
      assert.ok(s.diagnostics.includes('gate security_review: needs_review'));

      const done = await data('POST', `${base}/${id}/advance`);
      assert.equal(done.status, 'completed');
      const artifacts = await data('GET', `${base}/${id}/artifacts`);
      assert.equal(artifacts.at(-1).artifact_type, 'factory.kernel.completion_result');
      assert.equal(artifacts.at(-1).payload.issues_passed, 3);

      const review = await data('GET', `${base}/${id}/review`);
      assert.match(review.id, /^rev_/);
      assert.equal(review.run_id, id);
      assert.equal(review.plan_summary, 'Ship a documented API');
      assert.equal(review.stage_summary.length, 2);
      assert.ok(review.issue_summary.some((x: string) => x.startsWith('api [passed] Write the API — done')));
      assert.ok(review.checkpoint_summary[0].includes('run/api @ abc123: ready'));
      assert.ok(review.gate_summary.includes('security_review: needs_review (new endpoint)'));
      assert.ok(review.evidence_summary.some((x: string) => x.startsWith('verification passed')));
      for (const k of ['artifact_summary', 'blockers', 'diagnostics', 'next_actions', 'open_risks'])
        assert.ok(Array.isArray(review[k]), k);
      assert.equal((await data('GET', `${base}/${id}/review`)).id, review.id, 'unchanged run, same bundle');

      const after = await f.request('POST', `${base}/${id}/cancel`, { body: {} });
      assert.equal(after.status, 409);
      assert.deepEqual([after.body.success, after.body.code], [false, 'invalid_transition']);
      const late = await f.request('POST', `${base}/${id}/issues`, { body: { title: 'late' } });
      assert.equal(late.status, 409);
    });

    it('supersedes a stage graph by stable key, and materialising the same graph twice changes nothing', async () => {
      const id = (await data('POST', base, { source: { kind: 'prompt', content: 'x' } })).id;
      const g1 = await data('POST', `${base}/${id}/artifacts`, {
        artifact_type: 'stage_graph',
        payload: graph,
      });
      const issues1 = await issuesOf(id);
      await data('PATCH', `${base}/${id}/issues/${issues1.api.id}`, { status: 'passed' });
      const next = {
        stages: [
          {
            key: 'build',
            name: 'Build v2',
            depends_on: [],
            issues: [
              { key: 'api', title: 'Write the API v2', kind: 'code', depends_on: [] },
              { key: 'tests', title: 'Test it', kind: 'code', depends_on: ['api'] },
            ],
          },
        ],
      };
      const g2 = await data('POST', `${base}/${id}/artifacts`, {
        artifact_type: 'factory.kernel.stage_graph',
        payload: next,
        supersedes_artifact_id: g1.id,
      });
      const stages = await data('GET', `${base}/${id}/stages`);
      const build = stages.find((s: any) => s.stable_key === 'build');
      const ship = stages.find((s: any) => s.stable_key === 'ship');
      assert.equal(build.stage_name, 'Build v2');
      assert.equal(build.materialized_from_artifact_id, g2.id);
      assert.equal(ship.superseded_by_artifact_id, g2.id);
      const issues2 = await issuesOf(id);
      assert.equal(issues2.api.id, issues1.api.id, 'same key, same record');
      assert.equal(issues2.api.status, 'passed', 'status kept');
      assert.equal(issues2.api.title, 'Write the API v2');
      assert.equal(issues2.docs.superseded_by_artifact_id, g2.id);
      assert.equal(issues2.tests.status, 'ready');
      const counts = (await statusOf(id)).issue_counts;
      assert.equal(counts.passed + counts.ready + counts.pending, 2, 'superseded issues no longer count');

      // One event per stage and per issue each graph created, updated or superseded, naming the graph.
      const events = (
        await Promise.all(
          ['stage.created', 'stage.updated', 'issue.created', 'issue.updated'].map(
            async (t) => (await f.request('GET', `/audit?type=${t}&limit=1000`)).body.events as any[],
          ),
        )
      )
        .flat()
        .filter((e) => e.data.run_id === id && e.data.context.by === 'materialization')
        .sort((a, b) => a.seq - b.seq);
      const key = (e: any) =>
        `${e.data.event_type} ${e.data.context.stable_key} ${e.data.context.materialization}`;
      const byGraph = (g: string) => events.filter((e) => e.data.context.artifact_id === g).map(key);
      assert.deepEqual(byGraph(g1.id).sort(), [
        'issue.created api created',
        'issue.created docs created',
        'issue.created release created',
        'stage.created build created',
        'stage.created ship created',
      ]);
      assert.deepEqual(byGraph(g2.id).sort(), [
        'issue.created tests created',
        'issue.updated api updated',
        'issue.updated docs superseded',
        'issue.updated release superseded',
        'stage.updated build updated',
        'stage.updated ship superseded',
      ]);
      const created = events.find((e) => key(e) === 'issue.created tests created');
      assert.equal(created.data.target_id, issues2.tests.id);
      assert.equal(created.data.issue_id, issues2.tests.id);
      assert.equal(created.data.stage_id, build.id);
      assert.equal(created.data.context.title, 'Test it');

      const before = await f.request('GET', '/audit/verify');
      await f.fabrica.runs.change(id, null, (d) => {
        const art = d.agg.artifacts.find((a) => a.id === g2.id)!;
        return { ok: true, value: art };
      });
      const { materialise } = await import('../src/engine/runs/run-authoring.js');
      const again = await f.fabrica.runs.change(id, null, (d) =>
        materialise(
          d,
          d.agg.artifacts.find((a) => a.id === g2.id)!,
        ),
      );
      assert.deepEqual(again.ok && again.value, { created: 0, updated: 0, superseded: 0 });
      assert.equal(
        (await f.request('GET', '/audit/verify')).body.head_seq,
        before.body.head_seq,
        'no event, no change',
      );
    });

    it('stores an artifact with a client version only when it is the next of its type, else 409 version_conflict', async () => {
      const id = (await data('POST', base, { source: { kind: 'prompt', content: 'x' } })).id;
      const post = (version: unknown, type = 'delivery_spec') =>
        f.request('POST', `${base}/${id}/artifacts`, {
          body: { artifact_type: type, payload: { summary: `v${String(version)}` }, version },
        });
      const first = await post(0);
      assert.equal(first.status, 201, JSON.stringify(first.body));
      assert.equal(first.body.data.version, 0);
      const head = (await f.request('GET', '/audit/verify')).body.head_seq;
      for (const v of [0, 2, 99]) {
        const r = await post(v);
        assert.equal(r.status, 409, JSON.stringify(r.body));
        assert.equal(r.body.success, false);
        assert.equal(r.body.code, 'version_conflict');
        assert.equal(r.body.next_version, 1);
        assert.equal(r.body.artifact_type, 'delivery_spec');
        assert.match(r.body.message, /the next is 1/);
      }
      for (const v of [-1, 1.5, 'one', null]) {
        const r = await post(v);
        assert.equal(r.status, 400, `${String(v)}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.code, 'invalid_request');
      }
      assert.equal(
        (await f.request('GET', '/audit/verify')).body.head_seq,
        head,
        'refused versions write nothing',
      );
      assert.equal((await data('GET', `${base}/${id}/artifacts`)).length, 1);
      assert.equal((await post(1)).body.data.version, 1);
      // Without a version the next one is taken, as before; each type counts on its own.
      const plain = await data('POST', `${base}/${id}/artifacts`, {
        artifact_type: 'delivery_spec',
        payload: { summary: 'unversioned' },
      });
      assert.equal(plain.version, 2);
      assert.equal((await post(0, 'problem_interpretation')).body.data.version, 0);
      const stored = (await data('GET', `${base}/${id}/artifacts`)) as any[];
      assert.deepEqual(
        stored.map((a) => [a.artifact_type, a.version]),
        [
          ['delivery_spec', 0],
          ['delivery_spec', 1],
          ['delivery_spec', 2],
          ['problem_interpretation', 0],
        ],
      );
    });

    it('refuses bad graphs and bad records naming the problem, changing nothing', async () => {
      const id = (await data('POST', base, { source: { kind: 'prompt', content: 'x' } })).id;
      const post = (body: unknown) => f.request('POST', `${base}/${id}/artifacts`, { body });
      const cyc = await post({
        artifact_type: 'factory.kernel.stage_graph',
        payload: {
          stages: [
            { key: 'a', name: 'A', depends_on: ['b'], issues: [] },
            { key: 'b', name: 'B', depends_on: ['a'], issues: [] },
          ],
        },
      });
      assert.equal(cyc.status, 400);
      assert.equal(cyc.body.code, 'invalid_stage_graph');
      assert.match(cyc.body.message, /cycle: a → b → a/);
      const dangling = await post({
        artifact_type: 'stage_graph',
        payload: {
          stages: [
            {
              key: 'a',
              name: 'A',
              depends_on: [],
              issues: [{ key: 'i', title: 'I', kind: 'k', depends_on: ['ghost'] }],
            },
          ],
        },
      });
      assert.equal(dangling.body.code, 'invalid_stage_graph');
      assert.match(dangling.body.message, /i → ghost/);
      const empty = await post({ artifact_type: 'stage_graph', payload: { stages: [] } });
      assert.equal(empty.status, 400);
      const foreign = await post({
        artifact_type: 'delivery_spec',
        payload: {},
        input_artifact_ids: ['art_elsewhere'],
      });
      assert.equal(foreign.body.code, 'invalid_artifact');
      const shell = await post({ artifact_type: 'verification_plan', payload: { commands: ['npm test'] } });
      assert.equal(shell.body.code, 'invalid_artifact');
      const open = await post({ artifact_type: 'acme.custom', payload: [1, 2, 3] });
      assert.equal(open.status, 201, 'unknown artifact types are open strings');
      assert.equal((await data('GET', `${base}/${id}/stages`)).length, 0);

      const emptyPrompt = await f.request('POST', base, {
        body: { source: { kind: 'prompt', format: 'text', content: '  ' } },
      });
      assert.equal(emptyPrompt.status, 400);
      assert.equal(emptyPrompt.body.code, 'invalid_request');
      const badFormat = await f.request('POST', base, {
        body: { source: { kind: 'prompt', format: 'pdf', content: 'x' } },
      });
      assert.equal(badFormat.status, 400);
      assert.match(badFormat.body.message, /body\.source\.format/);
      assert.equal((await f.request('GET', `${base}/run_nope/status`)).status, 404);
      assert.equal(
        (await f.request('PATCH', `${base}/${id}/issues/iss_nope`, { body: { status: 'passed' } })).status,
        404,
      );
      const badStatus = await f.request('PATCH', `${base}/${id}/stages/stg_x`, { body: { status: 'done' } });
      assert.equal(badStatus.status, 400);
      const badGate = await f.request('POST', `${base}/${id}/gate-check`, { body: { gate: 'vibes' } });
      assert.equal(badGate.status, 400);
      assert.match(badGate.body.message, /POST \/gates/);
      const stage = await data('POST', `${base}/${id}/stages`, { stage_name: 'S' });
      const stale = await f.request('PATCH', `${base}/${id}/stages/${stage.id}`, {
        body: { summary: 'x', expected_version: 7 },
      });
      assert.equal(stale.status, 409);
      assert.equal(stale.body.code, 'conflict');

      // A patched depends_on must name records of the run and close no cycle; a refusal changes nothing.
      const later = await data('POST', `${base}/${id}/stages`, { stage_name: 'T', depends_on: [stage.id] });
      const patchStage = (sid: string, body: unknown) =>
        f.request('PATCH', `${base}/${id}/stages/${sid}`, { body });
      const unknownStage = await patchStage(stage.id, { depends_on: ['stg_nope'] });
      assert.equal(unknownStage.status, 400);
      assert.match(unknownStage.body.message, /depends_on names stages not in this run: stg_nope/);
      const stageCycle = await patchStage(stage.id, { depends_on: [later.id] });
      assert.equal(stageCycle.body.code, 'invalid_stage_graph');
      assert.match(stageCycle.body.message, /dependency cycle/);
      const first = await data('POST', `${base}/${id}/issues`, { title: 'A', stage_id: stage.id });
      const second = await data('POST', `${base}/${id}/issues`, { title: 'B', depends_on: [first.id] });
      const patchIssue = (iid: string, body: unknown) =>
        f.request('PATCH', `${base}/${id}/issues/${iid}`, { body });
      const unknownIssue = await patchIssue(first.id, { depends_on: ['iss_nope'] });
      assert.match(unknownIssue.body.message, /depends_on names issues not in this run: iss_nope/);
      const issueCycle = await patchIssue(first.id, { depends_on: [second.id] });
      assert.equal(issueCycle.body.code, 'invalid_stage_graph');
      const staleIssue = await patchIssue(first.id, { summary: 'x', expected_version: 9 });
      assert.equal(staleIssue.body.code, 'conflict');
      assert.match(staleIssue.body.message, /issue iss_\S+ is at version \d+, not 9/);
      const stored = await data('GET', `${base}/${id}/stages`);
      assert.deepEqual(stored.find((x: { id: string }) => x.id === stage.id).depends_on, []);
    });

    it('confines verification: timeout, output cap, path traversal, capability and root only', async () => {
      const id = (await data('POST', base, { source: { kind: 'prompt', content: 'x' } })).id;
      const v = (body: unknown, token?: string) =>
        f.request('POST', `${base}/${id}/verify`, { body, ...(token ? { token } : {}) });
      const slow = await v({
        commands: [{ program: node, args: ['-e', 'setTimeout(() => {}, 30000)'], timeout_ms: 500 }],
      });
      assert.equal(slow.status, 201);
      assert.equal(slow.body.data.report.commands[0].timed_out, true);
      assert.equal(slow.body.data.success, false);
      const loud = await v({
        commands: [{ program: node, args: ['-e', 'process.stdout.write("x".repeat(200000) + "END")'] }],
      });
      const out = loud.body.data.report.commands[0];
      assert.equal(out.stdout_truncated, true);
      assert.ok(out.stdout_tail.endsWith('END'));
      assert.ok(out.stdout_tail.length <= 65536);
      const escape = await v({ commands: [{ program: node, args: ['-e', '1'], cwd: '../..' }] });
      assert.equal(escape.body.data.success, false);
      assert.match(escape.body.data.report.commands[0].error, /escapes the workspace root/);
      const shell = await v({ commands: ['rm -rf /'] });
      assert.equal(shell.status, 400);
      assert.equal((await v({})).status, 400, 'no commands and no plan');

      const root = (await f.request('POST', '/tokens', { body: { tenant: 'default', access: 'root' } })).body
        .token;
      const full = (await f.request('POST', '/tokens', { body: { tenant: 'default', access: 'full' } })).body
        .token;
      assert.equal((await v({ commands: [{ program: node, args: ['-e', '1'] }] }, full)).status, 403);
      // Only the operator of the host verifies unless FABRICA_VERIFY_TENANT_ROOT says otherwise.
      const tenantRoot = await v({ commands: [{ program: node, args: ['-e', '1'] }] }, root);
      assert.deepEqual([tenantRoot.status, tenantRoot.body.code], [403, 'forbidden']);
      await f.request('PUT', '/capabilities/factory_verify', { body: { level: 'locked', reason: 'test' } });
      const locked = await v({ commands: [{ program: node, args: ['-e', '1'] }] });
      assert.equal(locked.status, 403);
      assert.deepEqual([locked.body.code, locked.body.success], ['capability_disabled', false]);
      await f.request('PUT', '/capabilities/factory_verify', {
        body: { level: 'experimental', reason: 'test' },
      });
    });

    it('keeps tenants apart and refuses root-only authoring, read-only writes and tenant writes in safe mode', async () => {
      const token = async (tenant: string, access: string) =>
        (await f.request('POST', '/tokens', { body: { tenant, access } })).body.token as string;
      const acmeEdit = await token('acme', 'edit');
      const acmeRead = await token('acme', 'read');
      const globex = await token('globex', 'root');
      const created = await f.request('POST', base, {
        token: acmeEdit,
        body: { source: { kind: 'prompt', content: 'acme work' } },
      });
      assert.equal(created.status, 201);
      const id = created.body.data.id;
      assert.equal(created.body.data.tenant, 'acme');
      assert.equal((await f.request('GET', `${base}/${id}`, { token: acmeRead })).status, 200);
      const other = await f.request('GET', `${base}/${id}`, { token: globex });
      assert.equal(other.status, 404, "another tenant's run is absent, not forbidden");
      assert.equal(
        (await f.request('POST', `${base}/${id}/cancel`, { token: globex, body: {} })).status,
        404,
      );
      // The other tenant's own run is listed, and only its runs.
      const theirs = await f.request('POST', base, {
        token: globex,
        body: { source: { kind: 'prompt', content: 'globex work' } },
      });
      assert.equal(theirs.status, 201, theirs.text);
      const list = await f.request('GET', base, { token: globex });
      assert.ok(list.body.data.some((r: any) => r.id === theirs.body.data.id));
      assert.ok(list.body.data.every((r: any) => r.tenant === 'globex'));
      const wrongTenant = await f.request('POST', base, {
        token: acmeEdit,
        body: { tenant: 'globex', source: { kind: 'prompt', content: 'x' } },
      });
      assert.equal(wrongTenant.status, 403);

      const readWrite = await f.request('POST', base, {
        token: acmeRead,
        body: { source: { kind: 'prompt', content: 'x' } },
      });
      assert.equal(readWrite.status, 403);
      assert.deepEqual([readWrite.body.success, readWrite.body.code], [false, 'forbidden']);
      for (const [method, path, body] of [
        ['POST', 'stages', { stage_name: 's' }],
        ['POST', 'issues', { title: 't' }],
        ['POST', 'checkpoints', { branch_name: 'b', worktree_path: 'w', base_ref: 'r' }],
        ['POST', 'artifacts', { artifact_type: 'x', payload: {} }],
        ['POST', 'gates', { gate: 'g', verdict: 'pass' }],
        ['POST', 'gate-check', { gate: 'planning' }],
      ] as const) {
        const r = await f.request(method, `${base}/${id}/${path}`, { token: acmeEdit, body });
        assert.equal(r.status, 403, `${path} is root-only`);
        assert.equal(r.body.code, 'forbidden');
      }

      await f.request('POST', '/safe-mode', { body: { on: true, reason: 'drill' } });
      const blocked = await f.request('POST', `${base}/${id}/advance`, { token: acmeEdit });
      assert.equal(blocked.status, 403);
      assert.equal(blocked.body.code, 'safe_mode');
      assert.equal(
        (await f.request('GET', `${base}/${id}/status`, { token: acmeRead })).status,
        200,
        'reads still work',
      );
      assert.equal((await f.request('POST', `${base}/${id}/advance`)).status, 200, 'the admin still writes');
      await f.request('POST', '/safe-mode', { body: { on: false, reason: 'over' } });
      assert.equal((await f.request('POST', `${base}/${id}/advance`, { token: acmeEdit })).status, 200);
    });

    it('advances an auto_advance run by itself when a precondition changes', async () => {
      const id = (
        await data('POST', base, { source: { kind: 'prompt', content: 'auto' }, auto_advance: true })
      ).id;
      await data('POST', `${base}/${id}/artifacts`, { artifact_type: 'problem_interpretation', payload: {} });
      await data('POST', `${base}/${id}/artifacts`, { artifact_type: 'delivery_spec', payload: {} });
      await data('POST', `${base}/${id}/artifacts`, {
        artifact_type: 'stage_graph',
        payload: {
          stages: [
            {
              key: 's',
              name: 'S',
              depends_on: [],
              issues: [{ key: 'i', title: 'I', kind: 'k', depends_on: [] }],
            },
          ],
        },
      });
      let status = '';
      for (let i = 0; i < 100 && status !== 'implementing'; i += 1) {
        await new Promise((r) => setTimeout(r, 50));
        status = (await statusOf(id)).status;
      }
      assert.equal(status, 'implementing');
      const issue = Object.values(await issuesOf(id))[0] as any;
      await data('PATCH', `${base}/${id}/issues/${issue.id}`, { status: 'passed' });
      for (let i = 0; i < 100 && status !== 'verifying'; i += 1) {
        await new Promise((r) => setTimeout(r, 50));
        status = (await statusOf(id)).status;
      }
      assert.equal(status, 'verifying');
      const start = await data('POST', `${base}/${id}/start`);
      assert.deepEqual(start, {
        run_id: id,
        status: 'verifying',
        completed: false,
        failed: false,
        actions: [],
      });
    });
  });
}

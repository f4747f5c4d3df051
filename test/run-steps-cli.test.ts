import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ADMIN } from './support/app.js';
import { cli } from './support/cli-process.js';
import { startServerProcess } from './support/server-process.js';
import { freshTarget } from './support/stores.js';

const graph = {
  stages: [
    {
      key: 'build',
      name: 'Build',
      depends_on: [],
      issues: [{ key: 'api', title: 'Write the API', kind: 'code', depends_on: [] }],
    },
  ],
};

describe('fabrica runs: the steps runs status suggests', () => {
  it('adds artifacts from files, checks and records gates, advances, lists stages, issues, checkpoints', async () => {
    const target = await freshTarget('sqlite');
    const server = await startServerProcess(target.env);
    const env = { FABRICA_URL: server.url, FABRICA_TOKEN: ADMIN };
    const ok = async (args: string[]) => {
      const r = await cli(args, env);
      assert.equal(r.code, 0, `fabrica ${args.join(' ')}: ${r.stdout}${r.stderr}`);
      return r.stdout;
    };
    try {
      const run = (
        await server.request('POST', '/llm/factory/runs', { source: { kind: 'prompt', content: 'Ship it' } })
      ).body.data.id as string;
      const file = (name: string, payload: unknown) => {
        const p = join(target.dataDir, name);
        writeFileSync(p, JSON.stringify(payload));
        return p;
      };

      assert.equal(
        await ok(['runs', 'advance', run]),
        [
          'not advanced: still planning',
          'waiting on:',
          '  - no problem_interpretation artifact',
          '  - no delivery_spec artifact',
          '  - no materialized stage graph',
          'next actions:',
          '  - create a problem_interpretation artifact',
          '  - create a delivery_spec artifact',
          '  - create a factory.kernel.stage_graph artifact',
          '',
        ].join('\n'),
      );
      assert.match(
        await ok([
          'runs',
          'artifact',
          'add',
          run,
          '--type',
          'problem_interpretation',
          '--file',
          file('pi.json', { s: 1 }),
        ]),
        new RegExp(`^artifact art_\\S+ \\(problem_interpretation v0\\) added to run ${run}\n$`),
      );
      const spec = JSON.parse(
        await ok([
          'runs',
          'artifact',
          'add',
          run,
          '--type',
          'delivery_spec',
          '--file',
          file('ds.json', { d: 2 }),
          '--json',
        ]),
      );
      assert.deepEqual([spec.artifact_type, spec.payload], ['delivery_spec', { d: 2 }]);
      const failing = await ok(['runs', 'gate-check', run, 'planning']);
      assert.match(failing, /^gate planning: fail\nreasons:\n {2}- no materialized stage graph\n/);
      await ok([
        'runs',
        'artifact',
        'add',
        run,
        '--type',
        'factory.kernel.stage_graph',
        '--file',
        file('g.json', graph),
      ]);
      const passing = JSON.parse(await ok(['runs', 'gate-check', run, 'planning', '--json']));
      assert.equal(passing.verdict, 'pass');
      assert.equal(await ok(['runs', 'advance', run]), 'advanced: planning → implementing\n');

      const review = await ok([
        'runs',
        'gate',
        run,
        'review',
        '--verdict',
        'needs_review',
        '--reason',
        'look again',
        '--reason',
        'tests?',
        '--evidence',
        'pr 1',
      ]);
      assert.equal(
        review,
        'gate review: needs_review\nreasons:\n  - look again\n  - tests?\nevidence:\n  - pr 1\n',
      );
      const status = JSON.parse(await ok(['runs', 'status', run, '--json']));
      assert.equal(status.latest_gate_verdicts.review, 'needs_review');

      const stages = JSON.parse(await ok(['runs', 'stages', run, '--json']));
      assert.deepEqual(
        stages.map((s: { stage_name: string }) => s.stage_name),
        ['Build'],
      );
      assert.match(await ok(['runs', 'stages', run]), new RegExp(`^${stages[0].id}\\s+Build\\s+ready`, 'm'));
      const issues = JSON.parse(await ok(['runs', 'issues', run, '--json']));
      assert.deepEqual(
        issues.map((i: { title: string; stage_id: string }) => [i.title, i.stage_id]),
        [['Write the API', stages[0].id]],
      );
      assert.match(await ok(['runs', 'issues', run]), /^iss_\S+\s+Write the API\s+code\s+ready/m);
      assert.deepEqual(JSON.parse(await ok(['runs', 'checkpoints', run, '--json'])), []);
      const artifacts = JSON.parse(await ok(['runs', 'artifact', 'list', run, '--json']));
      assert.equal(artifacts.length, 3);

      // Mistakes are one line with the reason.
      const missing = await cli(
        ['runs', 'artifact', 'add', run, '--type', 'x', '--file', join(target.dataDir, 'no.json')],
        env,
      );
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /^error invalid_request: cannot read .*no\.json/);
      const noRun = await cli(['runs', 'advance', 'run_nope'], env);
      assert.equal(noRun.code, 1);
      assert.match(noRun.stderr, /^error not_found: /);
    } finally {
      await server.kill();
      await target.cleanup();
    }
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestFabrica, type TestFabrica } from './support/app.js';
import { STORE_KINDS } from './support/stores.js';
import {
  FINAL,
  settled,
  shippedSetup,
  TOPIC_CELL,
  topicExamples,
  topicJob,
  trialEvents,
  waitForJob,
} from './support/training.js';

const enc = encodeURIComponent;

for (const { kind, skip } of STORE_KINDS) {
  describe(`training jobs (${kind})`, { skip }, () => {
    let f: TestFabrica;
    let dataset: string;
    const req = (m: string, u: string, body?: unknown) => f.request(m, u, body === undefined ? {} : { body });
    before(async () => {
      f = await startTestFabrica(kind);
      ({ dataset } = await shippedSetup(req));
    });
    after(() => f.close());

    const revisions = async () =>
      (await req('GET', `/factory/cells/${enc(TOPIC_CELL)}`)).body.revisions as {
        version: string;
        state: string;
      }[];
    const thresholdOf = async (version: string) =>
      (await req('GET', `/cells/analysis.topic_classify.v1/${version}`)).body.template
        .confidence_threshold as number;

    it('with approvals given here, tunes the poor threshold of the shipped classifier to the target', async () => {
      const created = await req('POST', '/factory/training', topicJob(dataset));
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.state, 'running');
      assert.equal(created.body.base_version, '1.0.0');
      const id = created.body.id as string;
      let job = await waitForJob(req, id, settled, 'a proposal or an end');
      let approvals = 0;
      while (job.state === 'awaiting_approval') {
        const p = job.proposal;
        assert.ok(p.train > job.iterations.at(-1).baseline.train, 'a proposal scores better than its base');
        assert.ok(p.fixes.length > 0, 'the diff names the examples it fixes');
        for (const c of [...p.fixes, ...p.breaks]) assert.ok(['train', 'holdout'].includes(c.split));
        // The proposal is a draft revision of the cell with the proposed threshold, and nothing more.
        const rev = (await revisions()).find((r) => r.version === p.version);
        assert.equal(rev?.state, 'draft');
        assert.equal(await thresholdOf(p.version), p.params.confidence_threshold);
        const again = await req('POST', `/factory/training/${id}/approve`);
        assert.equal(again.status, 200, JSON.stringify(again.body));
        approvals += 1;
        const seen = job.iterations.length;
        job = await waitForJob(
          req,
          id,
          (j) => FINAL.includes(j.state) || (j.state === 'awaiting_approval' && j.iterations.length > seen),
          'the next proposal or an end',
        );
      }
      assert.equal(
        job.state,
        'converged',
        JSON.stringify({ reason: job.reason, iterations: job.iterations.length }),
      );
      assert.ok(approvals >= 1);
      assert.ok(job.iterations.length <= job.max_iterations);
      assert.ok(job.score.holdout >= 0.95, `holdout ${job.score.holdout}`);
      const first = job.iterations[0].baseline;
      assert.ok(first.holdout < 0.9, `the poor threshold scores badly (${first.holdout})`);
      const t = await thresholdOf(job.base_version);
      assert.ok(t > 0.5 && t < 0.67, `the converged threshold ${t} separates mixed and tied sentences`);
      // The job never promotes: every revision it made is a draft; the original is untouched.
      for (const r of await revisions()) assert.equal(r.state, 'draft');
      // Approving a finished job is refused.
      const late = await req('POST', `/factory/training/${id}/approve`);
      assert.equal(late.status, 409);
      assert.equal(late.body.code, 'not_awaiting_approval');
      // Its progress is on the event log.
      const audit = await req('GET', `/audit?subject_id=${id}&limit=1000`);
      const types = new Set(
        (audit.body.events ?? audit.body.items ?? []).map((e: { type: string }) => e.type),
      );
      for (const t2 of [
        'training.job_created',
        'training.baseline',
        'training.trial',
        'training.proposal',
        'training.proposal_accepted',
        'training.converged',
      ])
        assert.ok(types.has(t2), `${t2} in ${[...types].join(', ')}`);
    });

    it('with hitl false, policy accepts what does not lower the holdout score, up to the target', async () => {
      const created = await req(
        'POST',
        '/factory/training',
        topicJob(dataset, {
          hitl: false,
          search: {
            space: { confidence_threshold: { min: 0, max: 1, steps: 11 } },
            strategy: 'grid',
            trials_per_iteration: 4,
          },
        }),
      );
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const job = await waitForJob(req, created.body.id, (j) => FINAL.includes(j.state), 'an end');
      assert.equal(job.state, 'converged', JSON.stringify(job.reason));
      for (const it of job.iterations) {
        if (it.proposal !== null) assert.equal(it.proposal.decided_by, 'policy');
        if (it.outcome === 'accepted') assert.ok(it.proposal.holdout >= it.baseline.holdout);
      }
      assert.ok(job.score.holdout >= 0.95);
      // Trials share steps (a step runs them until its budget is spent): each is still on the log once,
      // numbered in its iteration as the job counts it.
      const keys = (await trialEvents(req, job.id)).map((e) => `${e.data.iteration}.${e.data.trial}`);
      const expectedKeys = job.iterations.flatMap((it: { number: number; trials: unknown[] }) =>
        it.trials.map((_, i) => `${it.number}.${i + 1}`),
      );
      assert.deepEqual([...keys].sort(), [...expectedKeys].sort());
      const metrics = await f.request('GET', '/metrics');
      assert.match(metrics.text, /^training_converged_total [1-9]/m);
      assert.match(metrics.text, /^training_trials_total [1-9]/m);
      assert.match(metrics.text, /^training_iterations_total [1-9]/m);
      assert.match(metrics.text, new RegExp(`^training_score\\{job="${job.id}"\\} 1$`, 'm'));
    });

    it('a rejected proposal is rolled back: nothing of it serves', async () => {
      const created = await req(
        'POST',
        '/factory/training',
        topicJob(dataset, {
          search: {
            space: { confidence_threshold: { values: [0.6] } },
            strategy: 'grid',
            trials_per_iteration: 1,
          },
        }),
      );
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = created.body.id as string;
      const job = await waitForJob(req, id, settled, 'a proposal');
      assert.equal(job.state, 'awaiting_approval');
      const version = job.proposal.version as string;
      const rejected = await req('POST', `/factory/training/${id}/reject`);
      assert.equal(rejected.status, 200, JSON.stringify(rejected.body));
      assert.equal((await revisions()).find((r) => r.version === version)?.state, 'rolled_back');
      // Nothing serves the cell (its revisions are drafts or rolled back), and the rejected one cannot be forced.
      const call = await req('POST', `/factory/cells/${enc(TOPIC_CELL)}/invoke`, { input: 'rain' });
      assert.equal(call.status, 409);
      assert.equal(call.body.code, 'not_serving');
      const forced = await f.request('POST', `/factory/cells/${enc(TOPIC_CELL)}/invoke`, {
        body: { input: 'rain' },
        headers: { 'x-fabrica-revision': version },
      });
      assert.equal(forced.status, 409);
      // The grid has nothing more to try: the job runs out of iterations (or is stopped here first).
      const end = await waitForJob(req, id, (j) => FINAL.includes(j.state), 'an end');
      assert.equal(end.state, 'exhausted');
      assert.equal(end.iterations[0].outcome, 'rejected');
      const stop = await req('POST', `/factory/training/${id}/stop`);
      assert.equal(stop.status, 409);
      assert.equal(stop.body.code, 'invalid_transition');
    });

    it('stop rolls back a waiting proposal and ends the job', async () => {
      const created = await req('POST', '/factory/training', topicJob(dataset));
      const id = created.body.id as string;
      const job = await waitForJob(req, id, settled, 'a proposal');
      assert.equal(job.state, 'awaiting_approval');
      const stopped = await req('POST', `/factory/training/${id}/stop`);
      assert.equal(stopped.status, 200);
      assert.equal(stopped.body.state, 'stopped');
      assert.equal((await revisions()).find((r) => r.version === job.proposal.version)?.state, 'rolled_back');
      const reject = await req('POST', `/factory/training/${id}/reject`);
      assert.equal(reject.status, 409);
      assert.equal(reject.body.code, 'not_awaiting_approval');
      const list = await req('GET', `/factory/training?state=stopped`);
      assert.ok(list.body.jobs.some((j: { id: string }) => j.id === id));
    });

    it('refuses bad jobs with 400 naming the field, and stores none of them', async () => {
      const before = (await req('GET', '/factory/training')).body.jobs.length;
      const one = await req('POST', '/factory/datasets', { name: 'tiny', examples: [topicExamples()[0]] });
      assert.equal(one.status, 201);
      const summary = await req('POST', '/factory/cells', {
        backend: 'adapter',
        tpl: {
          id: 'analysis.tsum.v1',
          version: '1.0.0',
          analysis_type: 'summary',
          metadata: { schema: 'v1', sentences: 2 },
        },
      });
      assert.equal(summary.status, 201);
      const cases: [string, Record<string, unknown>, string][] = [
        ['unknown cell', { cell_id: 'adapter:nope.v1' }, 'body.cell_id'],
        ['empty holdout', { dataset_id: one.body.dataset.id }, 'body.dataset_id'],
        ['unknown dataset', { dataset_id: 'ds_nope' }, 'body.dataset_id'],
        [
          'a key the template lacks',
          {
            search: {
              space: { 'metadata.colour': { values: ['red'] } },
              strategy: 'grid',
              trials_per_iteration: 1,
            },
          },
          'body.search.space.metadata.colour',
        ],
        [
          'a threshold past 1',
          {
            search: {
              space: { confidence_threshold: { min: 0, max: 2 } },
              strategy: 'grid',
              trials_per_iteration: 1,
            },
          },
          'body.search.space.confidence_threshold',
        ],
        [
          'a value the operation refuses',
          {
            cell_id: 'analysis.tsum.v1',
            metric: 'similarity',
            search: {
              space: { 'metadata.sentences': { min: 0, max: 3, integer: true } },
              strategy: 'grid',
              trials_per_iteration: 1,
            },
          },
          'body.search.space.metadata.sentences',
        ],
        ['a text metric on labels', { metric: 'similarity' }, 'body.metric'],
        [
          'a label metric on text',
          {
            cell_id: 'analysis.tsum.v1',
            metric: 'macro_f1',
            search: {
              space: { 'metadata.sentences': { min: 1, max: 3, integer: true } },
              strategy: 'grid',
              trials_per_iteration: 1,
            },
          },
          'body.metric',
        ],
        ['target above 1', { target: 1.5 }, 'body.target'],
        ['target 0', { target: 0 }, 'body.target'],
        [
          'unknown strategy',
          {
            search: {
              space: { confidence_threshold: { min: 0, max: 1 } },
              strategy: 'anneal',
              trials_per_iteration: 1,
            },
          },
          'body.search.strategy',
        ],
      ];
      for (const [what, over, field] of cases) {
        const r = await req('POST', '/factory/training', topicJob(dataset, over));
        assert.equal(r.status, 400, `${what}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.field, field, `${what}: ${JSON.stringify(r.body)}`);
      }
      assert.equal((await req('GET', '/factory/training')).body.jobs.length, before);
      const missing = await req('POST', '/factory/training/trn_nope/approve');
      assert.equal(missing.status, 404);
    });
  });
}

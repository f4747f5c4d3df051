import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  completionPayload,
  decideAdvance,
  evaluateGate,
  latestVerification,
  reconcile,
  stageGraphMaterialised,
} from '../../src/domain/runs/progress.js';
import type { RunAggregate, WorkStatus } from '../../src/domain/runs/run-model.js';
import { aggregate, artifact, checkpoint, issue, run, stage } from './run-fixtures.js';

const LATER = '2026-01-02T00:00:00.000Z';
const statuses = (xs: readonly { id: string; status: WorkStatus }[]) =>
  Object.fromEntries(xs.map((x) => [x.id, x.status]));

const planned = (): Partial<RunAggregate> => ({
  artifacts: [
    artifact('pi', 'problem_interpretation'),
    artifact('ds', 'delivery_spec'),
    artifact('g', 'stage_graph'),
  ],
  stages: [stage('s', 'pending', { materializedFromArtifactId: 'g' })],
  issues: [issue('i', 's')],
});

const ready = (over: Partial<RunAggregate> = {}): RunAggregate =>
  aggregate({
    stages: [stage('s', 'passed')],
    issues: [issue('i', 's', 'passed')],
    artifacts: [artifact('v', 'verification_report', { success: true })],
    checkpoints: [checkpoint('c', 'ready')],
    ...over,
  });

describe('reconcile', () => {
  it('changes nothing in an empty run', () => {
    assert.deepEqual(reconcile(aggregate(), LATER), { stages: [], issues: [] });
  });

  it('readies an issue whose live dependencies all passed, and only those', () => {
    const agg = aggregate({
      stages: [stage('s', 'running')],
      issues: [
        issue('done', 's', 'passed'),
        issue('free', 's'),
        issue('after-done', 's', 'pending', { dependsOn: ['done'] }),
        issue('after-free', 's', 'pending', { dependsOn: ['free'] }),
        issue('after-gone', 's', 'pending', { dependsOn: ['gone'] }),
        issue('gone', 's', 'pending', { supersededByArtifactId: 'art-2', dependsOn: ['free'] }),
        issue('blocked', 's', 'blocked'),
        issue('after-blocked', 's', 'pending', { dependsOn: ['blocked'] }),
      ],
    });
    const r = reconcile(agg, LATER);
    // A dependency on a superseded issue no longer holds anything back; a superseded issue stays as it is.
    assert.deepEqual(statuses(r.issues), { free: 'ready', 'after-done': 'ready', 'after-gone': 'ready' });
    for (const i of r.issues) assert.deepEqual([i.updatedAt, i.version], [LATER, 2]);
  });

  it('promotes stages by their issues, never demotes, and leaves hand-set statuses', () => {
    const cases: [string, WorkStatus, WorkStatus[], WorkStatus | null][] = [
      ['all passed', 'running', ['passed', 'passed'], 'passed'],
      ['all passed from pending', 'pending', ['passed'], 'passed'],
      ['one running', 'pending', ['running', 'pending'], 'running'],
      ['one passed of two', 'ready', ['passed', 'blocked'], 'running'],
      ['one ready', 'pending', ['ready'], 'ready'],
      ['one ready, stage ready', 'ready', ['ready'], null],
      ['no issues', 'pending', [], null],
      ['already running stays', 'running', ['running'], null],
      ['failed by hand stays', 'failed', ['passed'], null],
      ['blocked by hand stays', 'blocked', ['running'], null],
      ['passed stays passed', 'passed', ['pending'], null],
    ];
    for (const [name, from, own, to] of cases) {
      // Issues with a dependency on an unpassed issue stay as they are while the stage is judged.
      const issues = own.map((st, i) =>
        issue(`i${i}`, 's', st, st === 'pending' ? { dependsOn: ['hold'] } : {}),
      );
      const agg = aggregate({
        stages: [stage('s', from)],
        issues: [...issues, issue('hold', null, 'running')],
      });
      const changed = reconcile(agg, LATER).stages;
      assert.deepEqual(
        changed.map((s) => s.status),
        to === null ? [] : [to],
        name,
      );
    }
  });

  it('a stage becomes ready when one of its issues is readied in the same pass', () => {
    const r = reconcile(aggregate({ stages: [stage('s')], issues: [issue('i', 's')] }), LATER);
    assert.deepEqual([statuses(r.issues), statuses(r.stages)], [{ i: 'ready' }, { s: 'ready' }]);
  });

  it("holds a stage's issues until the stages it depends on passed, and opens them in the same step", () => {
    const graph = (firstStatus: WorkStatus, lastIssue: WorkStatus) =>
      aggregate({
        stages: [
          stage('build', firstStatus),
          stage('ship', 'pending', { dependsOn: ['build'] }),
          stage('later', 'pending', { dependsOn: ['build', 'gone'] }),
          stage('gone', 'pending', { supersededByArtifactId: 'art-9' }),
        ],
        issues: [
          issue('compile', 'build', 'passed'),
          issue('link', 'build', lastIssue),
          issue('deploy', 'ship'),
          issue('announce', 'later'),
        ],
      });
    // While build has work left, nothing after it starts (an issue with no issue dependencies included).
    const waiting = reconcile(graph('running', 'running'), LATER);
    assert.deepEqual(statuses(waiting.issues), {});
    assert.deepEqual(statuses(waiting.stages), {});
    // Its last issue passes: build passes, and the stages after it open at once (a superseded
    // prerequisite holds nothing back).
    const open = reconcile(graph('running', 'passed'), LATER);
    assert.deepEqual(statuses(open.stages), { build: 'passed', ship: 'ready', later: 'ready' });
    assert.deepEqual(statuses(open.issues), { deploy: 'ready', announce: 'ready' });
    for (const x of [...open.stages, ...open.issues]) assert.equal(x.version, 2, 'each record once');
  });

  it('ignores superseded stages', () => {
    const agg = aggregate({
      stages: [stage('s', 'pending', { supersededByArtifactId: 'art-9' })],
      issues: [issue('i', 's', 'passed')],
    });
    assert.deepEqual(reconcile(agg, LATER).stages, []);
  });
});

describe('verification and gates', () => {
  it('reads the latest verification report', () => {
    const cases: [unknown[], string, string | null][] = [
      [[], 'pending', null],
      [[{ success: true }], 'passed', 'v0'],
      [[{ success: false }], 'failed', 'v0'],
      [[{ success: 'yes' }], 'failed', 'v0'],
      [[{ success: true, skipped: true }], 'skipped', 'v0'],
      [[{ success: false }, { success: true }], 'passed', 'v1'],
      [[{ success: true }, { success: false }], 'failed', 'v1'],
    ];
    for (const [payloads, state, id] of cases) {
      const agg = aggregate({
        artifacts: payloads.map((p, i) => artifact(`v${i}`, 'verification_report', p)),
      });
      assert.deepEqual(latestVerification(agg), { state, artifactId: id }, JSON.stringify(payloads));
    }
  });

  it('a stage graph counts once the latest one shaped the stages', () => {
    const graph = artifact('g1', 'factory.kernel.stage_graph');
    const cases: [string, Partial<RunAggregate>, boolean][] = [
      ['none', {}, false],
      ['not materialised', { artifacts: [graph] }, false],
      [
        'materialised',
        { artifacts: [graph], stages: [stage('s', 'pending', { materializedFromArtifactId: 'g1' })] },
        true,
      ],
      [
        'an older one materialised',
        {
          artifacts: [graph, artifact('g2', 'stage_graph')],
          stages: [stage('s', 'pending', { materializedFromArtifactId: 'g1' })],
        },
        false,
      ],
    ];
    for (const [name, over, yes] of cases) assert.equal(stageGraphMaterialised(aggregate(over)), yes, name);
  });

  it('the planning gate wants the interpretation, the spec and a materialised graph', () => {
    assert.deepEqual(evaluateGate('planning', aggregate()), {
      verdict: 'fail',
      reasons: [
        'no problem_interpretation artifact',
        'no delivery_spec artifact',
        'no materialized stage graph',
      ],
      evidence: [],
    });
    const g = evaluateGate('planning', aggregate(planned()));
    assert.deepEqual(g, {
      verdict: 'pass',
      reasons: [],
      evidence: ['problem_interpretation pi', 'delivery_spec ds', '1 stages, 1 issues materialized'],
    });
  });

  it('merge readiness wants every stage passed, a passed verification, no failed issue, a ready checkpoint', () => {
    assert.deepEqual(evaluateGate('merge_readiness', ready()).verdict, 'pass');
    const cases: [string, Partial<RunAggregate>, string[]][] = [
      [
        'empty run',
        { stages: [], issues: [], artifacts: [], checkpoints: [] },
        ['no stages', 'no verification report', 'no checkpoint'],
      ],
      ['a stage open', { stages: [stage('s', 'passed'), stage('t', 'running')] }, ['stage t is running']],
      [
        'verification failed',
        { artifacts: [artifact('v', 'verification_report', { success: false })] },
        ['latest verification failed'],
      ],
      ['an issue blocked', { issues: [issue('i', 's', 'blocked')] }, ['issue i is blocked']],
      ['an issue failed', { issues: [issue('i', 's', 'failed')] }, ['issue i is failed']],
      [
        'checkpoint not ready',
        { checkpoints: [checkpoint('c1', 'ready'), checkpoint('c2', 'failed')] },
        ['latest checkpoint c2 is failed'],
      ],
    ];
    for (const [name, over, reasons] of cases) {
      const g = evaluateGate('merge_readiness', ready(over));
      assert.deepEqual([g.verdict, g.reasons], ['fail', reasons], name);
    }
  });
});

describe('decideAdvance', () => {
  it('one step at a time when the precondition holds', () => {
    const cases: [string, RunAggregate, string, boolean][] = [
      ['planning → implementing', aggregate({ ...planned(), run: run('planning') }), 'implementing', false],
      [
        'implementing → verifying',
        aggregate({ run: run('implementing'), stages: [stage('s', 'passed')] }),
        'verifying',
        false,
      ],
      [
        'verifying → gated',
        aggregate({
          run: run('verifying'),
          artifacts: [artifact('v', 'verification_report', { success: true })],
        }),
        'gated',
        false,
      ],
      ['gated → completed, writing the completion', { ...ready(), run: run('gated') }, 'completed', true],
    ];
    for (const [name, agg, to, writeCompletion] of cases) {
      assert.deepEqual(
        decideAdvance(agg),
        { advanced: true, from: agg.run.status, to, writeCompletion },
        name,
      );
    }
  });

  it('says what blocks each state and what to do about it', () => {
    const planning = decideAdvance(aggregate());
    assert.deepEqual(planning, {
      advanced: false,
      blockers: [
        'no problem_interpretation artifact',
        'no delivery_spec artifact',
        'no materialized stage graph',
      ],
      nextActions: [
        'create a problem_interpretation artifact',
        'create a delivery_spec artifact',
        'create a factory.kernel.stage_graph artifact',
      ],
    });
    assert.deepEqual(decideAdvance(aggregate({ run: run('implementing') })), {
      advanced: false,
      blockers: ['no stages'],
      nextActions: ['complete the running issues'],
    });
    assert.deepEqual(
      decideAdvance(
        aggregate({
          run: run('implementing'),
          stages: [stage('s', 'running')],
          issues: [issue('i', 's', 'ready', { title: 'Do it' }), issue('j', 's', 'running')],
        }),
      ),
      {
        advanced: false,
        blockers: ['stage s is running'],
        nextActions: ['dispatch or complete issue i (Do it)'],
      },
    );
    assert.deepEqual(decideAdvance(aggregate({ run: run('verifying') })), {
      advanced: false,
      blockers: ['no verification report'],
      nextActions: ['run verification (POST /verify)'],
    });
    const gated = decideAdvance({ ...ready({ checkpoints: [] }), run: run('gated') });
    assert.deepEqual(gated, {
      advanced: false,
      blockers: ['no checkpoint'],
      nextActions: ['record a ready checkpoint'],
    });
    for (const status of ['completed', 'failed', 'cancelled'] as const) {
      assert.deepEqual(decideAdvance(aggregate({ run: run(status) })), {
        advanced: false,
        blockers: [`run is ${status}`],
        nextActions: [],
      });
    }
  });

  it('the completion payload sums the run up', () => {
    assert.deepEqual(
      completionPayload(ready({ issues: [issue('i', 's', 'passed'), issue('j', 's', 'blocked')] })),
      {
        run_id: 'run-1',
        stages_passed: 1,
        issues_passed: 1,
        verification_artifact_id: 'v',
        checkpoint_id: 'c',
      },
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ORGAN_EVENTS,
  type Organ,
  type OrganChange,
  type OrganContext,
  type OrganState,
} from '../../src/domain/organs/organ-model.js';
import {
  decideOrgan,
  delayBefore,
  nextStage,
  PROGRESSION,
  stageTimerApplies,
  startBuild,
  type OrganCommand,
} from '../../src/domain/organs/organ-progression.js';
import type { OrganTemplate } from '../../src/domain/organs/organ-template.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const DELAYS = [50, 100, 200];
const at = (ms: number): OrganContext => ({ now: T0 + ms, delays: DELAYS });
const template = (hitl = false): OrganTemplate => ({
  id: 'organ.echo.v1',
  version: '0.1.0',
  roles: ['echo'],
  cells: ['analysis.echo_adapter.v1'],
  pathways: [],
  policies: { hitl },
});
const built = (hitl = false): Organ =>
  startBuild({ id: 'organ-1', template: template(hitl), actor: 'admin' }, at(0)).organ;
const organ = (over: Partial<Organ> = {}): Organ => ({ ...built(), ...over });

/** A decision that must be a change. */
const change = (o: Organ, cmd: OrganCommand, ms: number): OrganChange => {
  const r = decideOrgan(o, cmd, at(ms));
  assert.ok(r.ok, `refused: ${r.ok ? '' : r.error.reason}`);
  assert.ok(r.value !== null, 'changed nothing');
  return r.value;
};
const due = (to: OrganState, generation = 1, problem: string | null = null): OrganCommand => ({
  type: 'stage_due',
  generation,
  to,
  problem,
});

describe('organ progression: the stage order and its waits', () => {
  it('walks draft → canary → experimental → stable, and nothing after stable or failed', () => {
    assert.deepEqual(PROGRESSION, ['draft', 'canary', 'experimental', 'stable']);
    const cases: [OrganState, OrganState | null][] = [
      ['draft', 'canary'],
      ['canary', 'experimental'],
      ['experimental', 'stable'],
      ['stable', null],
      ['failed', null],
    ];
    for (const [from, to] of cases) assert.equal(nextStage(from), to, from);
  });

  it('waits delays[i] before the i-th stage after draft; a missing delay is 0', () => {
    const cases: [OrganState, readonly number[], number][] = [
      ['draft', DELAYS, 0],
      ['canary', DELAYS, 50],
      ['experimental', DELAYS, 100],
      ['stable', DELAYS, 200],
      ['failed', DELAYS, 0],
      ['stable', [5], 0],
      ['canary', [], 0],
    ];
    for (const [stage, delays, ms] of cases) assert.equal(delayBefore(stage, delays), ms, stage);
  });
});

describe('organ progression: a build', () => {
  it('starts in draft, building, with its first stage timer after the first wait', () => {
    const c = startBuild({ id: 'organ-7', template: template(), actor: 'tok-1' }, at(0));
    assert.equal(c.organ.state, 'draft');
    assert.deepEqual([c.organ.building, c.organ.awaitingApproval, c.organ.generation], [true, false, 1]);
    assert.deepEqual(c.organ.stageHistory, [
      { state: 'draft', at: '2026-01-01T00:00:00.000Z', actor: 'tok-1' },
    ]);
    assert.deepEqual(c.schedule, { at: T0 + 50, generation: 1, to: 'canary' });
    assert.deepEqual(
      c.events.map((e) => [e.type, e.subjectId, e.actor]),
      [[ORGAN_EVENTS.buildStarted, 'organ-7', 'tok-1']],
    );
    assert.deepEqual([c.started, c.cancelTimers, c.buildDurationMs], [true, false, null]);
  });

  it('moves at each due timer and schedules the next stage; stable stops building and measures the build', () => {
    let o = built();
    const steps: [OrganState, number, { at: number; to: OrganState } | null][] = [
      ['canary', 50, { at: T0 + 150, to: 'experimental' }],
      ['experimental', 150, { at: T0 + 350, to: 'stable' }],
      ['stable', 350, null],
    ];
    for (const [to, ms, next] of steps) {
      const c = change(o, due(to), ms);
      assert.equal(c.organ.state, to);
      assert.equal(c.organ.version, o.version + 1);
      assert.deepEqual(c.schedule === null ? null : { at: c.schedule.at, to: c.schedule.to }, next, to);
      assert.deepEqual(c.events[0]!.data, {
        action: 'organ.stage',
        from: o.state,
        to,
        actor: 'system',
        at: c.organ.stageHistory.at(-1)!.at,
      });
      o = c.organ;
    }
    assert.equal(o.building, false);
    assert.equal(o.buildDurationMs, 350);
    assert.deepEqual(
      o.stageHistory.map((h) => h.state),
      ['draft', 'canary', 'experimental', 'stable'],
    );
  });

  it('a HITL build pauses at experimental, waiting for approval, with no timer', () => {
    const canary = change(built(true), due('canary'), 50).organ;
    const c = change(canary, due('experimental'), 150);
    assert.deepEqual(
      [c.organ.state, c.organ.awaitingApproval, c.organ.building],
      ['experimental', true, true],
    );
    assert.equal(c.schedule, null);
    assert.deepEqual(
      c.events.map((e) => e.type),
      [ORGAN_EVENTS.stageChanged, ORGAN_EVENTS.awaitingApproval],
    );
    // A timer never takes a HITL organ to stable, paused or not.
    assert.deepEqual(decideOrgan(c.organ, due('stable'), at(400)), { ok: true, value: null });
    assert.deepEqual(decideOrgan({ ...c.organ, awaitingApproval: false }, due('stable'), at(400)), {
      ok: true,
      value: null,
    });
    const approved = change(c.organ, { type: 'approve', actor: 'alice' }, 500);
    assert.deepEqual(
      [approved.organ.state, approved.organ.building, approved.organ.awaitingApproval],
      ['stable', false, false],
    );
    assert.equal(approved.organ.stageHistory.at(-1)!.actor, 'alice');
    assert.equal(approved.buildDurationMs, 500);
  });

  it('a stage check problem fails the organ with the problem as its reason', () => {
    const c = change(built(), due('canary', 1, 'cells not serving: adapter:x (disabled)'), 50);
    assert.deepEqual([c.organ.state, c.organ.building], ['failed', false]);
    assert.equal(c.organ.reason, 'cells not serving: adapter:x (disabled)');
    assert.equal(c.organ.stageHistory.at(-1)!.reason, 'cells not serving: adapter:x (disabled)');
    assert.equal(c.schedule, null);
  });

  it('ignores a timer that no longer concerns the organ', () => {
    const cases: [string, Organ, number][] = [
      ['an older build', organ({ generation: 2 }), 1],
      ['a stopped build', organ({ building: false }), 1],
      ['a HITL pause', organ({ awaitingApproval: true }), 1],
    ];
    for (const [name, o, generation] of cases) {
      assert.equal(stageTimerApplies(o, generation), false, name);
      assert.deepEqual(decideOrgan(o, due('canary', generation), at(50)), { ok: true, value: null }, name);
      // Even with a problem: a stale timer fails nothing.
      assert.deepEqual(decideOrgan(o, due('canary', generation, 'boom'), at(50)), { ok: true, value: null });
    }
    assert.equal(stageTimerApplies(built(), 1), true);
  });
});

describe('organ progression: commands', () => {
  it('refuses what the state does not allow, with the error code', () => {
    const cases: [string, Organ, OrganCommand, string, RegExp][] = [
      [
        'approve without a pause',
        built(),
        { type: 'approve', actor: 'a' },
        'invalid_transition',
        /draft and not awaiting approval/,
      ],
      [
        'approve a stable organ',
        organ({ state: 'stable', building: false }),
        { type: 'approve', actor: 'a' },
        'invalid_transition',
        /stable/,
      ],
      [
        'cancel a finished build',
        organ({ state: 'stable', building: false }),
        { type: 'cancel', actor: 'a' },
        'not_running',
        /not running \(state stable\)/,
      ],
      [
        'cancel a failed build',
        organ({ state: 'failed', building: false }),
        { type: 'cancel', actor: 'a' },
        'not_running',
        /state failed/,
      ],
    ];
    for (const [name, o, cmd, code, reason] of cases) {
      const r = decideOrgan(o, cmd, at(10));
      assert.ok(!r.ok, name);
      assert.equal(r.error.code, code, name);
      assert.match(r.error.reason, reason, name);
    }
  });

  it('cancel fails a running build, stops its timers and names who cancelled', () => {
    for (const o of [built(), organ({ state: 'experimental', awaitingApproval: true })]) {
      const c = change(o, { type: 'cancel', actor: 'bob' }, 20);
      assert.deepEqual([c.organ.state, c.organ.building, c.organ.awaitingApproval], ['failed', false, false]);
      assert.equal(c.organ.reason, 'cancelled by bob');
      assert.equal(c.cancelTimers, true);
      assert.equal(c.schedule, null);
    }
  });

  it('a manual move goes anywhere, stops the progression and says so', () => {
    for (const state of ['draft', 'canary', 'experimental', 'stable', 'failed'] as const) {
      const c = change(built(), { type: 'set_state', state, actor: 'carol' }, 30);
      assert.equal(c.organ.state, state);
      assert.deepEqual([c.organ.building, c.organ.awaitingApproval, c.cancelTimers], [false, false, true]);
      assert.equal(c.organ.stageHistory.at(-1)!.reason, 'set by hand');
      assert.equal(c.organ.reason, state === 'failed' ? 'set by hand' : null);
    }
  });

  it('rebuild starts a new generation from draft, clears the failure and the measured duration', () => {
    const failed = change(built(), { type: 'cancel', actor: 'bob' }, 20).organ;
    const c = change(failed, { type: 'rebuild', actor: 'dave' }, 1000);
    assert.deepEqual(
      [c.organ.state, c.organ.building, c.organ.generation, c.organ.reason, c.organ.buildDurationMs],
      ['draft', true, 2, null, null],
    );
    assert.equal(c.organ.buildStartedAt, new Date(T0 + 1000).toISOString());
    assert.deepEqual(c.schedule, { at: T0 + 1050, generation: 2, to: 'canary' });
    assert.deepEqual([c.cancelTimers, c.started], [true, true]);
    assert.deepEqual(
      c.events.map((e) => e.type),
      [ORGAN_EVENTS.stageChanged, ORGAN_EVENTS.buildStarted],
    );
    // The first build's timers are now stale.
    assert.deepEqual(decideOrgan(c.organ, due('canary', 1), at(1050)), { ok: true, value: null });
    const stable = [due('canary', 2), due('experimental', 2), due('stable', 2)].reduce(
      (o, cmd, i) => change(o, cmd, 1050 + i * 100).organ,
      c.organ,
    );
    assert.equal(stable.buildDurationMs, 250, 'measured from the rebuild');
  });

  it('measures the build duration once: a later arrival at stable keeps the first figure', () => {
    const stable = change(built(), { type: 'set_state', state: 'stable', actor: 'a' }, 40).organ;
    assert.equal(stable.buildDurationMs, 40);
    const again = change(stable, { type: 'set_state', state: 'stable', actor: 'a' }, 90);
    assert.equal(again.buildDurationMs, null);
    const back = change(stable, { type: 'set_state', state: 'experimental', actor: 'a' }, 90).organ;
    const returned = change(back, { type: 'set_state', state: 'stable', actor: 'a' }, 120);
    assert.equal(returned.buildDurationMs, null);
    assert.equal(returned.organ.buildDurationMs, 40);
  });
});

describe('organ progression: the records of each change in full', () => {
  it('a build start records the template, its version and the generation', () => {
    const c = startBuild({ id: 'organ-1', template: template(), actor: 'admin' }, at(0));
    assert.deepEqual(c.events, [
      {
        type: ORGAN_EVENTS.buildStarted,
        subjectKind: 'organ',
        subjectId: 'organ-1',
        actor: 'admin',
        data: { action: 'organ.build', template: 'organ.echo.v1', version: '0.1.0', generation: 1 },
      },
    ]);
  });

  it('a timer’s move records the stage change, cancels nothing and starts nothing', () => {
    const c = change(built(), due('canary'), 50);
    assert.deepEqual(c.events, [
      {
        type: ORGAN_EVENTS.stageChanged,
        subjectKind: 'organ',
        subjectId: 'organ-1',
        actor: 'system',
        data: {
          action: 'organ.stage',
          from: 'draft',
          to: 'canary',
          actor: 'system',
          at: new Date(T0 + 50).toISOString(),
        },
      },
    ]);
    assert.deepEqual([c.cancelTimers, c.started, c.buildDurationMs], [false, false, null]);
    assert.deepEqual(c.organ.stageHistory.at(-1), {
      state: 'canary',
      at: new Date(T0 + 50).toISOString(),
      actor: 'system',
    });
  });

  it('a failed stage check records its problem as the reason, in the history and the event', () => {
    const c = change(built(), due('canary', 1, 'cell x is not serving'), 50);
    assert.equal(c.organ.state, 'failed');
    assert.equal(c.organ.reason, 'cell x is not serving');
    assert.equal(c.events[0]!.subjectKind, 'organ');
    assert.deepEqual(c.events[0]!.data, {
      action: 'organ.stage',
      from: 'draft',
      to: 'failed',
      actor: 'system',
      at: new Date(T0 + 50).toISOString(),
      reason: 'cell x is not serving',
    });
    assert.equal(c.organ.stageHistory.at(-1)!.reason, 'cell x is not serving');
  });

  it('a HITL pause tells people which stage waits', () => {
    const o = { ...built(true), state: 'canary' as const };
    const c = change(o, due('experimental'), 100);
    assert.deepEqual(c.events[1], {
      type: ORGAN_EVENTS.awaitingApproval,
      subjectKind: 'organ',
      subjectId: 'organ-1',
      actor: 'system',
      data: { state: 'experimental' },
    });
    const approved = change(c.organ, { type: 'approve', actor: 'alice' }, 200);
    assert.deepEqual([approved.cancelTimers, approved.started, approved.events.length], [false, false, 1]);
  });

  it('the first stage after draft waits the first delay, a stage not in the progression none', () => {
    assert.equal(delayBefore('canary', [7, 8, 9]), 7);
    assert.equal(delayBefore('draft', [7, 8, 9]), 0);
    assert.equal(delayBefore('failed', [7, 8, 9]), 0);
    assert.deepEqual(
      startBuild({ id: 'o', template: template(), actor: 'a' }, { now: 5, delays: [7] }).schedule,
      {
        at: 12,
        generation: 1,
        to: 'canary',
      },
    );
  });
});

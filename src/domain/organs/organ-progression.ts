import type { NewEvent } from '../event.js';
import { fail, ok, type Result } from '../errors.js';
import {
  ORGAN_EVENTS,
  type Organ,
  type OrganChange,
  type OrganContext,
  type OrganState,
  type StageEntry,
  type StageTimer,
} from './organ-model.js';
import type { OrganTemplate } from './organ-template.js';

/**
 * The organ state machine, pure: (organ, command, now) → the organ as it will be stored, the events that
 * record the change and the stage timer to schedule — or a rejection. The engine loads, decides here,
 * and persists the outcome in one transaction; nothing else knows the order of the stages.
 */

/** The automatic progression: each stage after the previous one, after its configured wait. */
export const PROGRESSION = [
  'draft',
  'canary',
  'experimental',
  'stable',
] as const satisfies readonly OrganState[];

/** The stage a build starts in. */
export const FIRST_STAGE: OrganState = PROGRESSION[0];

/** The stage after `s` in the progression, or null after the last one (and for `failed`). */
export const nextStage = (s: OrganState): OrganState | null => {
  const i = (PROGRESSION as readonly OrganState[]).indexOf(s);
  return i < 0 || i === PROGRESSION.length - 1 ? null : PROGRESSION[i + 1]!;
};

/** What can happen to an organ; `stage_due` is its stage timer firing, the others are a person's. */
/** The stage timer firing. */
export interface StageDue {
  readonly type: 'stage_due';
  /** From the timer: the build it was scheduled for and the stage it moves to. */
  readonly generation: number;
  readonly to: OrganState;
  /** What the stage checks found (cells missing or not serving, a failed smoke call), or null. */
  readonly problem: string | null;
}

/** A person's command: it always moves the organ, or is refused. */
export type PersonCommand =
  | { readonly type: 'set_state'; readonly state: OrganState; readonly actor: string }
  | { readonly type: 'approve'; readonly actor: string }
  | { readonly type: 'cancel'; readonly actor: string }
  | { readonly type: 'rebuild'; readonly actor: string };

export type OrganCommand = StageDue | PersonCommand;

/** The wait before a build enters `stage`, counted from the previous stage. */
export const delayBefore = (stage: OrganState, delays: readonly number[]): number => {
  const i = (PROGRESSION as readonly OrganState[]).indexOf(stage);
  return i <= 0 ? 0 : (delays[i - 1] ?? 0);
};

/** Whether a stage timer still concerns the organ: it is building, this build, and not paused for a human. */
export const stageTimerApplies = (o: Organ, generation: number): boolean =>
  o.building && o.generation === generation && !o.awaitingApproval;

const iso = (ms: number): string => new Date(ms).toISOString();

const startedEvent = (o: Organ, actor: string): NewEvent => ({
  type: ORGAN_EVENTS.buildStarted,
  subjectKind: 'organ',
  subjectId: o.id,
  actor,
  data: {
    action: 'organ.build',
    template: o.template.id,
    version: o.template.version,
    generation: o.generation,
  },
});

const firstTimer = (o: Organ, ctx: OrganContext): StageTimer | null => {
  const to = nextStage(FIRST_STAGE);
  return to === null ? null : { at: ctx.now + delayBefore(to, ctx.delays), generation: o.generation, to };
};

/** A new organ in the first stage, building, with its first stage timer. */
export function startBuild(
  input: { readonly id: string; readonly template: OrganTemplate; readonly actor: string },
  ctx: OrganContext,
): OrganChange {
  const now = iso(ctx.now);
  const organ: Organ = {
    id: input.id,
    template: input.template,
    state: FIRST_STAGE,
    building: true,
    awaitingApproval: false,
    generation: 1,
    buildStartedAt: now,
    buildDurationMs: null,
    reason: null,
    stageHistory: [{ state: FIRST_STAGE, at: now, actor: input.actor }],
    createdAt: now,
    updatedAt: now,
    createdBy: input.actor,
    version: 1,
  };
  return {
    organ,
    events: [startedEvent(organ, input.actor)],
    cancelTimers: false,
    schedule: firstTimer(organ, ctx),
    started: true,
    buildDurationMs: null,
  };
}

interface Move {
  readonly organ: Organ;
  readonly event: NewEvent;
  readonly buildDurationMs: number | null;
}

/** Moves the organ to `to` and records it; `extra` sets the build fields that go with the move. */
function move(
  o: Organ,
  to: OrganState,
  actor: string,
  ctx: OrganContext,
  extra: Partial<Organ>,
  reason?: string,
): Move {
  const now = iso(ctx.now);
  const entry: StageEntry = { state: to, at: now, actor, ...(reason === undefined ? {} : { reason }) };
  // The build duration is measured once, when a build first reaches stable.
  const reachedStable =
    to === 'stable' && o.state !== 'stable' && o.buildStartedAt !== null && o.buildDurationMs === null;
  const durationMs = reachedStable ? ctx.now - Date.parse(o.buildStartedAt) : null;
  const organ: Organ = {
    ...o,
    ...extra,
    ...(durationMs === null ? {} : { buildDurationMs: durationMs }),
    ...(to === 'failed' ? { reason: reason ?? 'failed' } : {}),
    state: to,
    stageHistory: [...o.stageHistory, entry],
    updatedAt: now,
    version: o.version + 1,
  };
  const event: NewEvent = {
    type: ORGAN_EVENTS.stageChanged,
    subjectKind: 'organ',
    subjectId: o.id,
    actor,
    // `at`: the stage history's own time, so a watch times stages exactly as the history does.
    data: {
      action: 'organ.stage',
      from: o.state,
      to,
      actor,
      at: now,
      ...(reason === undefined ? {} : { reason }),
    },
  };
  return { organ, event, buildDurationMs: durationMs };
}

const changed = (
  m: Move,
  more: Partial<Pick<OrganChange, 'cancelTimers' | 'schedule' | 'started'>> & {
    readonly events?: readonly NewEvent[];
  } = {},
): Result<OrganChange> =>
  ok({
    organ: m.organ,
    events: [m.event, ...(more.events ?? [])],
    cancelTimers: more.cancelTimers ?? false,
    schedule: more.schedule ?? null,
    started: more.started ?? false,
    buildDurationMs: m.buildDurationMs,
  });

/**
 * Decides one command. `ok(null)` is a stage timer that no longer concerns the organ (an older build, a
 * stopped build, a HITL pause): nothing changes. A refusal is a failure value with its error code.
 */
export function decideOrgan(o: Organ, cmd: PersonCommand, ctx: OrganContext): Result<OrganChange>;
export function decideOrgan(o: Organ, cmd: OrganCommand, ctx: OrganContext): Result<OrganChange | null>;
export function decideOrgan(o: Organ, cmd: OrganCommand, ctx: OrganContext): Result<OrganChange | null> {
  switch (cmd.type) {
    case 'stage_due':
      return stageDue(o, cmd, ctx);
    case 'set_state':
      // A manual move: it also stops the automatic progression.
      return changed(
        move(o, cmd.state, cmd.actor, ctx, { building: false, awaitingApproval: false }, 'set by hand'),
        { cancelTimers: true },
      );
    case 'approve':
      if (!o.awaitingApproval) {
        return fail('invalid_transition', `organ ${o.id} is ${o.state} and not awaiting approval`);
      }
      return changed(move(o, 'stable', cmd.actor, ctx, { building: false, awaitingApproval: false }));
    case 'cancel':
      if (!o.building) return fail('not_running', `the build of ${o.id} is not running (state ${o.state})`);
      return changed(
        move(
          o,
          'failed',
          cmd.actor,
          ctx,
          { building: false, awaitingApproval: false },
          `cancelled by ${cmd.actor}`,
        ),
        { cancelTimers: true },
      );
    case 'rebuild': {
      const m = move(o, FIRST_STAGE, cmd.actor, ctx, {
        building: true,
        awaitingApproval: false,
        generation: o.generation + 1,
        buildStartedAt: iso(ctx.now),
        buildDurationMs: null,
        reason: null,
      });
      return changed(m, {
        cancelTimers: true,
        events: [startedEvent(m.organ, cmd.actor)],
        schedule: firstTimer(m.organ, ctx),
        started: true,
      });
    }
  }
}

function stageDue(o: Organ, cmd: StageDue, ctx: OrganContext): Result<OrganChange | null> {
  if (!stageTimerApplies(o, cmd.generation)) return ok(null);
  const hitl = o.template.policies.hitl === true;
  if (cmd.problem !== null) {
    return changed(move(o, 'failed', 'system', ctx, { building: false }, cmd.problem));
  }
  if (cmd.to === 'stable' && hitl) return ok(null); // an approval moves it there, not a timer
  // A HITL build pauses at the stage before the last, for a person to approve.
  const pause = hitl && nextStage(cmd.to) === 'stable';
  const last = nextStage(cmd.to) === null;
  const m = move(o, cmd.to, 'system', ctx, { building: !last, awaitingApproval: pause });
  if (pause) {
    return changed(m, {
      events: [
        {
          type: ORGAN_EVENTS.awaitingApproval,
          subjectKind: 'organ',
          subjectId: o.id,
          actor: 'system',
          data: { state: cmd.to },
        },
      ],
    });
  }
  const after = nextStage(cmd.to);
  return changed(m, {
    schedule:
      after === null
        ? null
        : { at: ctx.now + delayBefore(after, ctx.delays), generation: cmd.generation, to: after },
  });
}

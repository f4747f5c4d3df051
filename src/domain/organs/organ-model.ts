import type { NewEvent } from '../event.js';
import type { OrganTemplate } from './organ-template.js';

/** The stages of the progression (organ-progression.ts), and `failed`. */
export const ORGAN_STATES = ['draft', 'canary', 'experimental', 'stable', 'failed'] as const;
export type OrganState = (typeof ORGAN_STATES)[number];

export interface StageEntry {
  readonly state: OrganState;
  readonly at: string;
  readonly actor: string;
  readonly reason?: string;
}

export interface Organ {
  readonly id: string;
  readonly template: OrganTemplate;
  readonly state: OrganState;
  /** True while the staged build runs by itself (timers pending or a HITL pause). */
  readonly building: boolean;
  readonly awaitingApproval: boolean;
  /** Bumped by every (re)build: timers of an older build do nothing. */
  readonly generation: number;
  readonly buildStartedAt: string | null;
  readonly buildDurationMs: number | null;
  readonly reason: string | null;
  readonly stageHistory: readonly StageEntry[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly createdBy: string;
  readonly version: number;
}

/** The events an organ's changes write (subject kind `organ`). */
export const ORGAN_EVENTS = {
  buildStarted: 'organ.build_started',
  /** Every state change: data `{action: "organ.stage", from, to, actor, reason?}`. */
  stageChanged: 'organ.stage_changed',
  awaitingApproval: 'organ.awaiting_approval',
} as const;

/** The stage timer's payload: a timer of an older build (lower generation) does nothing. */
export interface StagePayload {
  readonly generation: number;
  readonly to: OrganState;
}

export interface StageTimer extends StagePayload {
  /** When it falls due, in ms since the epoch. */
  readonly at: number;
}

export interface OrganContext {
  /** ms since the epoch. */
  readonly now: number;
  /** The waits before each stage after the first (canary, experimental, stable), in ms; missing means 0. */
  readonly delays: readonly number[];
}

/** A decided change, to be written as a whole. */
export interface OrganChange {
  readonly organ: Organ;
  readonly events: readonly NewEvent[];
  /** The organ's pending stage timers are to be cancelled (before `schedule`). */
  readonly cancelTimers: boolean;
  readonly schedule: StageTimer | null;
  /** A build (re)started: counted as an attempt. */
  readonly started: boolean;
  /** Set once, when a build first reaches stable: the time from its start. */
  readonly buildDurationMs: number | null;
}

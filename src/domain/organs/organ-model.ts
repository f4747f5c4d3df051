import type { OrganTemplate } from './organ-template.js';

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

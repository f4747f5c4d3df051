import type { CallStats } from '../../domain/rollouts/call-stats.js';
import type { VerdictKind } from '../../domain/rollouts/judge.js';
import type { ShadowSample, ShadowStats } from '../../domain/rollouts/shadow.js';

export interface StoredPolicy {
  readonly cellId: string;
  readonly doc: unknown;
  readonly version: number;
  readonly updatedAt: string;
  readonly updatedBy: string;
}

/** One instance's calls on one revision in one minute (a flush overwrites its own row). */
export interface StatsRow {
  readonly revisionId: string;
  readonly cellId: string;
  readonly minute: number;
  readonly instance: string;
  readonly stats: CallStats;
}

/** A minute of one revision, summed over instances. */
export interface MinuteStats {
  readonly revisionId: string;
  readonly minute: number;
  readonly stats: CallStats;
}

/** One instance's shadow comparisons for one shadow revision in one minute, with its newest differences. */
export interface ShadowRow {
  readonly revisionId: string;
  readonly cellId: string;
  readonly minute: number;
  readonly instance: string;
  readonly stats: ShadowStats;
  readonly samples: readonly ShadowSample[];
}

/** One instance's calls on one organ in one minute. */
export interface OrganStatsRow {
  readonly organId: string;
  readonly minute: number;
  readonly instance: string;
  readonly stats: CallStats;
}

export interface StoredVerdict {
  readonly revisionId: string;
  readonly seq: number;
  readonly cellId: string;
  readonly version: string;
  readonly state: string;
  readonly verdict: VerdictKind;
  readonly doc: Record<string, unknown>;
  readonly at: string;
}

export interface RolloutsReads {
  policy(cellId: string): Promise<StoredPolicy | null>;
  /** Per minute and revision, summed over instances, minutes in [fromMinute, toMinute]. */
  stats(revisionIds: readonly string[], fromMinute: number, toMinute: number): Promise<MinuteStats[]>;
  /** Rows of one shadow revision in [fromMinute, toMinute] (per instance: the caller sums). */
  shadowStats(revisionId: string, fromMinute: number, toMinute: number): Promise<ShadowRow[]>;
  /** Per minute, summed over instances, minutes in [fromMinute, toMinute]. */
  organStats(
    organId: string,
    fromMinute: number,
    toMinute: number,
  ): Promise<{ minute: number; stats: CallStats }[]>;
  /** Newest first; `beforeSeq` pages. */
  verdicts(revisionId: string, limit: number, beforeSeq?: number): Promise<StoredVerdict[]>;
  /** The newest verdicts of a revision in one state, newest first, and how many it has in that state. */
  verdictsInState(
    revisionId: string,
    state: string,
    limit: number,
  ): Promise<{ count: number; newest: StoredVerdict[] }>;
}

export interface RolloutsRepo extends RolloutsReads {
  putPolicy(p: StoredPolicy): Promise<void>;
  putStats(rows: readonly StatsRow[]): Promise<void>;
  deleteStatsBefore(minute: number): Promise<number>;
  putShadowStats(rows: readonly ShadowRow[]): Promise<void>;
  deleteShadowStatsBefore(minute: number): Promise<number>;
  putOrganStats(rows: readonly OrganStatsRow[]): Promise<void>;
  deleteOrganStatsBefore(minute: number): Promise<number>;
  /** False when this revision already has a verdict with this seq (another instance judged the window). */
  insertVerdict(v: StoredVerdict): Promise<boolean>;
  lastVerdictSeq(revisionId: string): Promise<number>;
}

export const TIMER_STATES = ['pending', 'fired', 'cancelled', 'failed'] as const;
export type TimerState = (typeof TIMER_STATES)[number];

export interface TimerRecord {
  readonly id: string;
  readonly dueAt: number;
  readonly subjectKind: string;
  readonly subjectId: string;
  readonly action: string;
  readonly payload: unknown;
  readonly state: TimerState;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly createdAt: string;
  readonly firedAt: string | null;
}

export interface NewTimer {
  readonly at: number;
  readonly subjectKind: string;
  readonly subjectId: string;
  readonly action: string;
  readonly payload?: unknown;
}

/** Backoff before a failed timer action is tried again: 1 s, 2 s, 4 s … capped at one minute. */
export function retryDelayMs(attempts: number): number {
  return Math.min(60_000, 1000 * 2 ** Math.max(0, attempts - 1));
}

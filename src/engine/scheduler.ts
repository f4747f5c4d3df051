import { retryDelayMs, type TimerRecord } from '../domain/timer.js';
import type { Clock, Store, Tx } from './ports.js';

/** Runs inside the transaction that marks the timer fired: its effects and the firing commit together. */
export type TimerAction = (tx: Tx, timer: TimerRecord) => Promise<void>;

export interface SchedulerOptions {
  readonly pollMs: number;
  readonly maxAttempts: number;
  readonly clock: Clock;
  readonly onError: (e: unknown, timer?: TimerRecord) => void;
  /** Told how late each timer fired (watchdogs and metrics read it). */
  readonly onFired?: (timer: TimerRecord, lateMs: number) => void;
}

/** Timers fired side by side when many are due (a burst of builds, timers that fell due while down). */
const FIRING_CONCURRENCY = 4;

/**
 * Fires due timers, one transaction each: claim (row-locked with SKIP LOCKED on PostgreSQL), run the
 * action, mark fired, commit. A crash before commit leaves the timer pending, so it fires after restart;
 * a crash after commit leaves it fired, so it never fires twice.
 */
export class Scheduler {
  readonly #store: Store;
  readonly #actions = new Map<string, TimerAction>();
  readonly #opts: SchedulerOptions;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #again = false;
  #stopped = true;
  #unlisten: (() => void) | null = null;

  constructor(store: Store, opts: SchedulerOptions) {
    this.#store = store;
    this.#opts = opts;
  }

  /** Areas register their actions by name before `start`; a timer names the action it runs. */
  register(action: string, run: TimerAction): void {
    if (this.#actions.has(action)) throw new Error(`timer action ${action} registered twice`);
    this.#actions.set(action, run);
  }

  start(): void {
    this.#stopped = false;
    this.#unlisten = this.#store.onCommitted((what) => {
      if (what.timers) this.wake();
    });
    this.wake();
  }

  wake(): void {
    if (this.#stopped) return;
    if (this.#running !== null) {
      this.#again = true;
      return;
    }
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#running = this.#fireDue()
      .then(() => this.#arm())
      .catch((e: unknown) => {
        this.#opts.onError(e);
        this.#armIn(this.#opts.pollMs);
      })
      .finally(() => {
        this.#running = null;
        if (this.#again) {
          this.#again = false;
          this.wake();
        }
      });
  }

  async #fireDue(): Promise<void> {
    const worker = async () => {
      while (!this.#stopped) {
        const fired = await this.#fireOne();
        if (!fired) return;
      }
    };
    // Several due timers in flight at once: on SQLite they share commits (group commit), on PostgreSQL
    // each claims a different row (SKIP LOCKED). Each still fires in its own transaction.
    await Promise.all(Array.from({ length: FIRING_CONCURRENCY }, worker));
  }

  async #fireOne(): Promise<boolean> {
    const now = this.#opts.clock.now();
    let claimed: TimerRecord | null;
    let attempted: TimerRecord | null = null;
    try {
      claimed = await this.#store.timerTransaction(async (tx) => {
        const timer = await tx.claimDueTimer(now);
        if (timer === null) return null;
        attempted = timer;
        const action = this.#actions.get(timer.action);
        if (action === undefined) throw new Error(`no action registered for timer action "${timer.action}"`);
        await action(tx, timer);
        await tx.markTimerFired(timer.id, this.#opts.clock.now());
        return timer;
      });
    } catch (e) {
      // The action failed and its transaction rolled back; record the attempt and retry later.
      const timer = attempted as TimerRecord | null;
      if (timer === null) throw e;
      await this.#store.timerTransaction(async (tx) => {
        const attempts = timer.attempts + 1;
        const giveUp = attempts >= this.#opts.maxAttempts;
        const message = e instanceof Error ? e.message : String(e);
        await tx.recordTimerFailure(
          timer.id,
          message,
          giveUp ? null : this.#opts.clock.now() + retryDelayMs(attempts),
        );
        await tx.appendEvent({
          type: giveUp ? 'timer.failed' : 'timer.retry',
          subjectKind: timer.subjectKind,
          subjectId: timer.subjectId,
          actor: 'system',
          data: { timer_id: timer.id, action: timer.action, attempts, error: message },
        });
      });
      this.#opts.onError(e, timer);
      return true;
    }
    if (claimed === null) return false;
    this.#opts.onFired?.(claimed, Math.max(0, now - claimed.dueAt));
    return true;
  }

  async #arm(): Promise<void> {
    if (this.#stopped) return;
    const next = await this.#store.nextTimerDue();
    const wait = next === null ? this.#opts.pollMs : Math.max(0, next - this.#opts.clock.now());
    this.#armIn(Math.min(wait, this.#opts.pollMs));
  }

  #armIn(ms: number): void {
    if (this.#stopped) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.wake(), ms);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unlisten?.();
    if (this.#timer !== null) clearTimeout(this.#timer);
    await this.#running;
  }
}

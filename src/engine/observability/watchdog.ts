import { hostname } from 'node:os';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { NewEvent } from '../../domain/event.js';
import type { AlarmLevel, WatchdogKind } from './metrics.js';
import type { Clock, Store } from '../ports.js';

/** Reports the longest event-loop delay since the previous read. */
export interface StallProbe {
  start(): void;
  takeMaxMs(): number;
  stop(): void;
}

/** perf_hooks' loop-delay histogram: it sees a stall of any length, however rarely the watchdog looks. */
export function eventLoopDelayProbe(resolutionMs = 10): StallProbe {
  let histogram: IntervalHistogram | null = null;
  return {
    start() {
      histogram = monitorEventLoopDelay({ resolution: resolutionMs });
      histogram.enable();
    },
    takeMaxMs() {
      if (histogram === null) return 0;
      const max = histogram.max / 1e6;
      histogram.reset();
      return max;
    },
    stop() {
      histogram?.disable();
      histogram = null;
    },
  };
}

export type WatchdogLog = (level: 'warn' | 'error', details: Record<string, unknown>, msg: string) => void;

export interface WatchdogOptions {
  readonly softMs: number;
  readonly hardMs: number;
  /**
   * A lone event-loop stall past soft but no longer than this raises nothing (a GC pause, a page-in, a
   * busy neighbour): the soft alarm needs a second such stall within `STALL_REPEAT_MS`. 0 forgives none.
   */
  readonly graceMs?: number;
  readonly clock: Clock;
  readonly log: WatchdogLog;
  readonly onError: (e: unknown) => void;
  /** Told of every alarm (metrics count them). */
  readonly onAlarm?: (kind: WatchdogKind, level: AlarmLevel) => void;
  readonly probe?: StallProbe;
  /** How often the loop is checked; defaults to the soft threshold, between 10 ms and 1 s. */
  readonly tickMs?: number;
}

/** What the introspection endpoint shows of the watchdogs. */
export interface WatchdogStatus {
  readonly softMs: number;
  readonly hardMs: number;
  readonly graceMs: number;
  readonly alarms: { readonly soft: number; readonly hard: number };
  /** Checks of the event loop since the watchdog was armed (0 before). */
  readonly checks: number;
}

/** How many overdue timers one scan looks at (oldest first); more would only repeat the same news. */
const OVERDUE_SCAN_LIMIT = 50;
/** The overdue-timer scan is a store query, so it runs at most this often (an explicit `check` always scans). */
const TIMER_SCAN_MS = 1000;
/** A stall within the grace is forgiven unless another came this recently. */
export const STALL_REPEAT_MS = 60_000;

const RANK = { none: 0, soft: 1, hard: 2 } as const;
const rank = (level: AlarmLevel | null): number => RANK[level ?? 'none'];

/** `null` below the soft threshold; thresholds are exceeded, not merely reached. */
export const alarmLevel = (observedMs: number, softMs: number, hardMs: number): AlarmLevel | null =>
  observedMs > hardMs ? 'hard' : observedMs > softMs ? 'soft' : null;

interface Alarm {
  readonly kind: WatchdogKind;
  readonly level: AlarmLevel;
  readonly subjectId: string;
  readonly observedMs: number;
  readonly message: string;
  readonly data: Record<string, unknown>;
}

/**
 * Raises soft and hard alarms for event-loop stalls and for pending timers left past their due time.
 * One alarm per level per episode: a stall episode ends when a check sees the loop below the soft
 * threshold again; a timer's episode ends when it is no longer pending and overdue. A soft alarm is
 * followed by a hard one if the episode gets worse; an episode first seen past hard raises only hard.
 */
export class Watchdog implements WatchdogStatus {
  readonly softMs: number;
  readonly hardMs: number;
  readonly graceMs: number;
  readonly #store: Store;
  readonly #opts: WatchdogOptions;
  readonly #probe: StallProbe;
  readonly #counts = { soft: 0, hard: 0 };
  #loopLevel: AlarmLevel | null = null;
  #timerLevels = new Map<string, AlarmLevel>();
  #lastTimerScan = -Infinity;
  #lastTickAt = 0;
  #tickDriftMs = 0;
  #interval: NodeJS.Timeout | null = null;
  #chain: Promise<void> = Promise.resolve();
  #pending = 0;
  #checks = 0;
  /** When the last forgiven stall was (performance.now()), or never. */
  #lastForgivenAt = -Infinity;

  constructor(store: Store, opts: WatchdogOptions) {
    this.#store = store;
    this.#opts = opts;
    this.softMs = opts.softMs;
    this.hardMs = opts.hardMs;
    this.graceMs = opts.graceMs ?? 0;
    this.#probe = opts.probe ?? eventLoopDelayProbe();
  }

  get alarms(): { soft: number; hard: number } {
    return { ...this.#counts };
  }

  get checks(): number {
    return this.#checks;
  }

  start(): void {
    if (this.#interval !== null) return;
    this.#probe.start();
    const tickMs = this.#opts.tickMs ?? Math.min(1000, Math.max(10, this.softMs));
    this.#lastTickAt = performance.now();
    this.#interval = setInterval(() => {
      // The tick's own lateness is a stall too: it covers one that begins before the delay histogram
      // has taken its first sample (right after start).
      const now = performance.now();
      this.#tickDriftMs = Math.max(this.#tickDriftMs, now - this.#lastTickAt - tickMs);
      this.#lastTickAt = now;
      // A slow store must not pile checks up behind each other.
      if (this.#pending > 0) return;
      const scanTimers = performance.now() - this.#lastTimerScan >= TIMER_SCAN_MS;
      void this.#enqueue(scanTimers);
    }, tickMs);
    this.#interval.unref();
  }

  /** Runs one check of both watchdogs now (after any check in flight). */
  check(): Promise<void> {
    return this.#enqueue(true);
  }

  async stop(): Promise<void> {
    if (this.#interval !== null) clearInterval(this.#interval);
    this.#interval = null;
    this.#probe.stop();
    await this.#chain;
  }

  #enqueue(scanTimers: boolean): Promise<void> {
    this.#pending += 1;
    this.#chain = this.#chain
      .then(() => this.#checkOnce(scanTimers))
      .catch((e: unknown) => this.#opts.onError(e))
      .finally(() => {
        this.#pending -= 1;
      });
    return this.#chain;
  }

  async #checkOnce(scanTimers: boolean): Promise<void> {
    const alarms = this.#checkLoop();
    if (scanTimers) {
      this.#lastTimerScan = performance.now();
      alarms.push(...(await this.#scanTimers()));
    }
    if (alarms.length > 0) await this.#raise(alarms);
  }

  #checkLoop(): Alarm[] {
    const stallMs = Math.round(Math.max(this.#probe.takeMaxMs(), this.#tickDriftMs));
    this.#tickDriftMs = 0;
    this.#checks += 1;
    let level = alarmLevel(stallMs, this.softMs, this.hardMs);
    if (level === 'soft' && this.#loopLevel === null && stallMs <= this.graceMs) {
      const now = performance.now();
      const repeated = now - this.#lastForgivenAt <= STALL_REPEAT_MS;
      this.#lastForgivenAt = now;
      if (!repeated) level = null;
    }
    const before = this.#loopLevel;
    this.#loopLevel = level === null ? null : rank(level) > rank(before) ? level : before;
    if (level === null || rank(level) <= rank(before)) return [];
    return [
      {
        kind: 'event_loop',
        level,
        subjectId: 'event_loop',
        observedMs: stallMs,
        message: `watchdog ${level}: event loop stalled for ${stallMs} ms`,
        data: { stall_ms: stallMs, host: hostname(), pid: process.pid },
      },
    ];
  }

  async #scanTimers(): Promise<Alarm[]> {
    const now = this.#opts.clock.now();
    const overdue = await this.#store.overdueTimers(now - this.softMs, OVERDUE_SCAN_LIMIT);
    const alarms: Alarm[] = [];
    const next = new Map<string, AlarmLevel>();
    for (const t of overdue) {
      const overdueMs = Math.round(now - t.dueAt);
      const level = alarmLevel(overdueMs, this.softMs, this.hardMs);
      if (level === null) continue;
      const before = this.#timerLevels.get(t.id) ?? null;
      next.set(t.id, rank(level) > rank(before) ? level : before!);
      if (rank(level) <= rank(before)) continue;
      alarms.push({
        kind: 'timer',
        level,
        subjectId: t.id,
        observedMs: overdueMs,
        message: `watchdog ${level}: timer ${t.id} (${t.action}) is ${overdueMs} ms past due`,
        data: {
          timer_id: t.id,
          action: t.action,
          subject_kind: t.subjectKind,
          subject_id: t.subjectId,
          due_at: new Date(t.dueAt).toISOString(),
          overdue_ms: overdueMs,
        },
      });
    }
    // Timers no longer overdue (fired, cancelled, rescheduled) end their episode.
    this.#timerLevels = next;
    return alarms;
  }

  async #raise(alarms: readonly Alarm[]): Promise<void> {
    for (const a of alarms) {
      this.#counts[a.level] += 1;
      this.#opts.onAlarm?.(a.kind, a.level);
      this.#opts.log(
        a.level === 'hard' ? 'error' : 'warn',
        { watchdog: { kind: a.kind, level: a.level, subject_id: a.subjectId, observed_ms: a.observedMs } },
        a.message,
      );
    }
    const events: NewEvent[] = alarms.map((a) => ({
      type: `watchdog.${a.level}`,
      subjectKind: 'watchdog',
      subjectId: a.subjectId,
      actor: 'system',
      data: {
        kind: a.kind,
        level: a.level,
        threshold_ms: a.level === 'hard' ? this.hardMs : this.softMs,
        ...a.data,
      },
    }));
    await this.#store.transaction(async (tx) => {
      for (const e of events) await tx.appendEvent(e);
    });
  }
}

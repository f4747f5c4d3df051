/** Samples, percentiles and the measuring window shared by every case of the run-kernel benchmark. */

import { concat, distribution, Samples as GrowableSamples, type Distribution } from './stats.js';

/** The kernel keeps many small sample lists (per slice, per kind of step): start them small. */
class Samples extends GrowableSamples {
  constructor() {
    super(1024);
  }
}

/** What one measured slice of a case produced; plain data, so a worker thread can post it. */
export interface SliceResult {
  readonly windowMs: number;
  /** Latency of every durable step that ended inside the window. */
  readonly steps: Float64Array;
  /** The same, by kind of step (`create`, `patch_issue`, …). */
  readonly byKind: Record<string, Float64Array>;
  /** Runs (workflows) that ended inside the window, and how long each took (pauses left out). */
  readonly runs: Float64Array;
  /** Reads a lifecycle makes besides its steps (the HTTP cases read the issue ids once per run). */
  readonly reads: Float64Array;
}

/** What a lifecycle times its work with. */
export interface Steps {
  /** Runs `work` as one durable step of `kind` (waiting first while the case is paused). */
  step<T>(kind: string, work: () => Promise<T>): Promise<T>;
  /** Runs `work` as a read (not a durable step), timed apart from the steps. */
  read<T>(work: () => Promise<T>): Promise<T>;
}

/** The samples of one measuring window. */
class Window {
  readonly startsAt = performance.now();
  readonly endsAt: number;
  readonly steps = new Samples();
  readonly runs = new Samples();
  readonly reads = new Samples();
  readonly kinds = new Map<string, Samples>();

  constructor(seconds: number) {
    this.endsAt = this.startsAt + seconds * 1000;
  }

  result(): SliceResult {
    return {
      windowMs: this.endsAt - this.startsAt,
      steps: this.steps.toArray(),
      byKind: Object.fromEntries([...this.kinds].map(([k, s]) => [k, s.toArray()])),
      runs: this.runs.toArray(),
      reads: this.reads.toArray(),
    };
  }
}

/**
 * Drives one case: `concurrency` loops, each taking runs through `lifecycle` one after another. The loops
 * start with the first slice and are paused between slices (between two steps, when no transaction is
 * open), so runs keep the phases they reached: each window sees the steady-state mix of steps, not a
 * burst of runs all starting at once. A step counts when it ends inside the window; steps still going
 * when it closes finish before the next case runs, uncounted.
 */
export class Driver implements Steps {
  readonly #concurrency: number;
  readonly #lifecycle: (steps: Steps) => Promise<void>;
  #window: Window | null = null;
  #gate: Promise<void> | null = null;
  #openGate: () => void = () => undefined;
  #inFlight = 0;
  #drained: (() => void) | null = null;
  #failure: Error | null = null;
  #started = false;
  #pausedAt: number | null = null;
  #pausedTotal = 0;

  constructor(concurrency: number, lifecycle: (steps: Steps) => Promise<void>) {
    this.#concurrency = concurrency;
    this.#lifecycle = lifecycle;
  }

  /** Lets the loops run for `seconds`, then pauses them and returns what the window saw. */
  async slice(seconds: number): Promise<SliceResult> {
    const w = new Window(seconds);
    this.#window = w;
    if (this.#pausedAt !== null) this.#pausedTotal += performance.now() - this.#pausedAt;
    this.#pausedAt = null;
    this.#openGate();
    this.#gate = null;
    if (!this.#started) {
      this.#started = true;
      for (let i = 0; i < this.#concurrency; i++) void this.#loop();
    }
    await new Promise((r) => setTimeout(r, seconds * 1000));
    this.#pause();
    if (this.#inFlight > 0) await new Promise<void>((r) => (this.#drained = r));
    if (this.#failure !== null) throw this.#failure;
    return w.result();
  }

  /** Closes the gate: steps not yet started wait for the next slice. */
  #pause(): void {
    if (this.#gate !== null) return;
    this.#gate = new Promise<void>((r) => (this.#openGate = r));
    this.#pausedAt = performance.now();
  }

  async #loop(): Promise<void> {
    try {
      for (;;) {
        if (this.#gate !== null) await this.#gate;
        const t0 = performance.now();
        const paused0 = this.#pausedTotal;
        await this.#lifecycle(this);
        const t1 = performance.now();
        // A run's time leaves out the pauses it spanned (other cases ran then).
        const w = this.#window!;
        if (t1 <= w.endsAt) w.runs.push(t1 - t0 - (this.#pausedTotal - paused0));
      }
    } catch (e) {
      this.#failure ??= e instanceof Error ? e : new Error(String(e));
    }
  }

  step<T>(kind: string, work: () => Promise<T>): Promise<T> {
    return this.#timed(work, (w, ms) => {
      w.steps.push(ms);
      let k = w.kinds.get(kind);
      if (k === undefined) w.kinds.set(kind, (k = new Samples()));
      k.push(ms);
    });
  }

  read<T>(work: () => Promise<T>): Promise<T> {
    return this.#timed(work, (w, ms) => w.reads.push(ms));
  }

  /** Waits while paused, runs `work`, and records its time when it ended inside the window. */
  async #timed<T>(work: () => Promise<T>, record: (w: Window, ms: number) => void): Promise<T> {
    // Pausing here too, not only from the slice's timer: on SQLite the loops never leave the microtask
    // queue (the driver is synchronous), so that timer fires only once they stop.
    if (performance.now() >= this.#window!.endsAt) this.#pause();
    while (this.#gate !== null) await this.#gate;
    if (this.#failure !== null) throw this.#failure;
    const w = this.#window!;
    this.#inFlight += 1;
    try {
      const t0 = performance.now();
      const value = await work();
      const t1 = performance.now();
      if (t1 <= w.endsAt) record(w, t1 - t0);
      return value;
    } finally {
      this.#inFlight -= 1;
      if (this.#inFlight === 0 && this.#drained !== null) {
        this.#drained();
        this.#drained = null;
      }
    }
  }
}

/** Steps that are timed by nobody: for one-off lifecycles (setup checks). */
export const unmeasured: Steps = { step: (_kind, work) => work(), read: (work) => work() };

export interface CaseTotals {
  readonly windowS: number;
  readonly stepsPerS: number;
  readonly runsPerS: number;
  readonly step: Distribution;
  readonly run: Distribution;
  readonly read: Distribution;
  readonly byKind: Record<string, Distribution>;
}

/**
 * Sums the slices of one case. Runs per second is steps per second over `stepsPerRun`: counting whole
 * runs inside short windows would undercount the long ones.
 */
export function totals(slices: readonly SliceResult[], stepsPerRun: number): CaseTotals {
  const windowS = slices.reduce((n, s) => n + s.windowMs, 0) / 1000;
  const steps = concat(slices.map((s) => s.steps));
  const runs = concat(slices.map((s) => s.runs));
  const kinds = [...new Set(slices.flatMap((s) => Object.keys(s.byKind)))];
  return {
    windowS,
    stepsPerS: steps.length / windowS,
    runsPerS: steps.length / windowS / stepsPerRun,
    step: distribution(steps),
    run: distribution(runs),
    read: distribution(concat(slices.map((s) => s.reads))),
    byKind: Object.fromEntries(
      kinds.map((k) => [k, distribution(concat(slices.map((s) => s.byKind[k] ?? new Float64Array())))]),
    ),
  };
}

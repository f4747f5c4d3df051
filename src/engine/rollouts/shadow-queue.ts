import { compareAnswers, errorSample } from '../../domain/rollouts/shadow.js';
import type { CallOutcome } from '../../runtime/cell-runtime.js';
import type { Metrics } from '../observability/metrics.js';
import type { Clock } from '../ports.js';
import type { ShadowRecorder } from './shadow-recorder.js';

/** One call answered by the stable revision, to be mirrored to the shadow revision. */
export interface ShadowJob {
  readonly cellId: string;
  /** The shadow revision's id. */
  readonly revisionId: string;
  readonly input: unknown;
  readonly stableOutput: unknown;
  /** Runs the call on the shadow revision (its fault drill included). */
  readonly run: () => CallOutcome | Promise<CallOutcome>;
}

export interface ShadowQueueOptions {
  /** Calls waiting at most; beyond it a mirrored call is dropped (and counted). */
  readonly capacity: number;
  /** Shadow calls running at once. */
  readonly concurrency: number;
  readonly clock: Clock;
  readonly onError: (e: unknown) => void;
}

/** The shadow's series (docs/metrics.md). */
export function shadowMetrics(m: Metrics) {
  return {
    calls: m.counter<'outcome'>(
      'factory_shadow_calls_total',
      'Shadow calls, by outcome (equal, different, error).',
      {
        labelNames: ['outcome'],
      },
    ),
    dropped: m.counter(
      'factory_shadow_dropped_total',
      'Calls not mirrored because the shadow queue was full.',
    ),
    depth: m.gauge('factory_shadow_queue_depth', 'Mirrored calls waiting in the shadow queue.'),
  };
}

/**
 * The bounded queue of mirrored calls. A caller only ever pushes onto it (or, when it is full, counts a
 * drop): the shadow runs later, from `setImmediate`, after the caller's answer has been handed back, and a
 * few at a time so that callers keep their turn on the event loop.
 */
export class ShadowQueue {
  readonly #recorder: ShadowRecorder;
  readonly #o: ShadowQueueOptions;
  readonly #metrics: ReturnType<typeof shadowMetrics>;
  #jobs: ShadowJob[] = [];
  #head = 0;
  #active = 0;
  #scheduled = false;
  #idle: (() => void)[] = [];

  constructor(
    recorder: ShadowRecorder,
    metrics: ReturnType<typeof shadowMetrics>,
    options: ShadowQueueOptions,
  ) {
    this.#recorder = recorder;
    this.#metrics = metrics;
    this.#o = options;
  }

  get depth(): number {
    return this.#jobs.length - this.#head;
  }

  /** Queues a mirrored call; false (counted as dropped) when the queue is full. */
  offer(job: ShadowJob): boolean {
    if (this.depth >= this.#o.capacity) {
      this.#recorder.dropped(job.cellId, job.revisionId);
      this.#metrics.dropped.inc();
      return false;
    }
    this.#jobs.push(job);
    this.#metrics.depth.set(this.depth);
    this.#schedule();
    return true;
  }

  /** Resolves once nothing waits or runs (for a clean stop). */
  drained(): Promise<void> {
    if (this.depth === 0 && this.#active === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #schedule(): void {
    if (this.#scheduled || this.#active >= this.#o.concurrency || this.depth === 0) {
      if (this.depth === 0 && this.#active === 0) for (const f of this.#idle.splice(0)) f();
      return;
    }
    this.#scheduled = true;
    setImmediate(() => this.#pump());
  }

  #pump(): void {
    this.#scheduled = false;
    while (this.#active < this.#o.concurrency && this.depth > 0) {
      const job = this.#jobs[this.#head]!;
      this.#head += 1;
      // Compact now and then rather than shift() on every call.
      if (this.#head > 1024 && this.#head * 2 > this.#jobs.length) {
        this.#jobs = this.#jobs.slice(this.#head);
        this.#head = 0;
      }
      this.#active += 1;
      this.#run(job)
        .catch((e: unknown) => this.#o.onError(e))
        .finally(() => {
          this.#active -= 1;
          this.#schedule();
        });
    }
    this.#metrics.depth.set(this.depth);
  }

  async #run(job: ShadowJob): Promise<void> {
    const started = performance.now();
    let outcome: CallOutcome;
    try {
      outcome = await job.run();
    } catch (e) {
      outcome = { ok: false, reason: `the cell threw: ${(e as Error).message}` };
    }
    const ms = performance.now() - started;
    const at = this.#o.clock.now();
    if (!outcome.ok) {
      this.#metrics.calls.labels('error').inc();
      this.#recorder.record(
        job.cellId,
        job.revisionId,
        ms,
        'error',
        errorSample(job.input, job.stableOutput, outcome.reason, at),
      );
      return;
    }
    const c = compareAnswers(job.input, job.stableOutput, outcome.output, at);
    this.#metrics.calls.labels(c.equal ? 'equal' : 'different').inc();
    this.#recorder.record(
      job.cellId,
      job.revisionId,
      ms,
      c.equal ? 'equal' : 'different',
      c.equal ? undefined : c.sample,
    );
  }
}

import { Worker, type ResourceLimits } from 'node:worker_threads';

/** One job for a pool's worker: `rev` names the code it runs (sent once per worker as `setup`). */
export interface PoolJob {
  readonly rev: string;
  readonly setup: unknown;
  /**
   * When given, the setup is made by this instead, each time a worker needs it (a cold or replaced
   * worker, a revision new to it): code read from a file is checked at every load. A rejection answers
   * `refused` with its error, and nothing is sent to the worker.
   */
  readonly loadSetup?: () => Promise<unknown>;
  readonly payload: unknown;
  /** Past this the worker is terminated (and replaced): the job answers `timeout`. */
  readonly killAfterMs: number;
  /** Things to move rather than copy into the worker (e.g. an input's bytes). */
  readonly transfer?: readonly ArrayBuffer[];
}

export type PoolAnswer =
  | { readonly type: 'answer'; readonly body: unknown }
  | { readonly type: 'refused'; readonly error: unknown }
  | {
      readonly type: 'killed';
      readonly reason: 'timeout' | 'memory_limit' | 'crashed';
      readonly message: string;
    };

export interface PoolOptions {
  /** For messages and metrics: `script` or `wasm`. */
  readonly name: string;
  readonly size: number;
  /** The worker's CommonJS source (run with `eval: true`, so it works the same from src/ and dist/). */
  readonly source: string;
  readonly workerData: unknown;
  readonly resourceLimits: ResourceLimits;
  /** Called when a worker is started (cold) or replaced after a kill. */
  readonly onWorkerStart?: () => void;
}

/** How long a worker may take to load its engine and a revision's code before a call starts. */
const LOAD_BUDGET_MS = 10_000;

interface Running {
  readonly resolve: (a: PoolAnswer) => void;
  timer: NodeJS.Timeout;
  readonly started: () => void;
}

class Slot {
  worker: Worker | null = null;
  running: Running | null = null;
  known = new Set<string>();
}

interface Queued {
  readonly job: PoolJob;
  readonly resolve: (a: PoolAnswer) => void;
}

/**
 * A fixed number of worker threads that run untrusted code one job at a time each. Jobs wait in a queue
 * while every worker is busy. A job past its time is answered `timeout` and its worker terminated and
 * replaced: code that never yields cannot hold the main thread or a worker for longer than its limit.
 */
export class SandboxPool {
  readonly #opts: PoolOptions;
  readonly #slots: Slot[];
  readonly #queue: Queued[] = [];
  #closed = false;

  constructor(opts: PoolOptions) {
    this.#opts = opts;
    this.#slots = Array.from({ length: Math.max(1, opts.size) }, () => new Slot());
  }

  /** Workers started (size) and those running a job (busy), for the pool gauges. */
  stats(): { size: number; busy: number } {
    return {
      size: this.#slots.filter((s) => s.worker !== null).length,
      busy: this.#slots.filter((s) => s.running !== null).length,
    };
  }

  run(job: PoolJob): Promise<PoolAnswer> {
    if (this.#closed)
      return Promise.resolve({
        type: 'killed',
        reason: 'crashed',
        message: `the ${this.#opts.name} pool is closed`,
      });
    return new Promise((resolve) => {
      const slot = this.#slots.find((s) => s.running === null);
      if (slot === undefined) this.#queue.push({ job, resolve });
      else this.#start(slot, job, resolve);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const q of this.#queue.splice(0))
      q.resolve({ type: 'killed', reason: 'crashed', message: `the ${this.#opts.name} pool is closed` });
    await Promise.all(
      this.#slots.map(async (s) => {
        const w = s.worker;
        s.worker = null;
        if (w !== null) await w.terminate();
      }),
    );
  }

  #spawn(slot: Slot): Worker {
    const w = new Worker(this.#opts.source, {
      eval: true,
      workerData: this.#opts.workerData,
      resourceLimits: this.#opts.resourceLimits,
      // The untrusted code has no use for the host's environment; the worker sees none of it.
      env: {},
      stdout: true,
      stderr: true,
    });
    // Nothing the sandboxed code does reaches them; only the runtime's own warnings: read and dropped.
    w.stdout.resume();
    w.stderr.resume();
    // An idle worker does not keep the process alive; a running job's timer does.
    w.unref();
    w.on('message', (body: unknown) => {
      if (slot.worker !== w) return;
      if ((body as { started?: boolean } | null)?.started === true) slot.running?.started();
      else this.#finish(slot, { type: 'answer', body });
    });
    const lost = (reason: 'memory_limit' | 'crashed', message: string) => {
      if (slot.worker !== w) return;
      slot.worker = null;
      slot.known.clear();
      this.#finish(slot, { type: 'killed', reason, message });
    };
    w.on('error', (e: Error & { code?: string }) =>
      lost(
        e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'memory_limit' : 'crashed',
        `the ${this.#opts.name} worker failed: ${e.message}`,
      ),
    );
    w.on('exit', (code) => lost('crashed', `the ${this.#opts.name} worker exited (code ${code})`));
    slot.worker = w;
    slot.known.clear();
    this.#opts.onWorkerStart?.();
    return w;
  }

  #start(slot: Slot, job: PoolJob, resolve: (a: PoolAnswer) => void): void {
    const cold = slot.worker === null;
    const w = slot.worker ?? this.#spawn(slot);
    const first = !slot.known.has(job.rev);
    const kill = (afterMs: number) =>
      setTimeout(() => {
        if (slot.worker === w) {
          slot.worker = null;
          slot.known.clear();
          void w.terminate();
        }
        this.#finish(slot, {
          type: 'killed',
          reason: 'timeout',
          message: `the call ran past its CPU time limit (worker terminated after ${afterMs} ms)`,
        });
      }, afterMs);
    // A new worker loads its engine, a revision's first call loads its code: the worker says when the
    // call itself starts (`started`), and its time runs from there. Loading has a budget of its own.
    const ack = cold || first;
    const running: Running = {
      resolve,
      timer: kill(ack ? job.killAfterMs + LOAD_BUDGET_MS : job.killAfterMs),
      started: () => {
        clearTimeout(running.timer);
        running.timer = kill(job.killAfterMs);
      },
    };
    slot.running = running;
    slot.known.add(job.rev);
    const post = (setup: unknown) =>
      w.postMessage(
        { rev: job.rev, setup, payload: job.payload, ack },
        job.transfer === undefined ? [] : [...job.transfer],
      );
    if (!first || job.loadSetup === undefined) {
      post(first ? job.setup : undefined);
      return;
    }
    job.loadSetup().then(
      (setup) => {
        // Unless the job ended meanwhile (its load budget ran out, the pool closed).
        if (slot.running === running && slot.worker === w) post(setup);
      },
      (error: unknown) => {
        if (slot.running !== running) return;
        slot.known.delete(job.rev);
        this.#finish(slot, { type: 'refused', error });
      },
    );
  }

  #finish(slot: Slot, answer: PoolAnswer): void {
    const running = slot.running;
    if (running === null) return;
    clearTimeout(running.timer);
    slot.running = null;
    running.resolve(answer);
    const next = this.#queue.shift();
    if (next !== undefined && !this.#closed) this.#start(slot, next.job, next.resolve);
  }
}

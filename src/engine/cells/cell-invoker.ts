import {
  chooseRevision,
  isServing,
  trafficSplit,
  type TrafficShares,
  type TrafficSplit,
} from '../../domain/cells/cell-lifecycle.js';
import type { CellAggregate, Revision, StoredTemplate } from '../../domain/cells/cell-model.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import type { Backend } from '../../domain/cells/backends.js';
import type { CallOutcome, CellRuntime } from '../../runtime/cell-runtime.js';
import type { FileViolation } from '../../runtime/cell-files.js';
import { CellBackends } from './cell-backends.js';
import type { Store } from '../ports.js';
import type { CounterSeries, HistogramSeries } from '../observability/series-metrics.js';
import type { CellMetrics } from './cell-metrics.js';
import type { CellsReads } from './cell-ports.js';
import type { Fault } from '../../domain/rollouts/fault.js';
import { shadowTarget } from '../../domain/rollouts/shadow.js';
import type { RolloutPolicy } from '../../domain/rollouts/rollout-policy.js';
import type { ShadowJob } from '../rollouts/shadow-queue.js';

/**
 * How rollouts see the call path (src/engine/rollouts/), whatever the backend: each call's outcome and
 * latency per revision, and the fault a drill injects (docs/rollouts.md).
 */
export interface CallHooks {
  /** `policy`: the cell's rollout policy as it was loaded with the cell (undefined: not read). */
  onCall(cellId: string, revision: Revision, ms: number, failed: boolean, policy?: RolloutPolicy): void;
  /** The fault to inject into calls of this template (read once per load), or null. */
  faultOf(metadata: Readonly<Record<string, unknown>>): Fault | null;
  /** Whether faults are honoured now (the `fault_injection` capability). */
  faultsEnabled(): boolean;
  /** The cell's rollout policy, read once per load (the load is dropped when the cell's policy changes). */
  policyOf?(cellId: string): Promise<RolloutPolicy>;
  /** Hands a mirrored call to the shadow queue; never waits. */
  mirror?(job: ShadowJob): void;
}

interface Runnable {
  readonly fault: Fault | null;
  readonly revision: Revision;
  readonly runtime: CellRuntime;
  readonly stats: RevisionStats;
}

interface Loaded {
  readonly agg: CellAggregate;
  readonly runnable: ReadonlyMap<string, Runnable>;
  readonly split: TrafficSplit<Revision>;
  /** Where the stable revision's calls are mirrored, and the share mirrored (0…1); null: nowhere. */
  readonly shadow: { readonly run: Runnable; readonly share: number } | null;
  readonly policy: RolloutPolicy | undefined;
}

/** The metric series of one revision, resolved once: a call only counts. */
interface RevisionSeries {
  readonly calls: CounterSeries;
  readonly latency: HistogramSeries;
  readonly errors: CounterSeries;
}

/** Calls, errors and a reservoir of recent latencies for one revision (since this process started). */
class RevisionStats {
  calls = 0;
  errors = 0;
  readonly #latencies: number[] = [];
  readonly #series: RevisionSeries | null;
  constructor(series: RevisionSeries | null) {
    this.#series = series;
  }
  record(ms: number, failed: boolean): void {
    this.calls += 1;
    if (failed) this.errors += 1;
    if (this.#latencies.length >= 1000) this.#latencies.splice(0, 500);
    this.#latencies.push(ms);
    if (this.#series !== null) {
      this.#series.calls.inc();
      this.#series.latency.observe(ms / 1000);
      if (failed) this.#series.errors.inc();
    }
  }
  view() {
    const sorted = [...this.#latencies].sort((a, b) => a - b);
    const q = (p: number) =>
      sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
    return { calls: this.calls, errors: this.errors, p50_ms: q(0.5), p95_ms: q(0.95) };
  }
}

export interface InvokeResult {
  readonly output: unknown;
  readonly revision: string;
  readonly durationMs: number;
  /** Lines a script logged (`ctx.log`) or a module wrote to stderr. */
  readonly log?: readonly string[];
}

/**
 * The immune system's answer to a call whose code file failed its check at load: quarantines the cells
 * of the template (src/engine/cells/integrity.ts). Resolves once that is committed.
 */
export type IntegrityHandler = (
  templateId: string,
  version: string,
  violation: FileViolation,
) => Promise<void>;

/** Whether a backend's gate (`factory_script`, `factory_wasm`) is open: a locked one serves nothing. */
export type GateOpen = (backend: Backend) => boolean;

/**
 * The hot path: cells are cached with their operations ready to run, and dropped from the cache when
 * the event log says they changed (here or on another instance). Traffic is split by revision state.
 */
export class CellInvoker {
  readonly #store: Store;
  readonly #metrics: CellMetrics;
  readonly #shares: TrafficShares;
  readonly #random: () => number;
  readonly #cache = new Map<string, Promise<Loaded | null>>();
  /** The loads that have finished: a call on a cell read before runs without waiting on anything. */
  readonly #ready = new Map<string, Loaded | null>();
  readonly #stats = new Map<string, RevisionStats>();
  readonly #backends: CellBackends;
  readonly #gateOpen: GateOpen;
  #hooks: CallHooks | null = null;
  #onViolation: IntegrityHandler | null = null;
  /** Violations being recorded, by template revision: concurrent calls that find one wait on it. */
  readonly #violations = new Map<string, Promise<void>>();

  constructor(
    store: Store,
    metrics: CellMetrics,
    shares: TrafficShares,
    random: () => number = Math.random,
    backends: CellBackends = new CellBackends(),
    gateOpen: GateOpen = () => true,
  ) {
    this.#store = store;
    this.#metrics = metrics;
    this.#shares = shares;
    this.#random = random;
    this.#backends = backends;
    this.#gateOpen = gateOpen;
  }

  setCallHooks(hooks: CallHooks): void {
    this.#hooks = hooks;
  }

  setIntegrityHandler(handler: IntegrityHandler): void {
    this.#onViolation = handler;
  }

  invalidate(cellId: string): void {
    this.#cache.delete(cellId);
    this.#ready.delete(cellId);
  }

  /** Each serving revision's share of the calls now, in percent, by revision id; none while quarantined. */
  traffic(agg: CellAggregate): Map<string, number> {
    const shares = new Map<string, number>();
    if (agg.cell.quarantine !== null) return shares;
    const { candidates, total } = trafficSplit(agg.revisions, this.#shares);
    for (const c of candidates) shares.set(c.revision.id, total > 0 ? (c.weight / total) * 100 : 100);
    return shares;
  }

  stats(revisionId: string) {
    return (this.#stats.get(revisionId) ?? new RevisionStats(null)).view();
  }

  #load(cellId: string): Promise<Loaded | null> {
    let p = this.#cache.get(cellId);
    if (p === undefined) {
      const loading = this.#read(cellId, this.#store.cells, true);
      p = loading;
      this.#cache.set(cellId, loading);
      loading.then(
        // Unless the cell changed while it was being read (then the next call reads it again).
        (loaded) => {
          if (this.#cache.get(cellId) === loading) this.#ready.set(cellId, loaded);
        },
        () => {
          if (this.#cache.get(cellId) === loading) this.#cache.delete(cellId);
        },
      );
    }
    return p;
  }

  #statsOf(cellId: string, backend: Backend, revision: Revision): RevisionStats {
    let stats = this.#stats.get(revision.id);
    if (stats === undefined) {
      const labels = { cell: cellId, revision: revision.templateVersion };
      stats = new RevisionStats({
        calls: this.#metrics.calls.series({ ...labels, backend }),
        latency: this.#metrics.latency.series(labels),
        errors: this.#metrics.execErrors.series({ cell: cellId }),
      });
      this.#stats.set(revision.id, stats);
    }
    return stats;
  }

  async #read(cellId: string, reads: CellsReads, withPolicy = false): Promise<Loaded | null> {
    const agg = await reads.cell(cellId);
    if (agg === null) return null;
    const runnable = new Map<string, Runnable>();
    for (const r of agg.revisions) {
      const t: StoredTemplate | null = await reads.template(agg.cell.templateId, r.templateVersion);
      const runtime = t === null ? null : await this.#backends.runtime(agg.cell.backend, r.id, t);
      if (t === null || runtime === null) continue;
      runnable.set(r.id, {
        fault: this.#hooks?.faultOf(t.template.metadata) ?? null,
        revision: r,
        runtime,
        stats: this.#statsOf(cellId, agg.cell.backend, r),
      });
    }
    let shadow: Loaded['shadow'] = null;
    const policy = withPolicy ? await this.#hooks?.policyOf?.(cellId) : undefined;
    if (policy?.shadow.enabled === true && policy.shadow.percent > 0) {
      const target = shadowTarget(agg.revisions);
      const run = target === null ? undefined : runnable.get(target.id);
      if (run !== undefined) shadow = { run, share: policy.shadow.percent / 100 };
    }
    return { agg, runnable, split: trafficSplit(agg.revisions, this.#shares), shadow, policy };
  }

  /**
   * The same call, reading the cell through `reads` (a transaction's) instead of the cache: for checks
   * that run inside a transaction, where reading the store itself would wait on it (SQLite).
   */
  async invokeUsing(reads: CellsReads, cellId: string, input: unknown): Promise<Result<InvokeResult>> {
    return await this.#call(await this.#read(cellId, reads), cellId, input, undefined, true);
  }

  /**
   * Runs one call on the revision the traffic split picks, or on `forced` (a version or revision id).
   * Answers at once, without a promise, when the cell was read before (nearly every call).
   */
  invoke(
    cellId: string,
    input: unknown,
    forced?: string,
  ): Result<InvokeResult> | Promise<Result<InvokeResult>> {
    const ready = this.#ready.get(cellId);
    if (ready !== undefined) return this.#call(ready, cellId, input, forced);
    return this.#load(cellId).then((loaded) => this.#call(loaded, cellId, input, forced));
  }

  /** `inTx`: called inside a transaction, which a quarantine's own transaction would wait on. */
  #call(
    loaded: Loaded | null,
    cellId: string,
    input: unknown,
    forced?: string,
    inTx = false,
  ): Result<InvokeResult> | Promise<Result<InvokeResult>> {
    if (loaded === null) return fail('not_found', `no cell ${cellId}`);
    const { agg, runnable } = loaded;
    if (agg.cell.quarantine !== null) {
      return fail('quarantined', `cell ${cellId} is quarantined: ${agg.cell.quarantine.reason}`);
    }
    if (!this.#gateOpen(agg.cell.backend)) {
      return fail(
        'not_serving',
        `cell ${cellId} serves nothing while the ${agg.cell.backend} backend is locked`,
      );
    }
    let revision: Revision | null;
    if (forced !== undefined) {
      revision = agg.revisions.find((r) => r.templateVersion === forced || r.id === forced) ?? null;
      if (revision === null) return fail('not_found', `cell ${cellId} has no revision ${forced}`);
      if (!isServing(revision.state) && revision.state !== 'draft') {
        return fail(
          'not_serving',
          `revision ${revision.templateVersion} is ${revision.state} and serves nothing`,
        );
      }
    } else {
      revision = chooseRevision(loaded.split, this.#random());
      if (revision === null)
        return fail('not_serving', `cell ${cellId} has no canary, experimental or stable revision`);
    }
    const run = runnable.get(revision.id);
    if (run === undefined)
      return fail('cell_error', `revision ${revision.templateVersion} cannot be initialised`);
    const fault = this.#faultOf(run);
    const started = performance.now();
    const outcome = this.#run(run, fault, input);
    // Only the split's calls on the stable revision are mirrored (a forced call asked for one revision).
    const shadow = forced === undefined && revision.state === 'stable' ? loaded.shadow : null;
    const policy = loaded.policy;
    const done = (o: CallOutcome) =>
      o.ok || o.kind !== 'integrity_violation' || o.violation === undefined || inTx
        ? this.#done(run, o, cellId, revision, started, shadow, input, policy)
        : this.#violated(agg.cell.templateId, cellId, revision, o.violation);
    const settle = () => (outcome instanceof Promise ? outcome.then(done) : done(outcome));
    if (fault === null || fault.delay_ms === 0) return settle();
    // An injected delay counts in the call's latency, as a slow revision's would.
    return new Promise<void>((resolve) => setTimeout(resolve, fault.delay_ms)).then(settle);
  }

  /** A call refused because its code's file changed: quarantined first, then answered so. */
  async #violated(
    templateId: string,
    cellId: string,
    revision: Revision,
    v: FileViolation,
  ): Promise<Result<InvokeResult>> {
    const handler = this.#onViolation;
    if (handler === null)
      return fail('cell_error', `cell ${cellId} (${revision.templateVersion}): ${v.reason}`);
    const key = `${templateId}@${revision.templateVersion}`;
    let pending = this.#violations.get(key);
    if (pending === undefined) {
      pending = handler(templateId, revision.templateVersion, v).finally(() => this.#violations.delete(key));
      this.#violations.set(key, pending);
    }
    try {
      await pending;
    } catch (e) {
      return fail(
        'cell_error',
        `cell ${cellId} (${revision.templateVersion}): ${v.reason} (recording it failed: ${(e as Error).message})`,
      );
    }
    this.invalidate(cellId);
    return fail('quarantined', `cell ${cellId} is quarantined: ${v.reason}`, {
      details: {
        cell: cellId,
        revision: revision.templateVersion,
        file: v.path,
        pinned_sha256: v.pinnedSha256,
        file_sha256: v.fileSha256,
      },
    });
  }

  #faultOf(run: Runnable): Fault | null {
    return run.fault !== null && this.#hooks?.faultsEnabled() === true ? run.fault : null;
  }

  #run(run: Runnable, fault: Fault | null, input: unknown): CallOutcome | Promise<CallOutcome> {
    if (fault !== null && fault.error_rate > 0 && this.#random() < fault.error_rate)
      return { ok: false, reason: `injected fault (metadata.fault.error_rate ${fault.error_rate})` };
    try {
      return run.runtime.call(input);
    } catch (e) {
      return { ok: false, reason: `the cell threw: ${(e as Error).message}` };
    }
  }

  /** The shadow revision's call, its fault drill included; counted apart from the live traffic. */
  #shadowCall(run: Runnable, input: unknown): CallOutcome | Promise<CallOutcome> {
    const fault = this.#faultOf(run);
    if (fault === null || fault.delay_ms === 0) return this.#run(run, fault, input);
    return new Promise<void>((resolve) => setTimeout(resolve, fault.delay_ms)).then(() =>
      this.#run(run, fault, input),
    );
  }

  #done(
    run: Runnable,
    outcome: CallOutcome,
    cellId: string,
    revision: Revision,
    started: number,
    shadow: Loaded['shadow'] = null,
    input?: unknown,
    policy?: RolloutPolicy,
  ) {
    const version = revision.templateVersion;
    const durationMs = performance.now() - started;
    run.stats.record(durationMs, !outcome.ok);
    this.#hooks?.onCall(cellId, revision, durationMs, !outcome.ok, policy);
    // Mirrored only once the stable revision has answered; the queue runs it after this call returns.
    if (shadow !== null && outcome.ok && (shadow.share >= 1 || this.#random() < shadow.share)) {
      const target = shadow.run;
      this.#hooks?.mirror?.({
        cellId,
        revisionId: target.revision.id,
        input,
        stableOutput: outcome.output,
        run: () => this.#shadowCall(target, input),
      });
    }
    if (!outcome.ok) {
      return fail('cell_error', `cell ${cellId} (${version}): ${outcome.reason}`, {
        details: {
          cell: cellId,
          revision: version,
          ...outcome.details,
          ...(outcome.log === undefined ? {} : { log: outcome.log }),
        },
      });
    }
    return ok({
      output: outcome.output,
      revision: version,
      durationMs,
      ...(outcome.log === undefined ? {} : { log: outcome.log }),
    });
  }
}

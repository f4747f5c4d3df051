import type { CellAggregate } from '../../domain/cells/cell-model.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import { ErrorBurst, isBurst } from '../../domain/rollouts/error-burst.js';
import { DEFAULT_QUARANTINE, type RolloutPolicy } from '../../domain/rollouts/rollout-policy.js';
import type { CellMetrics } from '../cells/cell-metrics.js';
import type { CellService } from '../cells/cell-service.js';
import type { Clock, Store, Tx } from '../ports.js';

export const IMMUNE_ACTOR = 'immune';

export interface ImmuneOptions {
  readonly clock: Clock;
  readonly metrics: CellMetrics;
  /** Cell errors in a row on a stable revision that quarantine its cell when the policy says null (0: never). */
  readonly quarantineAfterErrors: number;
  readonly onError: (e: unknown, context: string) => void;
}

/**
 * The immune system (docs/rollouts.md "Immune system"): a stable revision that fails call after call, or
 * in a burst beyond its cell's policy, gets its cell quarantined and an `auto_heal` scheduled in the same
 * transaction; quarantine and release by hand. The counts are this instance's, in memory.
 */
export class ImmuneSystem {
  readonly #store: Store;
  readonly #cells: CellService;
  readonly #o: ImmuneOptions;
  readonly #errorsInARow = new Map<string, number>();
  readonly #bursts = new Map<string, ErrorBurst>();

  constructor(store: Store, cells: CellService, options: ImmuneOptions) {
    this.#store = store;
    this.#cells = cells;
    this.#o = options;
  }

  #now(): string {
    return new Date(this.#o.clock.now()).toISOString();
  }

  /** One call answered by a stable revision (`policy`: the cell's, as loaded with it). */
  onStableCall(cellId: string, revisionId: string, failed: boolean, policy: RolloutPolicy | undefined): void {
    const q = policy?.quarantine ?? DEFAULT_QUARANTINE;
    if (q.burst_errors > 0 && this.#burst(cellId, revisionId, failed, q)) return;
    const after = q.consecutive_errors ?? this.#o.quarantineAfterErrors;
    if (after === 0) return;
    if (!failed) {
      if (this.#errorsInARow.size > 0) this.#errorsInARow.delete(revisionId);
      return;
    }
    const n = (this.#errorsInARow.get(revisionId) ?? 0) + 1;
    if (n < after) {
      this.#errorsInARow.set(revisionId, n);
      return;
    }
    this.#errorsInARow.delete(revisionId);
    const reason = (v: string) => `${n} cell errors in a row on the stable revision ${v}`;
    this.#autoQuarantine(cellId, revisionId, reason, { errors: n }).catch((e: unknown) =>
      this.#o.onError(e, 'quarantine'),
    );
  }

  /** Counts the call in the revision's burst window; true when it set off a quarantine. */
  #burst(cellId: string, revisionId: string, failed: boolean, q: RolloutPolicy['quarantine']): boolean {
    let w = this.#bursts.get(revisionId);
    if (w === undefined || w.windowMs !== q.burst_window_ms) {
      w = new ErrorBurst(q.burst_window_ms);
      this.#bursts.set(revisionId, w);
    }
    const seen = w.add(this.#o.clock.now(), failed);
    if (seen === null || !isBurst(seen, q)) return false;
    w.reset();
    this.#errorsInARow.delete(revisionId);
    const reason = (v: string) =>
      `a burst of ${seen.errors} cell errors in ${seen.calls} calls within ${q.burst_window_ms} ms on the stable revision ${v} (policy: ${q.burst_errors} errors at ${q.burst_error_rate * 100}% or more)`;
    this.#autoQuarantine(cellId, revisionId, reason, {
      errors: seen.errors,
      calls: seen.calls,
      burst: true,
    }).catch((e: unknown) => this.#o.onError(e, 'quarantine'));
    return true;
  }

  /** The immune system's response to a stable revision failing call after call: quarantine and heal. */
  async #autoQuarantine(
    cellId: string,
    revisionId: string,
    reasonOf: (version: string) => string,
    extra: Record<string, unknown>,
  ): Promise<void> {
    const done = await this.#store.transaction(async (tx) => {
      const agg = await tx.cells.lockCell(cellId);
      const rev = agg?.revisions.find((r) => r.id === revisionId);
      if (agg === null || agg.cell.quarantine !== null || rev?.state !== 'stable') return false;
      const reason = reasonOf(rev.templateVersion);
      const quarantined = await this.#quarantineIn(tx, agg, reason, IMMUNE_ACTOR, {
        revision: rev.id,
        ...extra,
      });
      await this.#cells.commandIn(tx, quarantined, 'auto_heal', {
        version: rev.templateVersion,
        actor: IMMUNE_ACTOR,
        reason,
      });
      return true;
    });
    if (done) {
      this.#o.metrics.quarantines.inc();
      this.#o.metrics.autoHeals.inc();
    }
  }

  async #quarantineIn(
    tx: Tx,
    agg: CellAggregate,
    reason: string,
    actor: string,
    extra: Record<string, unknown>,
  ): Promise<CellAggregate> {
    const at = this.#now();
    const quarantine = { reason, at };
    const cell = { ...agg.cell, quarantine, updatedAt: at, version: agg.cell.version + 1 };
    await tx.cells.putCell(cell);
    await tx.appendEvent({
      type: 'immune.quarantine',
      subjectKind: 'cell',
      subjectId: agg.cell.id,
      actor,
      data: {
        action: 'cell.quarantine',
        reason,
        ...extra,
        before: { quarantine: null },
        after: { quarantine },
      },
    });
    return { ...agg, cell };
  }

  async quarantine(cellId: string, reason: string, actor: string): Promise<Result<CellAggregate>> {
    const r = await this.#store.transaction(async (tx): Promise<Result<CellAggregate>> => {
      const agg = await tx.cells.lockCell(cellId);
      if (agg === null) return fail('not_found', `no cell ${cellId}`);
      if (agg.cell.quarantine !== null)
        return fail(
          'invalid_transition',
          `cell ${cellId} is quarantined already: ${agg.cell.quarantine.reason}`,
        );
      return ok(await this.#quarantineIn(tx, agg, reason, actor, { manual: true }));
    });
    if (r.ok) this.#o.metrics.quarantines.inc();
    return r;
  }

  async release(cellId: string, reason: string | undefined, actor: string): Promise<Result<CellAggregate>> {
    return this.#store.transaction(async (tx): Promise<Result<CellAggregate>> => {
      const agg = await tx.cells.lockCell(cellId);
      if (agg === null) return fail('not_found', `no cell ${cellId}`);
      if (agg.cell.quarantine === null)
        return fail('invalid_transition', `cell ${cellId} is not quarantined`);
      const at = this.#now();
      const cell = { ...agg.cell, quarantine: null, updatedAt: at, version: agg.cell.version + 1 };
      await tx.cells.putCell(cell);
      await tx.appendEvent({
        type: 'immune.release',
        subjectKind: 'cell',
        subjectId: cellId,
        actor,
        data: {
          action: 'cell.release',
          ...(reason === undefined ? {} : { reason }),
          before: { quarantine: agg.cell.quarantine },
          after: { quarantine: null },
        },
      });
      return ok({ ...agg, cell });
    });
  }
}

import type { CellAggregate, Revision } from '../../domain/cells/cell-model.js';
import type { LifecycleCommand } from '../../domain/cells/cell-lifecycle.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import { addStats, emptyStats, minuteOf, type CallStats } from '../../domain/rollouts/call-stats.js';
import { readFault, type Fault } from '../../domain/rollouts/fault.js';
import { judge, type Judgement } from '../../domain/rollouts/judge.js';
import { readPolicy, storedPolicy, type RolloutPolicy } from '../../domain/rollouts/rollout-policy.js';
import { nextStep, passesInARow } from '../../domain/rollouts/rollout-step.js';
import type { CallHooks } from '../cells/cell-invoker.js';
import type { CellMetrics } from '../cells/cell-metrics.js';
import type { CellService, CommandOptions, RolloutHooks } from '../cells/cell-service.js';
import type { Clock, Store, Tx } from '../ports.js';
import type { Scheduler } from '../scheduler.js';
import type { CallRecorder } from './call-recorder.js';
import type { RolloutMetrics } from './rollout-metrics.js';
import type { RolloutsReads, StoredVerdict } from './rollout-ports.js';
import { shadowMismatches } from '../../domain/rollouts/shadow.js';
import { shadowReport, shadowTotals, type ShadowReport } from './shadow-report.js';
import { ImmuneSystem } from './immune-system.js';

export const ANALYSIS_ACTION = 'cell.analysis';
/** The actor of every move the judge makes, in histories and events. */
export const ANALYSIS_ACTOR = 'analysis';
export { IMMUNE_ACTOR } from './immune-system.js';

const ANALYSED = new Set(['canary', 'experimental']);

export interface PolicyView {
  readonly cell: string;
  readonly policy: RolloutPolicy;
  /** 0 while the cell runs on the defaults (nothing stored yet). */
  readonly version: number;
  readonly updatedAt: string | null;
  readonly updatedBy: string | null;
}

export interface AnalysisView {
  readonly cell: string;
  readonly revision: Revision;
  readonly awaitingApproval: boolean;
  readonly judgeFailed: boolean;
  readonly nextEvaluationAt: number | null;
  readonly verdicts: readonly StoredVerdict[];
  readonly nextCursor: number | null;
}

export interface RolloutOptions {
  readonly clock: Clock;
  readonly metrics: CellMetrics;
  readonly rolloutMetrics: RolloutMetrics;
  /** Cell errors in a row on a stable revision that quarantine its cell (0: never). */
  readonly quarantineAfterErrors: number;
  readonly faultsEnabled: () => boolean;
  readonly onError: (e: unknown, context: string) => void;
  /** Called right after a policy change commits: this instance's cached cell drops at once. */
  readonly onPolicyChanged?: (cellId: string) => void;
}

/** When the revision entered the state it is in: its analysis covers the calls from then on. */
const enteredAt = (r: Revision): string =>
  [...r.history].reverse().find((h) => h.to === r.state)?.at ?? r.updatedAt;

/**
 * Rollouts that decide (docs/rollouts.md): each cell's policy, the judge as a durable timer per analysed
 * revision, the approval guard, the immune system's quarantine, and the call path's hooks (statistics and
 * fault drills). Every change commits with its events in one transaction.
 */
export class RolloutService {
  readonly #store: Store;
  readonly #cells: CellService;
  readonly #recorder: CallRecorder;
  readonly #o: RolloutOptions;
  /** Quarantine: by the immune system on a failing stable revision, or by hand. */
  readonly immune: ImmuneSystem;

  constructor(store: Store, cells: CellService, recorder: CallRecorder, options: RolloutOptions) {
    this.#store = store;
    this.#cells = cells;
    this.#recorder = recorder;
    this.#o = options;
    this.immune = new ImmuneSystem(store, cells, options);
  }

  #now(): string {
    return new Date(this.#o.clock.now()).toISOString();
  }

  async #policyIn(reads: { readonly rollouts: RolloutsReads }, agg: CellAggregate): Promise<RolloutPolicy> {
    const stored = await reads.rollouts.policy(agg.cell.id);
    return storedPolicy(stored?.doc ?? {}, agg.cell.hitl);
  }

  // ---- policy -------------------------------------------------------------------------------------

  async policy(cellId: string): Promise<Result<PolicyView>> {
    const agg = await this.#store.cells.cell(cellId);
    if (agg === null) return fail('not_found', `no cell ${cellId}`);
    const stored = await this.#store.rollouts.policy(cellId);
    return ok({
      cell: cellId,
      policy: storedPolicy(stored?.doc ?? {}, agg.cell.hitl),
      version: stored?.version ?? 0,
      updatedAt: stored?.updatedAt ?? null,
      updatedBy: stored?.updatedBy ?? null,
    });
  }

  /** Replaces the policy (absent fields take their defaults, `hitl` the cell's current value). */
  async putPolicy(cellId: string, raw: unknown, actor: string): Promise<Result<PolicyView>> {
    const r = await this.#putPolicy(cellId, raw, actor);
    if (r.ok) this.#o.onPolicyChanged?.(cellId);
    return r;
  }

  async #putPolicy(cellId: string, raw: unknown, actor: string): Promise<Result<PolicyView>> {
    return this.#store.transaction(async (tx): Promise<Result<PolicyView>> => {
      const agg = await tx.cells.lockCell(cellId);
      if (agg === null) return fail('not_found', `no cell ${cellId}`);
      const read = readPolicy(raw, agg.cell.hitl);
      if (!read.ok) return read;
      const stored = await tx.rollouts.policy(cellId);
      const ifVersion = (raw as { if_version?: unknown }).if_version;
      if (ifVersion !== undefined && ifVersion !== (stored?.version ?? 0))
        return fail(
          'conflict',
          `the policy is at version ${stored?.version ?? 0}, not ${JSON.stringify(ifVersion)}`,
        );
      const before = storedPolicy(stored?.doc ?? {}, agg.cell.hitl);
      const now = this.#now();
      const version = (stored?.version ?? 0) + 1;
      await tx.rollouts.putPolicy({ cellId, doc: read.value, version, updatedAt: now, updatedBy: actor });
      await tx.cells.putCell({
        ...agg.cell,
        hitl: read.value.hitl,
        updatedAt: now,
        version: agg.cell.version + 1,
      });
      await tx.appendEvent({
        type: 'cell.policy_changed',
        subjectKind: 'cell',
        subjectId: cellId,
        actor,
        data: { action: 'cell.policy', version, before, after: read.value },
      });
      return ok({ cell: cellId, policy: read.value, version, updatedAt: now, updatedBy: actor });
    });
  }

  // ---- the lifecycle's hooks ----------------------------------------------------------------------

  readonly hooks: RolloutHooks = {
    guard: async (tx, _agg, target, command: LifecycleCommand, opts: CommandOptions) => {
      if (command !== 'approve') return ok(undefined);
      const [latest] = await tx.rollouts.verdicts(target.id, 1);
      if (latest?.verdict !== 'fail') return ok(undefined);
      if (opts.force !== true)
        return fail(
          'analysis_failed',
          `revision ${target.templateVersion}'s latest analysis verdict (#${latest.seq}) is fail: ${Array.isArray(latest.doc.reasons) ? latest.doc.reasons.join('; ') : ''}; approve with {force: true, reason} to override`,
          { details: { verdict: latest.seq } },
        );
      if (opts.reason === undefined || opts.reason.trim() === '')
        return fail('invalid_request', 'a forced approval needs a reason', {
          details: { field: 'body.reason' },
        });
      return ok(undefined);
    },
    moved: async (tx, agg, moved) => {
      const analysed = moved.filter((r) => ANALYSED.has(r.state));
      if (analysed.length === 0) return;
      const policy = await this.#policyIn(tx, agg);
      for (const r of analysed) await this.#schedule(tx, agg.cell.id, r, policy);
    },
  };

  async #schedule(tx: Tx, cellId: string, r: Revision, policy: RolloutPolicy): Promise<void> {
    await tx.scheduleTimer({
      at: this.#o.clock.now() + policy.analysis.interval_ms,
      subjectKind: 'cell',
      subjectId: cellId,
      action: ANALYSIS_ACTION,
      payload: { revision: r.id, state: r.state },
    });
  }

  // ---- the call path's hooks ----------------------------------------------------------------------

  readonly callHooks: CallHooks = {
    onCall: (cellId, revision, ms, failed, policy) => {
      this.#recorder.record(cellId, revision.id, ms, failed);
      if (revision.state === 'stable') this.immune.onStableCall(cellId, revision.id, failed, policy);
    },
    faultOf: (metadata): Fault | null => readFault(metadata).fault,
    faultsEnabled: () => this.#o.faultsEnabled(),
  };

  // ---- quarantine (the immune system) ------------------------------------------------------------

  quarantine(cellId: string, reason: string, actor: string): Promise<Result<CellAggregate>> {
    return this.immune.quarantine(cellId, reason, actor);
  }

  release(cellId: string, reason: string | undefined, actor: string): Promise<Result<CellAggregate>> {
    return this.immune.release(cellId, reason, actor);
  }

  // ---- statistics and verdicts --------------------------------------------------------------------

  async #sumSince(reads: Pick<Tx, 'rollouts'>, revisionId: string, fromMinute: number, toMinute: number) {
    const total = emptyStats();
    for (const m of await reads.rollouts.stats([revisionId], fromMinute, toMinute)) addStats(total, m.stats);
    return total;
  }

  /** The cell, or `not_found`: every read of a cell's rollout starts here. */
  async #cell(cellId: string): Promise<Result<CellAggregate>> {
    const agg = await this.#store.cells.cell(cellId);
    return agg === null ? fail('not_found', `no cell ${cellId}`) : ok(agg);
  }

  /** Per-revision statistics from the durable rollups, summed in steps of `stepMs` (whole minutes). */
  async stats(
    cellId: string,
    q: { version?: string; from: number; to: number; stepMs: number },
  ): Promise<
    Result<{ revision: Revision; totals: CallStats; points: { at: number; stats: CallStats }[] }[]>
  > {
    const found = await this.#cell(cellId);
    if (!found.ok) return found;
    const agg = found.value;
    const revisions =
      q.version === undefined ? agg.revisions : agg.revisions.filter((r) => r.templateVersion === q.version);
    if (revisions.length === 0) return fail('not_found', `cell ${agg.cell.id} has no revision ${q.version}`);
    const rows = await this.#store.rollouts.stats(
      revisions.map((r) => r.id),
      minuteOf(q.from),
      minuteOf(q.to),
    );
    const stepMinutes = Math.max(1, Math.round(q.stepMs / 60_000));
    return ok(
      revisions.map((revision) => {
        const totals = emptyStats();
        const points = new Map<number, CallStats>();
        for (const m of rows) {
          if (m.revisionId !== revision.id) continue;
          addStats(totals, m.stats);
          const step = Math.floor(m.minute / stepMinutes) * stepMinutes;
          let p = points.get(step);
          if (p === undefined) points.set(step, (p = emptyStats()));
          addStats(p, m.stats);
        }
        return {
          revision,
          totals,
          points: [...points.entries()]
            .sort((a, b) => a[0] - b[0])
            .map(([m, stats]) => ({ at: m * 60_000, stats })),
        };
      }),
    );
  }

  /** What the shadow revision answered compared with the stable one (docs/rollouts.md "Shadow traffic"). */
  async shadow(cellId: string, version?: string): Promise<Result<ShadowReport>> {
    const found = await this.#cell(cellId);
    if (!found.ok) return found;
    const agg = found.value;
    const policy = await this.#policyIn(this.#store, agg);
    return shadowReport(this.#store, agg, policy.shadow, minuteOf(this.#o.clock.now()), version);
  }

  /** The verdicts of one revision (default the newest), newest first, with where its rollout stands. */
  async analysis(
    cellId: string,
    q: { version?: string; before?: number; limit: number },
  ): Promise<Result<AnalysisView>> {
    const found = await this.#cell(cellId);
    if (!found.ok) return found;
    const agg = found.value;
    const revision =
      q.version === undefined
        ? agg.revisions.at(-1)
        : agg.revisions.find((r) => r.templateVersion === q.version);
    if (revision === undefined)
      return fail(
        'not_found',
        `cell ${agg.cell.id} has no revision${q.version === undefined ? '' : ` ${q.version}`}`,
      );
    const verdicts = await this.#store.rollouts.verdicts(revision.id, q.limit, q.before);
    const policy = await this.#policyIn(this.#store, agg);
    const inState = await this.#store.rollouts.verdictsInState(
      revision.id,
      revision.state,
      policy.analysis.passes_to_promote,
    );
    const [latest] = await this.#store.rollouts.verdicts(revision.id, 1);
    const timers = await this.#store.timersFor('cell', agg.cell.id);
    const next = timers
      .filter(
        (t) =>
          t.state === 'pending' &&
          t.action === ANALYSIS_ACTION &&
          (t.payload as { revision?: string }).revision === revision.id &&
          (t.payload as { state?: string }).state === revision.state,
      )
      .map((t) => t.dueAt)
      .sort((a, b) => a - b)[0];
    return ok({
      cell: agg.cell.id,
      revision,
      awaitingApproval:
        policy.hitl &&
        ANALYSED.has(revision.state) &&
        passesInARow(inState.newest.map((v) => v.verdict)) >= policy.analysis.passes_to_promote,
      judgeFailed: latest?.verdict === 'fail',
      nextEvaluationAt: next ?? null,
      verdicts,
      nextCursor: verdicts.length === q.limit ? verdicts.at(-1)!.seq : null,
    });
  }

  // ---- the judge's timer --------------------------------------------------------------------------

  registerTimers(scheduler: Scheduler): void {
    scheduler.register(ANALYSIS_ACTION, async (tx, timer) => {
      const payload = timer.payload as { revision?: string; state?: string };
      const agg = await tx.cells.lockCell(timer.subjectId);
      const rev = agg?.revisions.find((r) => r.id === payload.revision);
      if (agg === null || rev === undefined) return;
      const policy = await this.#policyIn(tx, agg);
      // A heal takes the revision out for a moment and brings it back: keep watching it.
      if (rev.state === 'healing' || (agg.cell.quarantine !== null && rev.state === payload.state)) {
        await this.#schedule(
          tx,
          agg.cell.id,
          { ...rev, state: (payload.state ?? rev.state) as Revision['state'] },
          policy,
        );
        return;
      }
      if (rev.state !== payload.state || !ANALYSED.has(rev.state)) return;
      await this.#evaluate(tx, agg, rev, policy);
    });
  }

  async #evaluate(tx: Tx, agg: CellAggregate, rev: Revision, policy: RolloutPolicy): Promise<void> {
    const now = this.#o.clock.now();
    const from = minuteOf(Date.parse(enteredAt(rev)));
    const to = minuteOf(now);
    const stable = agg.revisions.find((r) => r.state === 'stable');
    const canary = await this.#sumSince(tx, rev.id, from, to);
    const baseline = stable === undefined ? null : await this.#sumSince(tx, stable.id, from, to);
    const prior = await tx.rollouts.verdictsInState(rev.id, rev.state, policy.analysis.passes_to_promote);
    const look = prior.count + 1;
    // Judged on its shadow comparisons only while it is shadowed (then no comparison yet is no evidence).
    const shadow = policy.shadow.enabled
      ? shadowMismatches((await shadowTotals(tx, rev.id, from, to)).stats)
      : null;
    const j: Judgement = judge({ canary, baseline, shadow, look, policy: policy.analysis });
    const streak = j.verdict === 'pass' ? 1 + passesInARow(prior.newest.map((v) => v.verdict)) : 0;
    const step = nextStep(j.verdict, streak, policy);
    const seq = (await tx.rollouts.lastVerdictSeq(rev.id)) + 1;
    const at = new Date(now).toISOString();
    const doc = {
      window: look,
      reasons: j.reasons,
      canary: j.canary,
      baseline: j.baseline,
      baseline_version: stable?.templateVersion ?? null,
      tests: j.tests,
      passes_in_a_row: streak,
      step: step.kind,
    };
    const inserted = await tx.rollouts.insertVerdict({
      revisionId: rev.id,
      seq,
      cellId: agg.cell.id,
      version: rev.templateVersion,
      state: rev.state,
      verdict: j.verdict,
      doc,
      at,
    });
    if (!inserted) return; // judged already (cannot happen while timers fire once; kept as a guard)
    this.#o.rolloutMetrics.verdicts.labels(j.verdict).inc();
    await tx.appendEvent({
      type: 'cell.analysis',
      subjectKind: 'cell',
      subjectId: agg.cell.id,
      actor: ANALYSIS_ACTOR,
      data: {
        revision: rev.id,
        version: rev.templateVersion,
        state: rev.state,
        seq,
        verdict: j.verdict,
        ...doc,
      },
    });
    const reason = `analysis verdict #${seq} ${j.verdict}: ${j.reasons.join('; ')}`;
    const details = { verdict: { seq, verdict: j.verdict, reasons: j.reasons } };
    switch (step.kind) {
      case 'rollback': {
        const r = await this.#cells.commandIn(tx, agg, 'auto_rollback', {
          version: rev.templateVersion,
          actor: ANALYSIS_ACTOR,
          reason,
          details,
        });
        if (r.ok) {
          this.#o.metrics.autoRollbacks.inc();
          this.#o.metrics.rollbacks.inc();
        }
        return;
      }
      case 'hold':
        return; // marked failed by its verdict; a person decides (approve needs force)
      case 'promote': {
        const r = await this.#cells.commandIn(tx, agg, 'approve', {
          version: rev.templateVersion,
          actor: ANALYSIS_ACTOR,
          reason,
          details,
        });
        if (r.ok) this.#o.metrics.approvals.inc();
        return; // the next state's analysis is scheduled by the move itself
      }
      case 'await_approval':
        if (step.first)
          await tx.appendEvent({
            type: 'cell.awaiting_approval',
            subjectKind: 'cell',
            subjectId: agg.cell.id,
            actor: ANALYSIS_ACTOR,
            data: {
              revision: rev.id,
              version: rev.templateVersion,
              state: rev.state,
              verdict: seq,
              passes_in_a_row: streak,
              reasons: j.reasons,
            },
          });
        break;
      case 'continue':
        break;
    }
    await this.#schedule(tx, agg.cell.id, rev, policy);
  }
}

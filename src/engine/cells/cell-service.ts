import { actorOf, type Principal } from '../../domain/access.js';
import { nextState, type LifecycleCommand, type RevisionState } from '../../domain/cells/cell-lifecycle.js';
import {
  cellIdOf,
  revisionIdOf,
  type Cell,
  type CellAggregate,
  type Revision,
  type StoredTemplate,
  type Transition,
} from '../../domain/cells/cell-model.js';
import { templateHash, type Backend, type CellTemplate } from '../../domain/cells/cell-template.js';
import { compareSemver } from '../../domain/cells/semver.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import type { Clock, Store, Tx } from '../ports.js';
import type { Scheduler } from '../scheduler.js';
import type { CellMetrics } from './cell-metrics.js';
import type { DryRun, SelectAnswer } from '../../contract/cells.js';
import type { OrganTemplate } from '../../domain/organs/organ-template.js';
import { CellBackends } from './cell-backends.js';
import { readFault } from '../../domain/rollouts/fault.js';
import { resolveCellId, resolveOrganCells } from './cell-id-resolver.js';
import { dryRunWithFiles, type CapabilityLevelOf } from './cell-dryrun.js';
import type { CellQuery } from './cell-ports.js';
import { selectCell, type SelectRequest } from './cell-selector.js';
import { registerTemplateIn } from './cell-registry.js';
import { putDraftRevision } from './draft-revision.js';

export const HEAL_ACTION = 'cell.heal';

/** What a lifecycle command is told besides the command: who, why, and for approvals whether forced. */
export interface CommandOptions {
  readonly version?: string;
  readonly actor: string;
  readonly reason?: string;
  /** An approval past a failing analysis verdict (docs/rollouts.md); audited in the event. */
  readonly force?: boolean;
  /** Added to the transition event's data (the verdict behind an automatic move). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * How rollouts (src/engine/rollouts/) take part in a lifecycle command, inside its transaction: a guard
 * that may refuse it, and a notice of every revision that moved (to schedule its analysis).
 */
export interface RolloutHooks {
  guard(
    tx: Tx,
    agg: CellAggregate,
    target: Revision,
    command: LifecycleCommand,
    opts: CommandOptions,
  ): Promise<Result<void>>;
  moved(tx: Tx, agg: CellAggregate, moved: readonly Revision[]): Promise<void>;
}

export interface CommandOutcome {
  readonly id: string;
  readonly state: RevisionState;
  readonly version: string;
}

/**
 * The state a heal returns a revision to: the one it is in, or for a `failed` revision (only a failed heal
 * leads there) the state it had before its first failed heal.
 */
const healReturnState = (r: Revision): RevisionState =>
  r.state !== 'failed'
    ? r.state
    : ([...r.history].reverse().find((h) => h.to === 'healing' && h.from !== null && h.from !== 'failed')
        ?.from ?? 'draft');

/**
 * Cells and their revisions: fabrication of draft revisions, the lifecycle commands, and auto-heal as a
 * durable timer. Each change locks the cell row, writes revisions, cell and events in one transaction.
 */
export class CellService {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #metrics: CellMetrics;
  readonly #onChange: (cellId: string) => void;
  readonly #backends: CellBackends;
  #hooks: RolloutHooks | null = null;

  constructor(
    store: Store,
    clock: Clock,
    metrics: CellMetrics,
    onChange: (cellId: string) => void,
    backends: CellBackends = new CellBackends(),
  ) {
    this.#store = store;
    this.#clock = clock;
    this.#metrics = metrics;
    this.#onChange = onChange;
    this.#backends = backends;
  }

  setRolloutHooks(hooks: RolloutHooks): void {
    this.#hooks = hooks;
  }

  /** A lifecycle command inside a transaction that has locked the cell already (timers of rollouts). */
  commandIn(
    tx: Tx,
    agg: CellAggregate,
    command: LifecycleCommand,
    opts: CommandOptions,
  ): Promise<Result<CommandOutcome>> {
    return this.#apply(tx, agg, command, opts);
  }

  #now(): string {
    return new Date(this.#clock.now()).toISOString();
  }

  /** A cell id as a client sent it, full or bare (the one rule: `cell-id-resolver.ts`). */
  resolveId(ref: string): Promise<Result<string>> {
    return resolveCellId(this.#store.cells, ref);
  }

  /** An organ template with every cell reference resolved by the same rule. */
  resolveOrganCells(t: OrganTemplate): Promise<Result<OrganTemplate>> {
    return resolveOrganCells(this.#store.cells, t);
  }

  /** One cell with its revisions, or null. */
  get(id: string): Promise<CellAggregate | null> {
    return this.#store.cells.cell(id);
  }

  /** Cells paged by id; with `state`, only those with a revision in that state. */
  list(q: CellQuery): Promise<CellAggregate[]> {
    return this.#store.cells.cells(q);
  }

  /** What fabricating this template would do; changes nothing. */
  dryRun(backend: Backend, template: CellTemplate, capabilityLevel: CapabilityLevelOf): Promise<DryRun> {
    return dryRunWithFiles(this.#store, backend, template, capabilityLevel, this.#backends);
  }

  /** Reuse a cell of this type that policy allows, or a fabrication request ready to dry-run. */
  select(req: SelectRequest): Promise<SelectAnswer> {
    return selectCell(this.#store, req);
  }

  /** Registers the template if needed and creates a draft revision of `<backend>:<template id>`. */
  async fabricate(
    backend: Backend,
    given: CellTemplate,
    hitl: boolean,
    principal: Principal,
  ): Promise<Result<CommandOutcome>> {
    if (!this.#backends.available(backend)) {
      return fail('backend_unavailable', `the ${backend} backend has no runtime in this process`);
    }
    const pinned = await this.#backends.pin(given);
    if (pinned.problems.length > 0)
      return fail(
        'invalid_template',
        `invalid cell template: ${pinned.problems.map((p) => p.message).join('; ')}`,
        {
          details: { problems: pinned.problems.map((p) => p.message), risks: pinned.problems },
        },
      );
    // Registered with the SHA-256 of the files it names pinned: a later change to one is detected.
    const template = pinned.template;
    const fault = readFault(template.metadata).problem;
    const problems = [
      ...(await this.#backends.problems(backend, template)).map((p) => p.message),
      ...(fault === null ? [] : [`$.${fault}`]),
    ];
    if (problems.length > 0)
      return fail('invalid_template', `invalid cell template: ${problems.join('; ')}`, {
        details: { problems },
      });
    const actor = actorOf(principal);
    const id = cellIdOf(backend, template.id);
    const result = await this.#store.transaction(
      async (tx): Promise<Result<CommandOutcome & { created: boolean }>> => {
        const now = this.#now();
        const reg = await registerTemplateIn(tx, template, { source: 'api', sourcePath: null, actor, now });
        if (!reg.ok) return reg;
        const existing = await tx.cells.lockCell(id);
        const revId = revisionIdOf(id, template.version);
        const already = existing?.revisions.find((r) => r.id === revId);
        if (already !== undefined)
          return ok({ id, state: already.state, version: already.templateVersion, created: false });
        const cell: Cell = existing?.cell ?? {
          id,
          backend,
          templateId: template.id,
          hitl,
          quarantine: null,
          createdAt: now,
          updatedAt: now,
          createdBy: actor,
          version: 0,
        };
        await tx.cells.putCell({ ...cell, hitl, updatedAt: now, version: cell.version + 1 });
        await putDraftRevision(tx, {
          cellId: id,
          revisionId: revId,
          version: template.version,
          actor,
          now,
          hitl,
        });
        return ok({ id, state: 'draft', version: template.version, created: true });
      },
    );
    if (result.ok && result.value.created) {
      this.#metrics.created.inc();
      this.#metrics.createdLegacy.inc();
      this.#onChange(id);
    }
    return result;
  }

  /**
   * A draft revision made inside the caller's transaction (a training job's proposal commits with the
   * job's own step). The same records as `fabricate` writes for a new version of an existing cell; the
   * invoker's cache learns of it from the event.
   */
  async draftIn(
    tx: Tx,
    cellId: string,
    template: CellTemplate,
    actor: string,
    reason: string,
  ): Promise<Result<CommandOutcome>> {
    const agg = await tx.cells.lockCell(cellId);
    if (agg === null) return fail('not_found', `no cell ${cellId}`);
    const problems = (await this.#backends.problems(agg.cell.backend, template)).map((p) => p.message);
    if (problems.length > 0) return fail('invalid_template', `invalid cell template: ${problems.join('; ')}`);
    const now = this.#now();
    const reg = await registerTemplateIn(tx, template, { source: 'api', sourcePath: null, actor, now });
    if (!reg.ok) return reg;
    const revId = revisionIdOf(cellId, template.version);
    if (agg.revisions.some((r) => r.id === revId)) return fail('version_exists', `revision ${revId} exists`);
    await tx.cells.putCell({ ...agg.cell, updatedAt: now, version: agg.cell.version + 1 });
    await putDraftRevision(tx, { cellId, revisionId: revId, version: template.version, actor, now, reason });
    this.#metrics.created.inc();
    return ok({ id: cellId, state: 'draft', version: template.version });
  }

  /** One lifecycle command inside the caller's transaction, on a cell it has not locked yet (see `draftIn`). */
  async commandByIdIn(
    tx: Tx,
    cellId: string,
    command: LifecycleCommand,
    opts: { version?: string; actor: string; reason?: string },
  ): Promise<Result<CommandOutcome>> {
    const agg = await tx.cells.lockCell(cellId);
    if (agg === null) return fail('not_found', `no cell ${cellId}`);
    return this.#apply(tx, agg, command, opts);
  }

  /** Applies one lifecycle command to a revision (`version`, default the newest). */
  async command(
    cellId: string,
    command: LifecycleCommand,
    opts: CommandOptions,
  ): Promise<Result<CommandOutcome>> {
    const started = this.#clock.now();
    const result = await this.#store.transaction(async (tx) => {
      const agg = await tx.cells.lockCell(cellId);
      if (agg === null) return fail('not_found', `no cell ${cellId}`);
      return this.#apply(tx, agg, command, opts);
    });
    if (result.ok) {
      if (command === 'approve') this.#metrics.approvals.inc();
      if (command === 'rollback' || command === 'auto_rollback') this.#metrics.rollbacks.inc();
      if (command === 'auto_heal') this.#metrics.autoHeals.inc();
      if (command === 'auto_rollback') {
        this.#metrics.autoRollbacks.inc();
        this.#metrics.autoResponse.observe((this.#clock.now() - started) / 1000);
      }
      this.#onChange(cellId);
    }
    return result;
  }

  async #apply(
    tx: Tx,
    agg: CellAggregate,
    command: LifecycleCommand,
    opts: CommandOptions,
  ): Promise<Result<CommandOutcome>> {
    const target =
      opts.version === undefined
        ? agg.revisions.at(-1)
        : agg.revisions.find((r) => r.templateVersion === opts.version);
    if (target === undefined) {
      return fail(
        'not_found',
        opts.version === undefined
          ? `cell ${agg.cell.id} has no revision`
          : `cell ${agg.cell.id} has no revision ${opts.version}`,
      );
    }
    const move = nextState(target.state, command);
    if (!move.ok) {
      return fail(
        'invalid_transition',
        `cannot ${command} revision ${target.templateVersion} in state ${target.state}; allowed: ${move.allowed.join(', ') || 'none'}`,
        {
          details: { state: target.state, allowed: move.allowed },
        },
      );
    }
    if (this.#hooks !== null) {
      const allowed = await this.#hooks.guard(tx, agg, target, command, opts);
      if (!allowed.ok) return allowed;
    }
    const now = this.#now();
    const changes: [Revision, RevisionState, Transition['command']][] = [[target, move.to, command]];
    if (move.to === 'stable') {
      for (const r of agg.revisions)
        if (r.state === 'stable' && r.id !== target.id) changes.push([r, 'deprecated', 'superseded']);
    }
    if (move.to === 'rolled_back' && target.state === 'stable') {
      // Serving returns to the last stable revision: the newest one this revision had superseded.
      const previous = agg.revisions
        .filter((r) => r.state === 'deprecated' && r.id !== target.id)
        .sort((a, b) => compareSemver(a.templateVersion, b.templateVersion))
        .at(-1);
      if (previous !== undefined) changes.push([previous, 'stable', 'restored']);
    }
    const moved: Revision[] = [];
    for (const [r, to, cmd] of changes) {
      const transition: Transition = {
        from: r.state,
        to,
        command: cmd,
        actor: opts.actor,
        at: now,
        ...(opts.reason === undefined ? {} : { reason: opts.reason }),
      };
      const next: Revision = {
        ...r,
        state: to,
        priorState: to === 'healing' ? healReturnState(r) : null,
        history: [...r.history, transition],
        updatedAt: now,
      };
      await tx.cells.putRevision(next);
      moved.push(next);
      this.#metrics.transitions.labels(r.state, to).inc();
      await tx.appendEvent({
        type:
          cmd === 'auto_heal'
            ? 'factory.auto_heal'
            : cmd === 'auto_rollback'
              ? 'factory.auto_rollback'
              : 'cell.transition',
        subjectKind: 'cell',
        subjectId: agg.cell.id,
        actor: opts.actor,
        data: {
          action: `cell.${cmd}`,
          revision: r.id,
          version: r.templateVersion,
          before: { state: r.state },
          after: { state: to },
          ...(opts.reason === undefined ? {} : { reason: opts.reason }),
          ...(opts.force === true && cmd === 'approve' ? { forced: true } : {}),
          ...opts.details,
        },
      });
    }
    await tx.cells.putCell({ ...agg.cell, updatedAt: now, version: agg.cell.version + 1 });
    await this.#hooks?.moved(tx, agg, moved);
    if (move.to === 'healing') {
      await tx.scheduleTimer({
        at: this.#clock.now(),
        subjectKind: 'cell',
        subjectId: agg.cell.id,
        action: HEAL_ACTION,
        payload: { revision: target.id },
      });
    }
    return ok({ id: agg.cell.id, state: move.to, version: target.templateVersion });
  }

  /**
   * The heal itself, run by a durable timer: re-check the template (stored hash), re-initialise the
   * runtime (operation and configuration), run a smoke invocation. Success returns the revision to the
   * state it had (and lifts a quarantine); failure leaves it `failed`.
   */
  registerTimers(scheduler: Scheduler, integrity: (stored: StoredTemplate) => Promise<string | null>): void {
    scheduler.register(HEAL_ACTION, async (tx, timer) => {
      const agg = await tx.cells.lockCell(timer.subjectId);
      const revId = (timer.payload as { revision?: string }).revision;
      const rev = agg?.revisions.find((r) => r.id === revId);
      if (agg === null || rev?.state !== 'healing') return;
      const stored = await tx.cells.template(agg.cell.templateId, rev.templateVersion);
      const problems: string[] = [];
      if (stored === null) problems.push('template is not registered');
      else {
        if (templateHash(stored.template) !== stored.sha256)
          problems.push('stored template does not match its hash');
        const fileProblem = await integrity(stored);
        if (fileProblem !== null) problems.push(fileProblem);
        problems.push(
          ...(await this.#backends.problems(agg.cell.backend, stored.template)).map((p) => p.message),
        );
        const runtime =
          problems.length === 0 ? await this.#backends.runtime(agg.cell.backend, rev.id, stored) : null;
        if (problems.length === 0 && runtime === null) problems.push('the runtime cannot be initialised');
        if (runtime !== null) {
          const smoke = await runtime.call(stored.template.metadata.smoke_input ?? 'smoke test');
          if (!smoke.ok) problems.push(`smoke invocation failed: ${smoke.reason}`);
        }
      }
      const now = this.#now();
      const healed = problems.length === 0;
      const to: RevisionState = healed ? (rev.priorState ?? 'draft') : 'failed';
      await tx.cells.putRevision({
        ...rev,
        state: to,
        priorState: null,
        history: [
          ...rev.history,
          {
            from: 'healing',
            to,
            command: healed ? 'heal_succeeded' : 'heal_failed',
            actor: 'system',
            at: now,
            ...(healed ? {} : { reason: problems.join('; ') }),
          },
        ],
        updatedAt: now,
      });
      await tx.cells.putCell({
        ...agg.cell,
        quarantine: healed ? null : agg.cell.quarantine,
        updatedAt: now,
        version: agg.cell.version + 1,
      });
      await tx.appendEvent({
        type: healed ? 'factory.auto_heal.succeeded' : 'factory.auto_heal.failed',
        subjectKind: 'cell',
        subjectId: agg.cell.id,
        actor: 'system',
        data: {
          action: 'cell.heal',
          revision: rev.id,
          before: { state: 'healing' },
          after: { state: to },
          problems,
        },
      });
      this.#metrics.transitions.labels('healing', to).inc();
      this.#metrics.autoResponse.observe(Math.max(0, this.#clock.now() - Date.parse(timer.createdAt)) / 1000);
      // The invoker's cache learns of it from the event log.
    });
  }
}

import { fail, ok, type Result } from '../../domain/errors.js';
import type { Assignment, Room } from '../../domain/runs/assignments.js';
import {
  isTerminal,
  latestOf,
  type Run,
  type RunAggregate,
  type RunStatus,
} from '../../domain/runs/run-model.js';
import {
  decide,
  describeAction,
  newSupervision,
  type SupervisedWork,
  type SupervisorAction,
} from '../../domain/runs/supervisor.js';
import {
  checkpointPrompt,
  issuePrompt,
  planningPrompt,
  verificationPrompt,
} from '../../domain/runs/supervisor-prompts.js';
import type { TimerRecord } from '../../domain/timer.js';
import type { VerificationOutcome } from '../../runtime/verification-runner.js';
import type { Clock, Tx } from '../ports.js';
import type { Scheduler } from '../scheduler.js';
import { patchIssue, wireNames } from './run-authoring.js';
import type { RunDraft } from './run-draft.js';
import { advance, cancel, superviseSteps } from './run-lifecycle.js';
import { SUPERVISE_ACTION, WITHDRAW_ACTION, type Caller, type RunService } from './run-service.js';
import {
  decided,
  failRun,
  retryRun,
  setSupervision,
  supervisedWork,
  verificationRound,
} from './supervisor-steps.js';

export interface SupervisionSettings {
  readonly roomId?: string;
  readonly maxAttempts?: number;
  readonly maxVerificationRounds?: number;
  readonly promptTemplate?: string;
}

export interface Started {
  readonly runId: string;
  readonly status: RunStatus;
  readonly actions: string[];
}

/** Runs the commands of a verification plan on the host (outside any transaction). */
export interface HostVerifier {
  /** Null when the host may not verify now (capability `factory_verify` locked). */
  allowed(): boolean;
  run(commands: unknown): Promise<Result<VerificationOutcome>>;
}

export interface SupervisorOptions {
  /**
   * How long a host verification of these commands holds the run before another instance may take it
   * over (the sum of their timeouts and a margin: a live verifier always finishes inside it).
   */
  readonly verifyLeaseMs: (commands: unknown) => number;
  /** How soon a run that found no room to dispatch to looks again. */
  readonly stalledRetryMs: number;
  readonly onError: (e: unknown, context: string) => void;
}

/**
 * The run supervisor: a durable loop per run on the event log and timers. Every change to a supervised
 * run schedules a supervise timer; firing it locks the run, decides (`domain/runs/supervisor.ts`), and
 * persists each action with its events in the timer's transaction. Dispatches carry an action key that
 * is unique per run in the store, so a replayed or concurrent decision cannot queue work twice; the run's
 * row lock (PostgreSQL) serialises two instances deciding on one run.
 */
export class RunSupervisor {
  readonly #runs: RunService;
  readonly #clock: Clock;
  readonly #verifier: HostVerifier;
  readonly #opts: SupervisorOptions;
  /** Host verifications decided in a transaction, to start once it has committed (`afterFired`). */
  readonly #toVerify = new Map<string, string>();
  readonly #verifying = new Set<Promise<void>>();

  constructor(runs: RunService, clock: Clock, verifier: HostVerifier, opts: SupervisorOptions) {
    this.#runs = runs;
    this.#clock = clock;
    this.#verifier = verifier;
    this.#opts = opts;
  }

  registerTimers(scheduler: Scheduler): void {
    scheduler.register(SUPERVISE_ACTION, async (tx, timer) => {
      await this.tick(tx, timer.subjectId);
    });
    scheduler.register(WITHDRAW_ACTION, (tx, timer) => this.#withdraw(tx, timer));
  }

  /** Told by the scheduler after a timer's transaction committed: starts the host verification it decided. */
  afterFired(timer: TimerRecord): void {
    if (timer.action !== SUPERVISE_ACTION) return;
    const key = this.#toVerify.get(timer.subjectId);
    if (key === undefined) return;
    this.#toVerify.delete(timer.subjectId);
    const p = this.#verify(timer.subjectId, key)
      .catch((e: unknown) => this.#opts.onError(e, 'supervised verification'))
      .finally(() => this.#verifying.delete(p));
    this.#verifying.add(p);
  }

  /** Waits for host verifications under way (shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.#verifying]);
  }

  /**
   * Hands a run to the supervisor (its settings on the first start; later starts may change them) and
   * takes the first steps at once. Answers the run's status and the decisions in words.
   */
  start(runId: string, caller: Caller, settings: SupervisionSettings): Promise<Result<Started>> {
    return this.#runs.store.transaction(async (tx) => {
      const room = settings.roomId === undefined ? null : await tx.assignments.room(settings.roomId);
      const r = await this.#runs.changeIn(tx, runId, caller, (d) => {
        if (isTerminal(d.run.status)) return ok(null);
        if (settings.roomId !== undefined && (room === null || room.tenant !== d.run.tenant))
          return fail(
            'invalid_request',
            `body.room_id: no room ${settings.roomId} in tenant ${d.run.tenant}`,
            {
              details: { field: 'body.room_id' },
            },
          );
        const current = d.run.supervision ?? null;
        const given = {
          ...(settings.roomId === undefined ? {} : { roomId: settings.roomId }),
          ...(settings.maxAttempts === undefined ? {} : { maxAttempts: settings.maxAttempts }),
          ...(settings.maxVerificationRounds === undefined
            ? {}
            : { maxVerificationRounds: settings.maxVerificationRounds }),
          ...(settings.promptTemplate === undefined ? {} : { promptTemplate: settings.promptTemplate }),
        };
        if (current === null) {
          d.patchRun({ supervision: newSupervision(given) });
          decided(d, 'supervising the run');
        } else if (Object.keys(given).length > 0) {
          d.patchRun({ supervision: { ...current, ...given } });
          decided(d, `settings changed: ${wireNames(given).join(', ')}`);
        }
        return ok(null);
      });
      if (!r.ok) return r;
      const actions = await this.tick(tx, runId);
      const run = await tx.runs.run(runId);
      return ok({ runId, status: run!.status, actions });
    });
  }

  /**
   * Cancels a run and withdraws its queued and leased assignments in the same transaction. The
   * assignments are taken (row-locked by the update) before the run, the order every other path takes.
   */
  async cancel(runId: string, caller: Caller, reason: string | null): Promise<Result<Run>> {
    const refused = new Error('refused');
    let failure: Result<Run> | null = null;
    try {
      return await this.#runs.store.transaction(async (tx) => {
        const at = new Date(this.#clock.now()).toISOString();
        const gone = await tx.assignments.cancelOpenForRun(runId, at);
        const r = await this.#runs.changeIn(tx, runId, caller, (d) => {
          const c = cancel(d, reason);
          if (!c.ok) return c;
          for (const a of gone) d.event('assignment.withdrawn', withdrawn(a, 'cancelled'));
          return ok(d.run);
        });
        if (!r.ok) {
          // Nothing may change when the cancel is refused: the withdrawal rolls back with it.
          failure = r;
          throw refused;
        }
        return r;
      });
    } catch (e) {
      if (e === refused && failure !== null) return failure;
      throw e;
    }
  }

  /** The run's assignments, oldest first (the protocol's `factory_assignments`). */
  async assignments(runId: string, caller: Caller): Promise<Result<Assignment[]>> {
    const run = await this.#runs.get(runId, caller);
    if (!run.ok) return run;
    return ok(await this.#runs.store.assignments.forRun(runId));
  }

  /** Reopens a run the supervisor failed where it failed, with fresh attempts (root). */
  retry(runId: string, caller: Caller): Promise<Result<Started>> {
    return this.#runs.store.transaction(async (tx) => {
      const r = await this.#runs.changeIn(tx, runId, caller, (d) => {
        const done = retryRun(d);
        if (done.ok) decided(d, `retried from ${d.run.status}`);
        return done;
      });
      if (!r.ok) return r;
      const actions = await this.tick(tx, runId);
      const run = await tx.runs.run(runId);
      return ok({ runId, status: run!.status, actions });
    });
  }

  /** One supervise step of a run, inside the caller's transaction; answers the decisions in words. */
  async tick(tx: Tx, runId: string): Promise<string[]> {
    // The run's lock first: the assignments read after it are the ones its last change left.
    const run = await tx.runs.lockRun(runId);
    if (run === null || isTerminal(run.status)) return [];
    if (run.supervision === null || run.supervision === undefined) {
      // A run made auto-advancing before the supervisor existed only advances, as it always did.
      const r = await this.#runs.changeIn(tx, runId, null, superviseSteps);
      return r.ok ? r.value.actions : [];
    }
    const work: SupervisedWork[] = (await tx.assignments.forRun(runId)).map(supervisedWork);
    const room = await this.#room(tx, run.tenant, run.supervision.roomId);
    const said: string[] = [];
    for (let round = 0; round < 10; round += 1) {
      const queued: Assignment[] = [];
      let verifyKey: string | null = null;
      let stalled = false;
      const r = await this.#runs.changeIn(tx, runId, null, (d) => {
        const actions = decide(d.agg, work, {
          now: this.#clock.now(),
          hostVerifies: this.#verifier.allowed(),
        });
        const words: string[] = [];
        for (const a of actions) {
          const done = this.#apply(d, a, room, queued);
          if (!done.ok) return done;
          if (done.value === 'stalled') {
            stalled = true;
            continue;
          }
          if (a.type === 'verify') verifyKey = a.key;
          const text = describeAction(a, d.agg, room?.id ?? null);
          decided(d, text, {
            action: a.type,
            ...(a.type === 'dispatch' ? { key: a.key, kind: a.kind } : {}),
          });
          words.push(text);
        }
        if (!stalled && d.run.supervision?.stalled != null) setSupervision(d, { stalled: null });
        return ok({ words, again: actions.some((a) => a.type === 'advance') });
      });
      if (!r.ok) {
        this.#opts.onError(new Error(`${r.error.code}: ${r.error.reason}`), `supervising run ${runId}`);
        return said;
      }
      // Inserted in the same transaction: the unique (run, action key) index refuses a second copy.
      for (const a of queued) await tx.assignments.insertAssignment(a);
      for (const a of queued) work.push(supervisedWork(a));
      if (verifyKey !== null) this.#toVerify.set(runId, verifyKey);
      if (stalled) {
        await tx.scheduleTimer({
          at: this.#clock.now() + this.#opts.stalledRetryMs,
          subjectKind: 'run',
          subjectId: runId,
          action: SUPERVISE_ACTION,
        });
      }
      said.push(...r.value.words);
      if (!r.value.again) break;
    }
    return said;
  }

  #apply(
    d: RunDraft,
    a: SupervisorAction,
    room: Room | null,
    queued: Assignment[],
  ): Result<'done' | 'stalled'> {
    switch (a.type) {
      case 'advance': {
        const r = advance(d);
        return r.ok ? ok('done') : r;
      }
      case 'fail': {
        const r = failRun(d, a.reason, a.issueId);
        return r.ok ? ok('done') : r;
      }
      case 'verify': {
        const plan = latestOf(d.agg.artifacts, ['verification_plan']);
        const commands = (plan?.payload as { commands?: unknown } | undefined)?.commands;
        const until = this.#clock.now() + this.#opts.verifyLeaseMs(commands);
        setSupervision(d, { verifying: { key: a.key, until } });
        return ok('done');
      }
      case 'dispatch': {
        if (room === null) {
          const why = `no active room to dispatch to in tenant ${d.run.tenant}: create one (POST /llm/rooms)`;
          if (d.run.supervision?.stalled !== why) setSupervision(d, { stalled: why });
          return ok('stalled');
        }
        const prompt = this.#prompt(d.agg, a);
        if (a.issueId !== null) {
          const p = patchIssue(d, a.issueId, { status: 'running', assignedRoomId: room.id });
          if (!p.ok) return p;
        }
        const asg: Assignment = {
          id: this.#runs.newId('asg'),
          tenant: d.run.tenant,
          roomId: room.id,
          runId: d.run.id,
          issueId: a.issueId,
          kind: a.kind,
          actionKey: a.key,
          state: 'queued',
          prompt,
          leaseToken: null,
          leaseUntil: null,
          attempts: 0,
          result: null,
          createdAt: d.now,
          updatedAt: d.now,
          version: 1,
        };
        queued.push(asg);
        d.event('issue.dispatched', {
          targetKind: 'assignment',
          targetId: asg.id,
          stageId: d.agg.issues.find((i) => i.id === a.issueId)?.stageId ?? null,
          issueId: a.issueId,
          room: room.id,
          context: {
            assignment_id: asg.id,
            kind: a.kind,
            action_key: a.key,
            attempt: a.attempt,
            prompt_chars: prompt.length,
            by: 'supervisor',
          },
        });
        return ok('done');
      }
    }
  }

  #prompt(agg: RunAggregate, a: Extract<SupervisorAction, { type: 'dispatch' }>): string {
    switch (a.kind) {
      case 'planning':
        return planningPrompt(agg, a.attempt, a.failureNotes);
      case 'verification':
        return verificationPrompt(agg, a.attempt);
      case 'checkpoint':
        return checkpointPrompt(agg, a.attempt, a.failureNotes);
      case 'issue':
        return issuePrompt(
          agg,
          agg.issues.find((i) => i.id === a.issueId)!,
          a.attempt,
          a.failureNotes,
        );
    }
  }

  async #room(tx: Tx, tenant: string, roomId: string | null): Promise<Room | null> {
    const room =
      roomId === null ? await tx.assignments.oldestRoom(tenant) : await tx.assignments.room(roomId);
    return room !== null && room.tenant === tenant && room.status === 'active' ? room : null;
  }

  /** Runs the latest verification plan on the host, then records the round if the run still waits for it. */
  async #verify(runId: string, key: string): Promise<void> {
    const agg = await this.#runs.store.runs.aggregate(runId);
    const plan = agg === null ? undefined : latestOf(agg.artifacts, ['verification_plan']);
    if (agg === null || plan === undefined || agg.run.supervision?.verifying?.key !== key) return;
    const outcome = await this.#verifier.run((plan.payload as { commands?: unknown }).commands);
    const report = outcome.ok
      ? { ...outcome.value, source: 'verification_plan' }
      : {
          success: false,
          source: 'verification_plan',
          error: outcome.error.reason,
          commands: [] as unknown[],
        };
    const failing = failingCommands(report);
    await this.#runs.change(runId, null, (d) => {
      // Another instance took over after this one's lease ran out, or the run moved on: theirs counts.
      if (d.run.supervision?.verifying?.key !== key || d.run.status !== 'verifying') return ok(null);
      return verificationRound(d, report, [plan.id], failing);
    });
  }

  /** A finished run's queued and leased work is withdrawn: nobody may work on it any more. */
  async #withdraw(tx: Tx, timer: TimerRecord): Promise<void> {
    const at = new Date(this.#clock.now()).toISOString();
    const gone = await tx.assignments.cancelOpenForRun(timer.subjectId, at);
    const run = gone.length === 0 ? null : await tx.runs.run(timer.subjectId);
    for (const a of gone) {
      const t = withdrawn(a, run?.status ?? null);
      await tx.appendEvent({
        type: 'assignment.withdrawn',
        subjectKind: 'run',
        subjectId: a.runId,
        tenant: a.tenant,
        actor: 'system',
        data: {
          event_type: 'assignment.withdrawn',
          run_id: a.runId,
          target_kind: t.targetKind,
          target_id: t.targetId,
          ...(a.issueId === null ? {} : { issue_id: a.issueId }),
          room: a.roomId,
          context: t.context,
        },
      });
    }
  }
}

const withdrawn = (a: Assignment, runStatus: string | null) => ({
  targetKind: 'assignment' as const,
  targetId: a.id,
  issueId: a.issueId,
  room: a.roomId,
  context: { assignment_id: a.id, was: a.state, run_status: runStatus },
});

/** The commands of a report that failed, as text (a failure report and reopened issues name them). */
export function failingCommands(report: Record<string, unknown>): string[] {
  const cmds =
    (report.commands as
      { program: string; args: string[]; exit_code: number | null; timed_out: boolean }[] | undefined) ?? [];
  const failing = cmds
    .filter((c) => c.exit_code !== 0 || c.timed_out)
    .map((c) => [c.program, ...c.args].join(' '));
  if (failing.length === 0 && typeof report.error === 'string') return [report.error];
  return failing;
}

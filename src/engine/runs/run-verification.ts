import { mkdirSync } from 'node:fs';
import { fail, ok, type Result } from '../../domain/errors.js';
import { isTerminal, latestOf, type RunStatus } from '../../domain/runs/run-model.js';
import {
  runVerification,
  validateCommands,
  type RunnerOptions,
  type VerificationOutcome,
} from '../../runtime/verification-runner.js';
import { findTools, probeSandbox } from '../../runtime/verify-sandbox.js';
import { recordVerification } from './run-lifecycle.js';
import type { Caller, RunService } from './run-service.js';

export interface VerifyResult {
  readonly artifactId: string;
  readonly status: RunStatus;
  readonly outcome: VerificationOutcome;
}

/**
 * Host verification: commands from the request or from the run's latest `verification_plan`, run outside
 * any transaction (they may take minutes), then the report is stored — and a failure sends a verifying
 * run back to implementing — in one transaction.
 */
export class RunVerification {
  readonly #runs: RunService;
  readonly #opts: RunnerOptions;
  /** Whether tenant root tokens may verify (otherwise only the admin token). */
  readonly tenantRoot: boolean;
  #sandboxWorks = false;

  constructor(runs: RunService, opts: RunnerOptions, tenantRoot = false) {
    this.#runs = runs;
    this.#opts = opts;
    this.tenantRoot = tenantRoot;
    mkdirSync(opts.workspaceRoot, { recursive: true });
  }

  /**
   * Whether the configured sandbox can run. Found and tried once it works; looked for again on every
   * request until then, so installing bubblewrap takes effect without a restart.
   */
  async #sandboxReady(): Promise<Result<void>> {
    if (this.#opts.sandbox.mode === 'none' || this.#sandboxWorks) return ok(undefined);
    const tools = findTools(this.#opts.sandbox);
    if (!tools.ok) return tools;
    const probe = await probeSandbox(tools.value, this.#opts.workspaceRoot);
    if (probe.ok) this.#sandboxWorks = true;
    return probe;
  }

  /** Validates and runs commands (a plan's) in the sandbox, outside any transaction: the supervisor's way in. */
  async runCommands(raw: unknown): Promise<Result<VerificationOutcome>> {
    if (raw === undefined) return fail('invalid_request', 'the verification plan has no commands');
    const commands = validateCommands(raw, this.#opts);
    if (!commands.ok) return commands;
    const ready = await this.#sandboxReady();
    if (!ready.ok) return ready;
    return ok(await runVerification(commands.value, this.#opts));
  }

  async verify(runId: string, caller: Caller, requested: unknown): Promise<Result<VerifyResult>> {
    const current = await this.#runs.get(runId, caller);
    if (!current.ok) return current;
    const agg = current.value;
    if (isTerminal(agg.run.status)) return fail('invalid_transition', `run ${runId} is ${agg.run.status}`);
    const plan = latestOf(agg.artifacts, ['verification_plan']);
    const raw = requested ?? (plan?.payload as { commands?: unknown } | undefined)?.commands;
    if (raw === undefined) {
      return fail(
        'invalid_request',
        'no commands: send {commands: [...]} or create a verification_plan artifact first',
      );
    }
    const commands = validateCommands(raw, this.#opts);
    if (!commands.ok) return commands;
    const ready = await this.#sandboxReady();
    if (!ready.ok) return ready;
    const outcome = await runVerification(commands.value, this.#opts);
    const stored = await this.#runs.change(runId, caller, (d) =>
      recordVerification(
        d,
        { ...outcome, source: requested === undefined ? 'verification_plan' : 'request' },
        requested === undefined && plan !== undefined ? [plan.id] : [],
      ),
    );
    if (!stored.ok) return stored;
    return ok({ artifactId: stored.value.reportId, status: stored.value.status, outcome });
  }
}

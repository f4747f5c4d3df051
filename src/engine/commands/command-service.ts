import { actorOf, type Principal } from '../../domain/access.js';
import type { CapabilityLevel, CapabilityName } from '../../domain/capabilities.js';
import type { CellTemplate } from '../../domain/cells/cell-template.js';
import { registryFingerprint } from '../../domain/commands/fingerprint.js';
import { LLM_ANSWER_SCHEMA, llmPrompt, readLlmAnswer } from '../../domain/commands/llm-intent.js';
import { redactSecrets } from '../../domain/commands/redact.js';
import { hasCyrillic } from '../../domain/commands/text.js';
import type { ChatClient } from '../../runtime/llm-chat.js';
import type { Intent } from '../../domain/commands/intents.js';
import type { Lang } from '../../domain/commands/lexicon.js';
import {
  planCommand,
  planParsed,
  type CommandPlan,
  type PlannedRequest,
  type PolicyCheck,
} from '../../domain/commands/plan.js';
import type { Registry } from '../../domain/commands/registry.js';
import { fail, ok, type Result } from '../../domain/errors.js';
import type { OrganTemplate } from '../../domain/organs/organ-template.js';
import type { DryRun } from '../../contract/cells.js';
import type { CellService } from '../cells/cell-service.js';
import type { IdGenerator } from '../ids.js';
import type { DryRunReport } from '../organs/organ-checks.js';
import type { OrganService } from '../organs/organ-service.js';
import type { Clock, Store } from '../ports.js';
import { registrySnapshot } from './registry-snapshot.js';

/** The intents that change fabrica's own behaviour: gated by `self_edit` at apply. */
const SELF_EDIT = new Set(['capability.set', 'safe_mode.set']);

export type CommandDryRun = { kind: 'cell'; report: DryRun } | { kind: 'organ'; report: DryRunReport } | null;

export interface PlannedCommand {
  readonly id: string;
  readonly text: string;
  readonly plan: CommandPlan;
  readonly checks: readonly PolicyCheck[];
  readonly dryrun: CommandDryRun;
  readonly expiresAt: string;
  /** Who understood the text: the grammar, or the optional LLM when the grammar could not. */
  readonly source: 'grammar' | 'llm';
}

/** What one planned request answered when it ran. */
export interface Performed {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly body: unknown;
}

/** Runs one planned request as the caller (the HTTP layer: through the app, with the caller's token). */
export type Perform = (r: PlannedRequest) => Promise<{ status: number; body: unknown }>;

export type Applied =
  | {
      readonly ok: true;
      readonly id: string;
      readonly intent: Intent;
      readonly results: readonly Performed[];
    }
  | { readonly ok: false; readonly refusal: Performed; readonly results: readonly Performed[] };

export interface CommandAccess {
  capabilityLevel(name: CapabilityName): CapabilityLevel;
  readonly safeMode: { readonly on: boolean };
}

/**
 * Natural-language commands: plan (parse and resolve in the domain, dry-run with the services, store
 * the plan and its event), then apply once, as the same principal, before it expires and only while
 * the registry is where the plan saw it.
 */
export class CommandService {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #ids: IdGenerator;
  readonly #cells: CellService;
  readonly #organs: OrganService;
  readonly #access: CommandAccess;
  readonly #ttlMs: number;
  readonly #llm: ChatClient | null;

  constructor(
    store: Store,
    clock: Clock,
    ids: IdGenerator,
    deps: {
      cells: CellService;
      organs: OrganService;
      access: CommandAccess;
      ttlMs: number;
      /** Asked for what the grammar cannot read; absent, there is no LLM. */
      llm?: ChatClient | null;
    },
  ) {
    this.#store = store;
    this.#clock = clock;
    this.#ids = ids;
    this.#cells = deps.cells;
    this.#organs = deps.organs;
    this.#access = deps.access;
    this.#ttlMs = deps.ttlMs;
    this.#llm = deps.llm ?? null;
  }

  /** The model asked for what the grammar cannot read, or null when there is none. */
  get llmModel(): string | null {
    return this.#llm?.model ?? null;
  }

  #registry(): Promise<Registry> {
    return registrySnapshot(this.#store, (n) => this.#access.capabilityLevel(n), this.#access.safeMode.on);
  }

  async plan(said: string, lang: Lang | undefined, principal: Principal): Promise<Result<PlannedCommand>> {
    // Everything below — the plan, its events, its refusals, the LLM — sees the text with secrets masked.
    const text = redactSecrets(said);
    const reg = await this.#registry();
    const actor = actorOf(principal);
    const asker = { admin: principal.kind === 'admin' };
    let r = planCommand(text, reg, asker, lang);
    let source: 'grammar' | 'llm' = 'grammar';
    if (!r.ok && r.error.code === 'command_not_understood' && this.#llm !== null) {
      // Only what the grammar cannot read goes to the model; its answer is resolved and checked the same way.
      const asked = await this.#llm.ask(llmPrompt(), text, LLM_ANSWER_SCHEMA);
      const read =
        'answer' in asked ? readLlmAnswer(asked.answer, lang ?? (hasCyrillic(text) ? 'ru' : 'en')) : null;
      const planned = read?.ok === true ? planParsed(read.value, reg, asker) : null;
      if (planned?.ok === true) {
        r = planned;
        source = 'llm';
      } else {
        const why =
          'error' in asked
            ? asked.error
            : read?.ok === false
              ? read.error.reason
              : planned?.ok === false
                ? planned.error.reason
                : '';
        r = { ok: false, error: { ...r.error, details: { ...r.error.details, llm: why } } };
      }
    }
    if (!r.ok) {
      await this.#store.transaction((tx) =>
        tx.appendEvent({
          type: 'command.refused',
          subjectKind: 'command',
          subjectId: 'none',
          actor,
          data: { action: 'command.plan', text, code: r.error.code },
        }),
      );
      return r;
    }
    const plan = r.value;
    const dryrun = await this.#dryRun(plan);
    const checks: PolicyCheck[] = [...plan.checks];
    if (dryrun !== null) {
      const clean = dryrun.kind === 'cell' ? dryrun.report.ok : dryrun.report.ok;
      checks.push({
        name: 'dryrun',
        ok: clean,
        reason: clean ? 'the dry run is clean' : 'the dry run found a blocking risk',
      });
    }
    const now = this.#clock.now();
    const id = this.#ids.next('cmd');
    const expiresAt = new Date(now + this.#ttlMs).toISOString();
    const planned: PlannedCommand = { id, text, plan, checks, dryrun, expiresAt, source };
    await this.#store.transaction(async (tx) => {
      await tx.commands.insert({
        id,
        actor,
        status: 'planned',
        doc: { text, plan, checks, dryrun, source: planned.source },
        fingerprint: registryFingerprint(reg, plan),
        expiresAt,
        createdAt: new Date(now).toISOString(),
      });
      await tx.appendEvent({
        type: 'command.planned',
        subjectKind: 'command',
        subjectId: id,
        actor,
        data: {
          action: 'command.plan',
          text,
          lang: plan.lang,
          intent: plan.intent,
          target: plan.target,
          expires_at: expiresAt,
        },
      });
    });
    return ok(planned);
  }

  async #dryRun(plan: CommandPlan): Promise<CommandDryRun> {
    if (plan.specKind === 'cell')
      return {
        kind: 'cell',
        report: await this.#cells.dryRun('adapter', plan.spec as CellTemplate, (n) =>
          this.#access.capabilityLevel(n),
        ),
      };
    if (plan.specKind === 'organ') {
      const t = await this.#cells.resolveOrganCells(plan.spec as OrganTemplate);
      return {
        kind: 'organ',
        report: await this.#organs.dryRun(t.ok ? t.value : (plan.spec as OrganTemplate)),
      };
    }
    return null;
  }

  /** A stored plan, as it was answered; null when unknown or planned by someone else. */
  async get(id: string, principal: Principal): Promise<Result<PlannedCommand & { status: string }>> {
    const row = await this.#store.commands.command(id);
    if (row === null || row.actor !== actorOf(principal)) return fail('not_found', `no command ${id}`);
    const doc = row.doc as unknown as Omit<PlannedCommand, 'id' | 'expiresAt'>;
    return ok({ ...doc, id, expiresAt: row.expiresAt, status: row.status });
  }

  /** Runs the plan's requests in order and stops at the first refusal, which is answered. */
  async apply(id: string, principal: Principal, perform: Perform): Promise<Result<Applied>> {
    const found = await this.get(id, principal);
    if (!found.ok) return found;
    const c = found.value;
    const actor = actorOf(principal);
    if (c.status !== 'planned')
      return fail('command_stale', `command ${id} was applied already: plan it again`);
    if (Date.parse(c.expiresAt) <= this.#clock.now())
      return fail('command_expired', `command ${id} expired at ${c.expiresAt}: plan it again`);
    if (SELF_EDIT.has(c.plan.intent) && this.#access.capabilityLevel('self_edit') === 'locked')
      return fail(
        'capability_disabled',
        'capability self_edit is locked: commands that change fabrica itself are refused',
        {
          capability: 'self_edit',
        },
      );
    const row = await this.#store.commands.command(id);
    if (row === null || registryFingerprint(await this.#registry(), c.plan) !== row.fingerprint)
      return fail('command_stale', `the registry changed since command ${id} was planned: plan it again`);
    const claimed = await this.#store.transaction(async (tx) => {
      const won = await tx.commands.claim(id, new Date(this.#clock.now()).toISOString());
      if (won)
        await tx.appendEvent({
          type: 'command.applied',
          subjectKind: 'command',
          subjectId: id,
          actor,
          data: {
            action: 'command.apply',
            text: c.text,
            intent: c.plan.intent,
            requests: c.plan.apply.length,
          },
        });
      return won;
    });
    if (!claimed) return fail('command_stale', `command ${id} was applied already: plan it again`);
    const results: Performed[] = [];
    for (const req of c.plan.apply) {
      const answer = await perform(req);
      const done: Performed = {
        method: req.method,
        path: req.path,
        status: answer.status,
        body: answer.body,
      };
      if (answer.status >= 400) {
        await this.#store.transaction((tx) =>
          tx.appendEvent({
            type: 'command.apply_refused',
            subjectKind: 'command',
            subjectId: id,
            actor,
            data: {
              action: 'command.apply',
              text: c.text,
              method: req.method,
              path: req.path,
              status: answer.status,
              done: results.length,
            },
          }),
        );
        return ok({ ok: false, refusal: done, results });
      }
      results.push(done);
    }
    return ok({ ok: true, id, intent: c.plan.intent, results });
  }
}

import type { CommandPlanView, CommandsInfo } from '../../contract/commands.js';
import { INTENT_NAMES, INTENTS } from '../../domain/commands/intents.js';
import type { PlannedCommand } from '../../engine/commands/command-service.js';
import { dryRunView } from './organs.js';

/** A stored or fresh plan as `POST /factory/commands` answers it. */
export const commandPlanView = (c: PlannedCommand): CommandPlanView => ({
  id: c.id,
  text: c.text,
  lang: c.plan.lang,
  intent: c.plan.intent,
  confidence: c.plan.confidence,
  target: c.plan.target,
  spec_kind: c.plan.specKind,
  spec: c.plan.spec,
  checks: [...c.checks],
  dryrun: c.dryrun === null ? null : c.dryrun.kind === 'cell' ? c.dryrun.report : dryRunView(c.dryrun.report),
  diff:
    c.plan.diff === null
      ? null
      : {
          added: [...c.plan.diff.added],
          removed: [...c.plan.diff.removed],
          changed: [...c.plan.diff.changed],
          lines: [...c.plan.diff.lines],
        },
  apply: c.plan.apply.map((r) => ({ ...r })),
  expires_at: c.expiresAt,
  source: c.source,
});

/** The info answer: the intents with their examples, the LLM as configured. */
export const commandsInfo = (llmModel: string | null): CommandsInfo => ({
  languages: ['ru', 'en'],
  intents: INTENT_NAMES.map((i) => ({ intent: i, example_en: INTENTS[i].en, example_ru: INTENTS[i].ru })),
  llm: { enabled: llmModel !== null, model: llmModel },
});

import { Ajv } from 'ajv';
import { CAPABILITY_NAMES, type CapabilityName } from '../capabilities.js';
import { fail, ok, type Result } from '../errors.js';
import { INTENT_NAMES, INTENTS, type Intent } from './intents.js';
import type { Lang } from './lexicon.js';
import type { ParsedCommand, VersionPhrase } from './parse.js';

/**
 * What an LLM must answer for a command the grammar could not read: the intent and the words naming its
 * target, never ids it made up. The answer goes through the same resolution and checks as the grammar's.
 */
export const LLM_ANSWER_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['intent'],
  properties: {
    intent: { type: 'string', enum: INTENT_NAMES },
    name: { type: 'array', items: { type: 'string', maxLength: 200 }, maxItems: 10 },
    steps: { type: 'array', items: { type: 'string', maxLength: 200 }, maxItems: 20 },
    version: { type: 'string', pattern: '^\\d+(\\.\\d+){0,2}$' },
    settings: {
      type: 'object',
      maxProperties: 20,
      additionalProperties: { type: ['string', 'boolean'], maxLength: 200 },
    },
    capability: { type: 'string', enum: CAPABILITY_NAMES },
    level: { type: 'string', enum: ['locked', 'experimental', 'stable'] },
    on: { type: 'boolean' },
  },
} as const;

const check = new Ajv({ allErrors: true, strict: false }).compile(LLM_ANSWER_SCHEMA);

interface LlmAnswer {
  intent: Intent;
  name?: string[];
  steps?: string[];
  version?: string;
  settings?: Record<string, string | boolean>;
  capability?: CapabilityName;
  level?: 'locked' | 'experimental' | 'stable';
  on?: boolean;
}

/** The instructions sent with the text: the intents with an example each, and the answer's schema. */
export function llmPrompt(): string {
  const lines = INTENT_NAMES.map((i) => `- ${i}: "${INTENTS[i].en}" / "${INTENTS[i].ru}"`);
  return [
    'You turn an operator command (Russian or English) for the fabrica factory into JSON.',
    'Answer only with one JSON object matching this JSON schema:',
    JSON.stringify(LLM_ANSWER_SCHEMA),
    'The intents, with an example of each:',
    ...lines,
    'Put in "name" the words that name the cell or organ (in English), in "steps" a pathway\'s steps.',
  ].join('\n');
}

const versionOf = (v: string | undefined): VersionPhrase | null => {
  if (v === undefined) return null;
  const [a, b, c] = v.split('.').map(Number);
  return { major: a!, minor: b ?? null, patch: c ?? null };
};

/** Validates an LLM's answer and reads it as the grammar would have; an invalid one is not understood. */
export function readLlmAnswer(raw: unknown, lang: Lang): Result<ParsedCommand> {
  if (!check(raw))
    return fail(
      'command_not_understood',
      'command not understood: the LLM answer does not match the schema',
      {
        details: { problems: (check.errors ?? []).map((e) => `${e.instancePath || '$'} ${e.message ?? ''}`) },
      },
    );
  const a = raw as LlmAnswer;
  const name = (a.name ?? []).flatMap((w) => w.toLowerCase().split(/\s+/)).filter((w) => w !== '');
  const steps =
    a.steps === undefined || a.steps.length < 2 ? null : a.steps.map((s) => s.toLowerCase().split(/\s+/));
  const [family, verb] = a.intent.split('.') as [string, string];
  const action = (
    {
      'cell.create': 'create',
      'cell.new_version': 'update',
      'organ.build': 'build',
      'organ.new_version': 'update',
      'cell.approve': 'approve',
      'cell.disable': 'disable',
      'cell.rollback': 'rollback',
      'organ.approve': 'approve',
      'status.show': 'show',
      'capability.set': 'set',
      'safe_mode.set': 'set',
    } as const
  )[a.intent];
  return ok({
    lang,
    action,
    verbTypo: false,
    kind: family === 'cell' ? 'cell' : family === 'organ' ? 'organ' : null,
    name,
    steps,
    version: versionOf(a.version),
    settings: a.settings ?? {},
    safeMode: a.intent === 'safe_mode.set',
    on: a.intent === 'safe_mode.set' ? (a.on ?? null) : null,
    capability: a.intent === 'capability.set' ? (a.capability ?? null) : null,
    level: a.level ?? null,
    words: [...name, ...(steps ?? []).flat(), verb],
  });
}

import { Type, type Static } from 'typebox';
import { INTENT_NAMES } from '../domain/commands/intents.js';
import { DryRun } from './cells.js';
import { Json, Nullable, StringEnum, Timestamp, View } from './common.js';
import { DryRunSchema } from './organs.js';

/** `POST /factory/commands`: what was said, and in which language when the client knows. */
export const CommandBody = Type.Object(
  {
    text: Type.String({ minLength: 1, maxLength: 2000 }),
    lang: Type.Optional(StringEnum(['ru', 'en'] as const)),
  },
  { additionalProperties: false },
);

export const CommandParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

export const PlannedRequestSchema = View({
  method: StringEnum(['GET', 'POST', 'PUT'] as const),
  path: Type.String(),
  body: Type.Optional(Json),
});

export const PolicyCheckSchema = View({
  name: Type.String({ description: '`rights`, `capability:<name>`, `safe_mode` or `dryrun`.' }),
  ok: Type.Boolean(),
  reason: Type.String(),
});

export const JsonDiffSchema = View({
  added: Type.Array(View({ path: Type.String(), value: Json })),
  removed: Type.Array(View({ path: Type.String(), value: Json })),
  changed: Type.Array(View({ path: Type.String(), from: Json, to: Json })),
  lines: Type.Array(Type.String(), { description: 'One line per difference: `+`, `-`, `~ from → to`.' }),
});

/** The plan: nothing has changed yet; `apply` lists what `POST /factory/commands/:id/apply` will run. */
export const CommandPlanSchema = View({
  id: Type.String(),
  text: Type.String(),
  lang: StringEnum(['ru', 'en'] as const),
  intent: StringEnum(INTENT_NAMES),
  confidence: Type.Number({ minimum: 0, maximum: 1 }),
  target: Nullable(Type.String()),
  spec_kind: Nullable(StringEnum(['cell', 'organ'] as const)),
  spec: Type.Unknown({ description: 'The cell or organ template that would be created, or null.' }),
  checks: Type.Array(PolicyCheckSchema),
  dryrun: Type.Union([DryRun, DryRunSchema, Type.Null()], {
    description: 'The ordinary dry run of the spec (the cell or the organ one), or null.',
  }),
  diff: Nullable(JsonDiffSchema),
  apply: Type.Array(PlannedRequestSchema),
  expires_at: Timestamp,
  source: StringEnum(['grammar', 'llm'] as const),
});
export type CommandPlanView = Static<typeof CommandPlanSchema>;

export const AppliedSchema = View({
  id: Type.String(),
  intent: StringEnum(INTENT_NAMES),
  results: Type.Array(
    View({ method: Type.String(), path: Type.String(), status: Type.Integer(), body: Json }),
  ),
});
export type AppliedView = Static<typeof AppliedSchema>;

/** `GET /factory/commands/info`: what the command API understands, and whether an LLM backs the grammar. */
export const CommandsInfoSchema = View({
  languages: Type.Array(StringEnum(['ru', 'en'] as const)),
  intents: Type.Array(
    View({ intent: StringEnum(INTENT_NAMES), example_en: Type.String(), example_ru: Type.String() }),
  ),
  llm: View({
    enabled: Type.Boolean({
      description: 'False when `FABRICA_LLM_URL` is unset: only the grammar reads commands.',
    }),
    model: Nullable(Type.String()),
  }),
});
export type CommandsInfo = Static<typeof CommandsInfoSchema>;

import { Type, type Static } from 'typebox';
import { EnvelopePage } from './llm.js';
import { AssignmentView } from './rooms.js';
import { Timestamp, View } from './common.js';

/** The run supervisor's settings at `POST /llm/factory/runs/:id/start`, and its assignments' list. */

const Id = Type.String({ minLength: 1, maxLength: 200 });

export const StartBody = Type.Object(
  {
    room_id: Type.Optional(Id),
    max_attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
    max_verification_rounds: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
    prompt_template: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100_000,
        description: 'The issue prompt, with {{placeholders}} (docs/llm-factory.md, "Supervised runs").',
      }),
    ),
  },
  { additionalProperties: false },
);
export type StartBody = Static<typeof StartBody>;

export const RetryBody = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 2000 })) },
  { additionalProperties: false },
);

/** One assignment of a run, with its prompt and when it was made (the protocol's `factory_assignments`). */
export const RunAssignment = View(
  {
    ...AssignmentView.properties,
    prompt: Type.String(),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  'An assignment of the run: work queued in a room, claimed under a lease, answered by a result.',
);
export type RunAssignment = Static<typeof RunAssignment>;
export const RunAssignmentPage = EnvelopePage(RunAssignment);

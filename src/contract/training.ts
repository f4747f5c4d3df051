import { Type, type Static } from 'typebox';
import { METRICS } from '../domain/training/metrics.js';
import { STRATEGIES } from '../domain/training/search.js';
import { JOB_STATES } from '../domain/training/training-job.js';
import { Json, JsonObject, Nullable, StringEnum, Timestamp, View } from './common.js';

/** The training orchestrator (`/factory/datasets…`, `/factory/training…`; docs/training.md). */

export const DatasetParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
export const JobParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

const Holdout = Type.Number({
  exclusiveMinimum: 0,
  exclusiveMaximum: 1,
  description: 'Share held out (default 0.25).',
});
const Seed = Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 });
const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' });

/**
 * `POST /factory/datasets` as JSON: `{name, examples}`. A JSON Lines body
 * (`Content-Type: application/x-ndjson`) arrives here as `{jsonl}`, its name and split in the query.
 */
export const DatasetBody = Type.Object(
  {
    name: Type.Optional(Name),
    examples: Type.Optional(
      Type.Array(Type.Unknown(), {
        description: 'Each `{input, expected, tags?}`; bad ones are reported by position.',
      }),
    ),
    jsonl: Type.Optional(Type.String({ description: 'The JSON Lines text (set from an x-ndjson body).' })),
    holdout: Type.Optional(Holdout),
    seed: Type.Optional(Seed),
  },
  { additionalProperties: false },
);

export const DatasetQuery = Type.Object(
  { name: Type.Optional(Name), holdout: Type.Optional(Holdout), seed: Type.Optional(Seed) },
  { additionalProperties: false },
);

export const DatasetListQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) },
  { additionalProperties: false },
);

export const DatasetPageQuery = Type.Object(
  {
    offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);

export const DatasetSummarySchema = View({
  id: Type.String(),
  name: Type.String(),
  version: Type.Integer({ description: "1 for a name's first content, one more for each new content." }),
  sha256: Type.String({ description: 'SHA-256 of the canonical JSON of the examples.' }),
  size: Type.Integer(),
  split: View({
    seed: Type.Integer(),
    holdout_share: Type.Number(),
    train: Type.Integer({ description: 'How many examples train.' }),
    holdout: Type.Integer({ description: 'How many examples are held out.' }),
  }),
  created_by: Type.String(),
  created_at: Timestamp,
});
export type DatasetSummaryView = Static<typeof DatasetSummarySchema>;

export const DatasetLoadedSchema = View({ created: Type.Boolean(), dataset: DatasetSummarySchema });

export const DatasetListSchema = View({ datasets: Type.Array(DatasetSummarySchema) });

export const DatasetPageSchema = View({
  dataset: DatasetSummarySchema,
  examples: Type.Array(
    View({
      index: Type.Integer(),
      split: StringEnum(['train', 'holdout'] as const),
      input: Json,
      expected: Json,
      tags: Type.Optional(Type.Array(Type.String())),
    }),
  ),
  next_offset: Nullable(Type.Integer()),
});
export type DatasetPageView = Static<typeof DatasetPageSchema>;

export const JobBody = Type.Object(
  {
    cell_id: Type.String({ minLength: 1, maxLength: 300 }),
    version: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description:
          'The revision to start from; default the stable one, else the newest canary, experimental or draft.',
      }),
    ),
    dataset_id: Type.String({ minLength: 1, maxLength: 100 }),
    metric: StringEnum(METRICS),
    target: Type.Number({
      exclusiveMinimum: 0,
      maximum: 1,
      description: 'The holdout score that ends the job.',
    }),
    max_iterations: Type.Integer({ minimum: 1, maximum: 100 }),
    search: Type.Object(
      {
        space: JsonObject,
        strategy: StringEnum(STRATEGIES),
        trials_per_iteration: Type.Integer({ minimum: 1, maximum: 256 }),
        seed: Type.Optional(Seed),
      },
      { additionalProperties: false },
    ),
    hitl: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false },
);
export type JobBodyType = Static<typeof JobBody>;

export const JobListQuery = Type.Object(
  {
    state: Type.Optional(StringEnum(JOB_STATES)),
    cell_id: Type.Optional(Type.String({ minLength: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);

const Scores = View({ train: Type.Number(), holdout: Type.Number() });
const Change = View({
  index: Type.Integer({ description: "The example's place in the dataset." }),
  split: StringEnum(['train', 'holdout'] as const),
  before: Type.Number(),
  after: Type.Number(),
});

export const ProposalSchema = View({
  version: Type.String({ description: 'The draft revision made of it.' }),
  params: JsonObject,
  train: Type.Number(),
  holdout: Type.Number(),
  fixes: Type.Array(Change),
  breaks: Type.Array(Change),
  decision: StringEnum(['pending', 'accepted', 'rejected'] as const),
  decided_by: Nullable(Type.String()),
});
export type ProposalView = Static<typeof ProposalSchema>;

export const IterationSchema = View({
  number: Type.Integer(),
  base_version: Type.String(),
  baseline: Scores,
  candidates: Type.Array(JsonObject),
  trials: Type.Array(
    View({ candidate: Type.Integer(), rung: Type.Integer(), size: Type.Integer(), score: Type.Number() }),
  ),
  proposal: Nullable(ProposalSchema),
  outcome: StringEnum([
    'searching',
    'awaiting_approval',
    'accepted',
    'rejected',
    'no_improvement',
    'stopped',
  ] as const),
});

export const JobSchema = View({
  id: Type.String(),
  cell_id: Type.String(),
  dataset_id: Type.String(),
  metric: StringEnum(METRICS),
  target: Type.Number(),
  max_iterations: Type.Integer(),
  search: View({
    strategy: StringEnum(STRATEGIES),
    space: JsonObject,
    trials_per_iteration: Type.Integer(),
    seed: Type.Integer(),
  }),
  hitl: Type.Boolean(),
  state: StringEnum(JOB_STATES),
  phase: StringEnum(['baseline', 'trials', 'propose'] as const),
  base_version: Type.String({ description: 'The revision the job stands on now.' }),
  base_params: JsonObject,
  score: Nullable(Scores),
  trials: Type.Integer({ description: 'Trials run so far, over every iteration.' }),
  iterations: Type.Array(IterationSchema),
  proposal: Nullable(ProposalSchema),
  reason: Nullable(Type.String()),
  created_by: Type.String(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type JobView = Static<typeof JobSchema>;

export const JobListSchema = View({ jobs: Type.Array(JobSchema) });
export type JobListView = Static<typeof JobListSchema>;
export type IterationView = Static<typeof IterationSchema>;

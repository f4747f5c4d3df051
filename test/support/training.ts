import { readFileSync } from 'node:fs';

type Request = (method: string, url: string, body?: unknown) => Promise<{ status: number; body: any }>;

export const TOPIC_CELL = 'adapter:analysis.topic_classify.v1';
export const topicTemplate = () =>
  JSON.parse(readFileSync('examples/cells/analysis.topic_classify.v1.json', 'utf8')) as Record<
    string,
    unknown
  >;
export const topicExamples = () =>
  readFileSync('examples/datasets/topics.ru-en.jsonl', 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as unknown);

/** The shipped classifier (a draft, its threshold 0.95: poor) and the shipped RU/EN topic set. */
export async function shippedSetup(request: Request): Promise<{ cell: string; dataset: string }> {
  const cell = await request('POST', '/factory/cells', { backend: 'adapter', tpl: topicTemplate() });
  if (cell.status !== 201) throw new Error(`fabricating: ${cell.status} ${JSON.stringify(cell.body)}`);
  const ds = await request('POST', '/factory/datasets', { name: 'topics', examples: topicExamples() });
  if (ds.status !== 201) throw new Error(`dataset: ${ds.status} ${JSON.stringify(ds.body)}`);
  return { cell: cell.body.id as string, dataset: ds.body.dataset.id as string };
}

/** A job on the shipped set: random search of the threshold over [0, 1]. */
export const topicJob = (dataset: string, over: Record<string, unknown> = {}) => ({
  cell_id: TOPIC_CELL,
  // Always the shipped revision: other jobs of a test leave drafts of their own.
  version: '1.0.0',
  dataset_id: dataset,
  metric: 'accuracy',
  target: 0.95,
  max_iterations: 6,
  search: {
    space: { confidence_threshold: { min: 0, max: 1 } },
    strategy: 'random',
    trials_per_iteration: 6,
    seed: 7,
  },
  hitl: true,
  ...over,
});

/** Polls the job until `done(job)` holds; fails after the deadline with the job's last state. */
export async function waitForJob(
  request: Request,
  id: string,
  done: (job: any) => boolean,
  what: string,
  deadlineMs = 60_000,
): Promise<any> {
  const until = Date.now() + deadlineMs;
  let last: any = null;
  while (Date.now() < until) {
    const r = await request('GET', `/factory/training/${id}`);
    last = r.body;
    if (r.status === 200 && done(last)) return last;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(
    `job ${id} never reached ${what}: ${JSON.stringify({ state: last?.state, phase: last?.phase, reason: last?.reason })}`,
  );
}

export const FINAL = ['converged', 'exhausted', 'stopped', 'failed'];
export const settled = (j: any) => FINAL.includes(j.state) || j.state === 'awaiting_approval';

/** A job on the shipped set that takes a few iterations: no human, random search, a fixed seed. */
export const JOB = (dataset: string) =>
  topicJob(dataset, {
    hitl: false,
    target: 0.99,
    max_iterations: 4,
    search: {
      space: { confidence_threshold: { min: 0, max: 1 } },
      strategy: 'random',
      trials_per_iteration: 5,
      seed: 11,
    },
  });

/** What must not depend on crashes or on which instance ran a step. */
export const outcome = (j: any) => ({
  state: j.state,
  base_version: j.base_version,
  base_params: j.base_params,
  score: j.score,
  trials: j.trials,
  iterations: j.iterations.map((it: any) => ({ ...it, proposal: it.proposal && { ...it.proposal } })),
});

export const viaProcess =
  (p: { request: (m: string, u: string, b?: unknown) => Promise<{ status: number; body: any }> }) =>
  (m: string, u: string, b?: unknown) =>
    p.request(m, u, b);

export async function trialEvents(request: ReturnType<typeof viaProcess>, id: string) {
  const r = await request('GET', `/audit?subject_id=${id}&type=training.trial&limit=1000`);
  return r.body.events as { data: { iteration: number; trial: number } }[];
}

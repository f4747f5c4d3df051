/**
 * Worker-thread entry for the HTTP cases of the run-kernel benchmark: the clients run here, off the
 * server's event loop, and take runs through their whole lifecycle with plain `fetch`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { issueOrder, stageGraph } from './kernel-graph.js';
import { Driver, type SliceResult, type Steps } from './kernel-stats.js';

export interface HttpWorkerInput {
  readonly baseUrl: string;
  readonly token: string;
  readonly stages: number;
  readonly issues: number;
}
export type HttpWorkerRequest = { type: 'slice'; seconds: number; concurrency: number } | { type: 'stop' };
export type HttpWorkerMessage = { type: 'slice'; result: SliceResult } | { type: 'error'; message: string };

const input = workerData as HttpWorkerInput;
const base = `${input.baseUrl}/llm/factory/runs`;
const graph = stageGraph(input.stages, input.issues);
const order = issueOrder(input.stages, input.issues);

async function call(method: string, url: string, body?: unknown): Promise<any> {
  const res = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${input.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (res.status < 200 || res.status > 299) throw new Error(`${method} ${url} → ${res.status} ${text}`);
  return (JSON.parse(text) as { data: unknown }).data;
}

/** One run from planning to completed: 30 durable writes (for 10 × 2) and one read of the issue ids. */
async function lifecycle(meter: Steps): Promise<void> {
  const step = (kind: string, method: string, url: string, body?: unknown) =>
    meter.step(kind, () => call(method, url, body));
  const advanceTo = async (id: string, to: string) => {
    const r = await step('advance', 'POST', `${base}/${id}/advance`);
    if (r.advanced !== true || r.status !== to) throw new Error(`advance to ${to}: ${JSON.stringify(r)}`);
  };
  const run = await step('create', 'POST', base, {
    source: { kind: 'prompt', format: 'markdown', content: '# Kernel benchmark\nA ten-stage delivery.' },
    title: 'kernel benchmark',
    workflow_kind: 'software',
  });
  const id = run.run_id as string;
  const pi = await step('artifact', 'POST', `${base}/${id}/artifacts`, {
    artifact_type: 'problem_interpretation',
    payload: { summary: 'bench' },
  });
  await step('artifact', 'POST', `${base}/${id}/artifacts`, {
    artifact_type: 'delivery_spec',
    payload: { summary: 'deliver the benchmark' },
    input_artifact_ids: [pi.id],
    producer_type: 'planner',
  });
  await step('stage_graph', 'POST', `${base}/${id}/artifacts`, {
    artifact_type: 'factory.kernel.stage_graph',
    payload: graph,
  });
  // A read, not a durable step: timed apart from the steps.
  const listed = (await meter.read(() => call('GET', `${base}/${id}/issues?limit=1000`))) as {
    id: string;
    stable_key: string;
  }[];
  const ids = new Map(listed.map((i) => [i.stable_key, i.id]));
  await advanceTo(id, 'implementing');
  for (const key of order) {
    await step('patch_issue', 'PATCH', `${base}/${id}/issues/${ids.get(key)!}`, { status: 'passed' });
  }
  await advanceTo(id, 'verifying');
  await step('verification', 'POST', `${base}/${id}/artifacts`, {
    artifact_type: 'verification_report',
    payload: { success: true, commands: [] },
  });
  await advanceTo(id, 'gated');
  const all = [...ids.values()];
  await step('checkpoint', 'POST', `${base}/${id}/checkpoints`, {
    branch_name: `run/${id}`,
    worktree_path: '/tmp/bench-worktree',
    base_ref: 'main',
    head_sha: 'abc123',
    status: 'ready',
    included_issue_ids: all,
    merged_issue_ids: all,
  });
  await advanceTo(id, 'completed');
}

const port = parentPort!;
let driver: Driver | null = null;
port.on('message', (m: HttpWorkerRequest) => {
  if (m.type === 'stop') {
    port.close();
    return;
  }
  driver ??= new Driver(m.concurrency, lifecycle);
  driver.slice(m.seconds).then(
    (result) => port.postMessage({ type: 'slice', result } satisfies HttpWorkerMessage),
    (e: unknown) =>
      port.postMessage({
        type: 'error',
        message: e instanceof Error ? e.message : String(e),
      } satisfies HttpWorkerMessage),
  );
});

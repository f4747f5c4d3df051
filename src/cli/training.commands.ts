import { InvalidArgumentError, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { DatasetSummaryView, JobView } from '../contract/training.js';
import { call, CliError, clientHeaders, type Client } from './http-client.js';
import { intArg, note, oneOf, out, print, withClientOptions, type ClientOpts } from './command-kit.js';

const METRICS = ['exact', 'accuracy', 'macro_f1', 'contains', 'similarity'] as const;
const STRATEGIES = ['grid', 'random', 'halving'] as const;
const FINAL = ['converged', 'exhausted', 'stopped', 'failed'];
const ACTIONS = ['approve', 'reject', 'stop'];

const share = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > 1) throw new InvalidArgumentError('expected a number in (0, 1]');
  return n;
};
const jsonArg = (v: string): unknown => {
  try {
    return JSON.parse(v) as unknown;
  } catch {
    throw new InvalidArgumentError('expected JSON');
  }
};

const fmt = (x: number | null | undefined): string => (typeof x === 'number' ? x.toFixed(3) : '-');
const bar = (done: number, total: number, width = 20): string => {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
};

/** Posts a JSON Lines file as it is: the server names every bad line. */
async function uploadJsonl(
  c: Client,
  file: string,
  query: string,
): Promise<{ created: boolean; dataset: DatasetSummaryView }> {
  let body: string;
  try {
    body = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError('invalid_request', `cannot read ${file}: ${(e as Error).message}`);
  }
  let res: Response;
  try {
    res = await fetch(`${c.url}/factory/datasets?${query}`, {
      method: 'POST',
      headers: { ...clientHeaders(c, false), 'content-type': 'application/x-ndjson' },
      body,
    });
  } catch (e) {
    throw new CliError('unreachable', `cannot reach ${c.url} (${(e as Error).message})`);
  }
  const data = (await res.json()) as Record<string, unknown>;
  if (!res.ok)
    throw new CliError(
      typeof data['code'] === 'string' ? data['code'] : `http_${res.status}`,
      typeof data['reason'] === 'string' ? data['reason'] : res.statusText,
      data,
    );
  return data as unknown as { created: boolean; dataset: DatasetSummaryView };
}

/** One line per iteration: its baseline, its trials as a bar, its proposal and what became of it. */
function iterationLine(j: JobView, it: JobView['iterations'][number]): string {
  const p = it.proposal;
  const trialsPlanned = j.search.strategy === 'halving' ? null : it.candidates.length;
  const trials = trialsPlanned === null ? `${it.trials.length} trials` : bar(it.trials.length, trialsPlanned);
  const proposal =
    p === null
      ? it.outcome === 'searching'
        ? ''
        : ` → ${it.outcome}`
      : ` → proposal ${p.version} train ${fmt(p.train)} holdout ${fmt(p.holdout)} (+${p.fixes.length} fixed, -${p.breaks.length} broken): ${it.outcome}`;
  return `iteration ${it.number}: base ${it.base_version} train ${fmt(it.baseline.train)} holdout ${fmt(it.baseline.holdout)} ${trials}${proposal}`;
}

/** The holdout score of each iteration's base, then the final one: the curve as it grows. */
const curve = (j: JobView): string =>
  [
    ...j.iterations.map((it) => it.baseline.holdout),
    ...(FINAL.includes(j.state) && j.score ? [j.score.holdout] : []),
  ]
    .map(fmt)
    .join(' → ');

async function watch(c: Client, o: ClientOpts, id: string): Promise<JobView> {
  const printed = new Map<number, string>();
  let waiting = false;
  for (;;) {
    const j = await call<JobView>(c, 'GET', `/factory/training/${encodeURIComponent(id)}`);
    if (o.json !== true) {
      for (const it of j.iterations) {
        const line = iterationLine(j, it);
        if (printed.get(it.number) !== line) {
          out(line);
          printed.set(it.number, line);
        }
      }
      if (j.state === 'awaiting_approval' && !waiting) {
        out(`awaiting approval: fabrica train approve ${j.id} (or reject, stop)`);
        out(`holdout curve: ${curve(j)}`);
      }
    }
    waiting = j.state === 'awaiting_approval';
    if (FINAL.includes(j.state)) {
      print(
        o,
        j,
        () =>
          `${j.id} ${j.state} at ${j.base_version} (${JSON.stringify(j.base_params)}), holdout curve: ${curve(j)}${j.reason ? `; ${j.reason}` : ''}`,
      );
      return j;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** `fabrica datasets …` and `fabrica train …` (docs/training.md). */
export function registerTrainingCommands(program: Command, client: (o: ClientOpts) => Client): void {
  const datasets = program.command('datasets').description('Labelled datasets for training jobs.');
  withClientOptions(
    datasets
      .command('load <file>')
      .description('Store a JSON Lines dataset (one {input, expected, tags?} per line); bad lines are named.')
      .option('--name <name>', 'dataset name (default: the file name without extensions)')
      .option('--holdout <share>', 'share held out (default 0.25)', share)
      .option('--seed <n>', 'seed of the split', intArg),
  ).action(async (file: string, o: ClientOpts & { name?: string; holdout?: number; seed?: number }) => {
    const name = o.name ?? basename(file).split('.')[0]!;
    const q = new URLSearchParams({ name });
    if (o.holdout !== undefined) q.set('holdout', String(o.holdout));
    if (o.seed !== undefined) q.set('seed', String(o.seed));
    const r = await uploadJsonl(client(o), file, q.toString());
    const d = r.dataset;
    print(
      o,
      r,
      () =>
        `${d.id} ${d.name} v${d.version}: ${d.size} examples (train ${d.split.train}, holdout ${d.split.holdout})${r.created ? '' : ', stored already'}`,
    );
  });
  withClientOptions(datasets.command('list').description('Stored datasets, newest first.')).action(
    async (o: ClientOpts) => {
      const r = await call<{ datasets: DatasetSummaryView[] }>(client(o), 'GET', '/factory/datasets');
      print(
        o,
        r,
        () =>
          r.datasets.map((d) => `${d.id} ${d.name} v${d.version} ${d.size} examples`).join('\n') || '(none)',
      );
    },
  );

  withClientOptions(
    program
      .command('train <cell> [job]')
      .description('Start a training job on a cell (or: train approve|reject|stop <job>).')
      .option('--dataset <id>', 'dataset id')
      .option('--metric <metric>', `one of ${METRICS.join(', ')}`, oneOf(METRICS))
      .option('--target <score>', 'holdout score that ends the job, in (0, 1]', share)
      .option('--max-iterations <n>', 'iterations at most (default 5)', intArg)
      .option('--space <json>', 'parameters to tune (default: confidence_threshold over [0, 1])', jsonArg)
      .option('--strategy <s>', `one of ${STRATEGIES.join(', ')} (default random)`, oneOf(STRATEGIES))
      .option('--trials <n>', 'trials per iteration (default 8)', intArg)
      .option('--seed <n>', 'search seed', intArg)
      .option('--version <v>', 'the revision to start from')
      .option('--no-hitl', 'let policy accept proposals that keep the holdout score')
      .option('--watch', 'follow the job: a line per iteration and the score curve'),
  ).action(async (cell: string, job: string | undefined, o: ClientOpts & Record<string, unknown>) => {
    const c = client(o);
    if (ACTIONS.includes(cell)) {
      if (job === undefined) throw new CliError('invalid_request', `train ${cell} needs a job id`);
      const j = await call<JobView>(c, 'POST', `/factory/training/${encodeURIComponent(job)}/${cell}`);
      print(o, j, () => `${j.id} ${j.state}`);
      return;
    }
    for (const k of ['dataset', 'metric', 'target'])
      if (o[k] === undefined) throw new CliError('invalid_request', `--${k} is required`);
    const created = await call<JobView>(c, 'POST', '/factory/training', {
      cell_id: cell,
      dataset_id: o['dataset'],
      metric: o['metric'],
      target: o['target'],
      max_iterations: o['maxIterations'] ?? 5,
      ...(o['version'] === undefined ? {} : { version: o['version'] }),
      search: {
        space: o['space'] ?? { confidence_threshold: { min: 0, max: 1 } },
        strategy: o['strategy'] ?? 'random',
        trials_per_iteration: o['trials'] ?? 8,
        ...(o['seed'] === undefined ? {} : { seed: o['seed'] }),
      },
      hitl: o['hitl'] !== false,
    });
    if (o['watch'] !== true) {
      print(o, created, () => `${created.id} ${created.state}`);
      return;
    }
    note(`job ${created.id} started`);
    const end = await watch(c, o, created.id);
    if (end.state === 'failed') process.exitCode = 1;
  });
}

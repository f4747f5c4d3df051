import type { Command } from 'commander';
import type { Artifact, Checkpoint, Gate, Issue, Stage } from '../contract/run-records.js';
import type { AdvanceResult } from '../contract/runs.js';
import { print, readJson, withClientOptions, type ClientOpts } from './command-kit.js';
import { CliError, call, callData, type Client } from './http-client.js';
import { table } from './table.js';

const runPath = (id: string, rest: string) => `/llm/factory/runs/${encodeURIComponent(id)}${rest}`;

/** Collects a repeatable option (`--reason a --reason b`). */
const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

const bullets = (title: string, xs: readonly string[]): string[] =>
  xs.length === 0 ? [] : [`${title}:`, ...xs.map((x) => `  - ${x}`)];

/** Every page of one of a run's record lists (`GET …/stages|issues|checkpoints`). */
async function listAll<T>(c: Client, id: string, what: string): Promise<T[]> {
  const all: T[] = [];
  let after: string | null = null;
  for (;;) {
    const q: string = `?limit=1000${after === null ? '' : `&after=${encodeURIComponent(after)}`}`;
    const p: { data: T[]; next_cursor: string | null } | null = await call(
      c,
      'GET',
      runPath(id, `/${what}${q}`),
    );
    if (p === null) throw new CliError('invalid_response', `GET ${what} answered nothing`);
    all.push(...p.data);
    // A cursor that does not move would loop for ever: a server fault, not more pages.
    if (p.next_cursor === null || p.next_cursor === after || p.data.length === 0) return all;
    after = p.next_cursor;
  }
}

export function gateText(g: Gate): string {
  return [
    `gate ${g.gate}: ${g.verdict}`,
    ...bullets('reasons', g.reasons),
    ...bullets('evidence', g.evidence),
  ].join('\n');
}

export function advanceText(a: AdvanceResult): string {
  if (a.advanced) return `advanced: ${a.from ?? '?'} → ${a.status}`;
  return [
    `not advanced: still ${a.status}`,
    ...bullets('blockers', a.blockers),
    ...bullets('waiting on', a.waiting_on),
    ...bullets('next actions', a.next_actions),
  ].join('\n');
}

/**
 * The steps `runs status` lists as next actions, one command each: add an artifact, advance, check or
 * record a gate, and the run's stages, issues and checkpoints. Each prints JSON with `--json`.
 */
export function registerRunStepCommands(runs: Command, client: (o: ClientOpts) => Client): void {
  const artifact = runs.command('artifact').description("A run's artifacts.");
  withClientOptions(
    artifact
      .command('add')
      .description('Add an artifact to a run; its payload is the JSON in --file (- for stdin).')
      .argument('<run>')
      .requiredOption('--type <type>', 'the artifact type, e.g. problem_interpretation, delivery_spec')
      .requiredOption('--file <file>', 'a JSON file holding the payload (- for stdin)')
      .option('--schema-version <v>', 'the payload schema version')
      .option('--producer-type <type>', 'who made it (e.g. human, llm)')
      .option('--producer-id <id>', 'which one of them')
      .option('--supersedes <artifact>', 'the artifact this one replaces'),
  ).action(
    async (
      run: string,
      o: ClientOpts & {
        type: string;
        file: string;
        schemaVersion?: string;
        producerType?: string;
        producerId?: string;
        supersedes?: string;
      },
    ) => {
      const payload = readJson(o.file);
      const a = await callData<Artifact>(client(o), 'POST', runPath(run, '/artifacts'), {
        artifact_type: o.type,
        payload,
        ...(o.schemaVersion === undefined ? {} : { schema_version: o.schemaVersion }),
        ...(o.producerType === undefined ? {} : { producer_type: o.producerType }),
        ...(o.producerId === undefined ? {} : { producer_id: o.producerId }),
        ...(o.supersedes === undefined ? {} : { supersedes_artifact_id: o.supersedes }),
      });
      print(o, a, () => `artifact ${a.id} (${a.artifact_type} v${a.version}) added to run ${a.run_id}`);
    },
  );
  withClientOptions(
    artifact.command('list').description("A run's artifacts, oldest first.").argument('<run>'),
  ).action(async (run: string, o: ClientOpts) => {
    const rows = await listAll<Artifact>(client(o), run, 'artifacts');
    print(o, rows, () => table(rows, ['id', 'artifact_type', 'version', 'producer_type', 'created_at']));
  });

  withClientOptions(
    runs
      .command('advance')
      .description('Advance the run one step when its preconditions hold; otherwise say what blocks it.')
      .argument('<run>'),
  ).action(async (run: string, o: ClientOpts) => {
    const a = await callData<AdvanceResult>(client(o), 'POST', runPath(run, '/advance'));
    print(o, a, () => advanceText(a));
  });

  withClientOptions(
    runs
      .command('gate-check')
      .description('Evaluate a gate the kernel can check itself (planning, merge_readiness) and record it.')
      .argument('<run>')
      .argument('<gate>'),
  ).action(async (run: string, gate: string, o: ClientOpts) => {
    const g = await callData<Gate>(client(o), 'POST', runPath(run, '/gate-check'), { gate });
    print(o, g, () => gateText(g));
  });

  withClientOptions(
    runs
      .command('gate')
      .description("Record a gate verdict from outside (a reviewer's).")
      .argument('<run>')
      .argument('<gate>')
      .requiredOption('--verdict <verdict>', 'pass, fail, needs_review, …')
      .option('--reason <text>', 'a reason (repeatable)', collect)
      .option('--evidence <text>', 'a piece of evidence (repeatable)', collect),
  ).action(
    async (
      run: string,
      gate: string,
      o: ClientOpts & { verdict: string; reason?: string[]; evidence?: string[] },
    ) => {
      const g = await callData<Gate>(client(o), 'POST', runPath(run, '/gates'), {
        gate,
        verdict: o.verdict,
        ...(o.reason === undefined ? {} : { reasons: o.reason }),
        ...(o.evidence === undefined ? {} : { evidence: o.evidence }),
      });
      print(o, g, () => gateText(g));
    },
  );

  withClientOptions(runs.command('stages').description("A run's stages.").argument('<run>')).action(
    async (run: string, o: ClientOpts) => {
      const rows = await listAll<Stage>(client(o), run, 'stages');
      print(o, rows, () =>
        table(
          rows.map((s) => ({ ...s, depends_on: s.depends_on.join(',') })),
          ['id', 'stage_name', 'status', 'depends_on', 'summary'],
        ),
      );
    },
  );

  withClientOptions(runs.command('issues').description("A run's issues.").argument('<run>')).action(
    async (run: string, o: ClientOpts) => {
      const rows = await listAll<Issue>(client(o), run, 'issues');
      print(o, rows, () =>
        table(
          rows.map((i) => ({ ...i, depends_on: i.depends_on.join(',') })),
          ['id', 'title', 'kind', 'status', 'stage_id', 'depends_on'],
        ),
      );
    },
  );

  withClientOptions(runs.command('checkpoints').description("A run's checkpoints.").argument('<run>')).action(
    async (run: string, o: ClientOpts) => {
      const rows = await listAll<Checkpoint>(client(o), run, 'checkpoints');
      print(o, rows, () =>
        table(
          rows.map((k) => ({ ...k, merged: k.merged_issue_ids.join(',') })),
          ['id', 'status', 'branch_name', 'head_sha', 'merged'],
        ),
      );
    },
  );
}

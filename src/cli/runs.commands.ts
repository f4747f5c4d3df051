import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import type { ReviewBundle, Run, RunListItem } from '../contract/runs.js';
import { RUN_STATUSES } from '../domain/runs/run-model.js';
import { intArg, note, oneOf, out, print, text, withClientOptions, type ClientOpts } from './command-kit.js';
import { CliError, callData, type Client } from './http-client.js';
import {
  UNTIL_CONDITIONS,
  describeStatus,
  watchRun,
  type RunStatusView,
  type UntilCondition,
} from './run-watch.js';
import { registerRunStepCommands } from './run-steps.commands.js';
import { table } from './table.js';
import { exitWithOutcome, startSupervised } from './supervision.commands.js';

const BASE = '/llm/factory/runs';
const runPath = (id: string, rest = '') => `${BASE}/${encodeURIComponent(id)}${rest}`;

const UNTIL_HELP = `
--until conditions (checked on the status aggregate after each event, and once at the start):
  completed | failed | cancelled   the run has that status
  blocked      the run has not finished and waits for a person: the status lists blockers
               (a stage or issue blocked or failed, a gate verdict that needs review); what the
               run merely waits for is in waiting_on and does not count
  attention    a gate verdict is fail, failed, needs_review or needs_further_review,
               or the status has diagnostics
Exits 0 when the condition holds. Without --until, exits 0 when the run finishes (completed, failed,
cancelled). A run that finishes without reaching the condition: "error run_finished: …", exit 1.
Reconnects and resumes by itself after a disconnect; with --json, prints the live bus's frames
(factory.snapshot, factory.event) as JSON lines.`;

const list = (title: string, xs: readonly string[]): string =>
  `${title}:\n${xs.length === 0 ? '  (none)' : xs.map((x) => `  - ${x}`).join('\n')}`;

const counts = (c: RunStatusView['stage_counts']): string => {
  const parts = Object.entries(c)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
};

function statusText(s: RunStatusView): string {
  const verdicts = Object.entries(s.latest_gate_verdicts);
  const checkpoint =
    s.latest_checkpoint_id === null
      ? '-'
      : `${text(s.latest_checkpoint_status)} (${text(s.latest_checkpoint_id)})`;
  const lines: [string, string][] = [
    ['run', s.run_id],
    ['status', describeStatus(s)],
    ['stages', counts(s.stage_counts)],
    ['issues', counts(s.issue_counts)],
    ['checkpoint', checkpoint],
    ['verification', s.latest_verification],
    ['gates', verdicts.length === 0 ? '-' : verdicts.map(([g, v]) => `${g}: ${v}`).join(', ')],
  ];
  return [
    ...lines.map(([k, v]) => `${k.padEnd(13)}${v}`),
    list('blockers', s.blockers),
    list('waiting on', s.waiting_on),
    list('diagnostics', s.diagnostics),
    list('next actions', s.next_actions),
  ].join('\n');
}

type ReviewList = {
  [K in keyof ReviewBundle]: ReviewBundle[K] extends readonly string[] ? K : never;
}[keyof ReviewBundle];

function reviewText(r: ReviewBundle): string {
  const sections: [string, ReviewList][] = [
    ['artifacts', 'artifact_summary'],
    ['stages', 'stage_summary'],
    ['issues', 'issue_summary'],
    ['checkpoints', 'checkpoint_summary'],
    ['gates', 'gate_summary'],
    ['evidence', 'evidence_summary'],
    ['blockers', 'blockers'],
    ['waiting on', 'waiting_on'],
    ['diagnostics', 'diagnostics'],
    ['next actions', 'next_actions'],
    ['open risks', 'open_risks'],
  ];
  return [
    `review ${r.id} of run ${r.run_id} (${r.run_status})`,
    `plan: ${r.plan_summary}`,
    ...sections.map(([title, key]) => list(title, r[key])),
  ].join('\n');
}

function readPrompt(prompt: string | undefined, file: string | undefined): string {
  if ((prompt === undefined) === (file === undefined)) {
    throw new CliError(
      'invalid_request',
      'give the prompt either as an argument or with --prompt-file (one of the two)',
    );
  }
  let text = prompt ?? '';
  if (file !== undefined) {
    try {
      text = readFileSync(file === '-' ? 0 : file, 'utf8');
    } catch (e) {
      throw new CliError('invalid_request', `cannot read ${file}: ${(e as Error).message}`);
    }
  }
  if (text.trim() === '') throw new CliError('invalid_request', 'the prompt is empty');
  return text;
}

/** `fabrica runs …`: LLM factory runs through `/llm/factory/runs`. */
export function registerRunsCommands(program: Command, client: (o: ClientOpts) => Client): void {
  const runs = program
    .command('runs')
    .description(
      'LLM factory runs: submit, list, status, watch, review, cancel; artifacts, advance, gates, stages, issues, checkpoints.',
    );

  withClientOptions(
    runs
      .command('submit')
      .description(
        'Start a new run from a prompt (an argument, or a file with --prompt-file; - reads stdin).',
      )
      .argument('[prompt]', 'the prompt text')
      .option('--prompt-file <file>', 'read the prompt from this file (- for stdin)')
      .option(
        '--format <format>',
        'text | markdown (default: markdown for .md files, else text)',
        oneOf(['text', 'markdown']),
      )
      .option('--title <title>', 'a title for people')
      .option('--workflow-kind <kind>', 'the workflow kind, e.g. software')
      .option('--tenant <tenant>', 'the tenant to run for (admin token only; a tenant token uses its own)')
      .option('--auto-advance', 'let the supervisor advance the run whenever its preconditions hold')
      .option('--start', 'hand the run to the supervisor at once (it dispatches its work to a room)')
      .option('--room <id>', 'with --start: the room the supervisor dispatches to')
      .option('--watch', 'then follow the run until it finishes (or --until holds)')
      .option(
        '--until <condition>',
        `with --watch: ${UNTIL_CONDITIONS.join(' | ')}`,
        oneOf(UNTIL_CONDITIONS),
      ),
  )
    .addHelpText('after', UNTIL_HELP)
    .action(
      async (
        prompt: string | undefined,
        o: ClientOpts & {
          promptFile?: string;
          format?: string;
          title?: string;
          workflowKind?: string;
          tenant?: string;
          autoAdvance?: boolean;
          start?: boolean;
          room?: string;
          watch?: boolean;
          until?: UntilCondition;
        },
      ) => {
        const content = readPrompt(prompt, o.promptFile);
        const format = o.format ?? (/\.(md|markdown)$/i.test(o.promptFile ?? '') ? 'markdown' : 'text');
        const c = client(o);
        const run = await callData<Run>(c, 'POST', BASE, {
          source: { kind: 'prompt', format, content },
          ...(o.title === undefined ? {} : { title: o.title }),
          ...(o.workflowKind === undefined ? {} : { workflow_kind: o.workflowKind }),
          ...(o.tenant === undefined ? {} : { tenant: o.tenant }),
          ...(o.autoAdvance === true ? { auto_advance: true } : {}),
        });
        print(o, run, () => `run ${run.id} submitted (${run.status})`);
        if (o.start === true) await startSupervised(c, run.id, o.room, o.json === true);
        if (o.watch === true) {
          await watchRun(c, run.id, {
            ...(o.until === undefined ? {} : { until: o.until }),
            json: o.json === true,
            out,
            note,
          });
          if (o.until === undefined) await exitWithOutcome(c, run.id);
        }
      },
    );

  withClientOptions(
    runs
      .command('list')
      .description('List the runs this token may see, newest first.')
      .option('--status <status>', RUN_STATUSES.join(' | '), oneOf(RUN_STATUSES))
      .option('--tenant <tenant>', 'only this tenant (admin token)')
      .option('--limit <n>', 'at most this many (default 50)', intArg),
  ).action(async (o: ClientOpts & { status?: string; tenant?: string; limit?: number }) => {
    const q = new URLSearchParams();
    if (o.status !== undefined) q.set('status', o.status);
    if (o.tenant !== undefined) q.set('tenant', o.tenant);
    if (o.limit !== undefined) q.set('limit', String(o.limit));
    const rows = await callData<RunListItem[]>(
      client(o),
      'GET',
      `${BASE}${q.toString() === '' ? '' : `?${q.toString()}`}`,
    );
    print(o, rows, () =>
      table(
        rows.map((r) => ({
          id: r.id,
          status: r.status,
          stage: r.current_stage,
          workflow: r.workflow_kind,
          title: r.title ?? r.source_brief,
          updated_at: r.updated_at,
        })),
        ['id', 'status', 'stage', 'workflow', 'title', 'updated_at'],
      ),
    );
  });

  withClientOptions(
    runs
      .command('status')
      .description("A run's status aggregate: counts, gates, blockers, next actions.")
      .argument('<id>'),
  ).action(async (id: string, o: ClientOpts) => {
    const s = await callData<RunStatusView>(client(o), 'GET', runPath(id, '/status'));
    print(o, s, () => statusText(s));
  });

  withClientOptions(
    runs
      .command('watch')
      .description('Follow a run: a line per change (seq, event, target, then the run status).')
      .argument('<id>')
      .option('--until <condition>', UNTIL_CONDITIONS.join(' | '), oneOf(UNTIL_CONDITIONS)),
  )
    .addHelpText('after', UNTIL_HELP)
    .action(async (id: string, o: ClientOpts & { until?: UntilCondition }) => {
      await watchRun(client(o), id, {
        ...(o.until === undefined ? {} : { until: o.until }),
        json: o.json === true,
        out,
        note,
      });
    });

  withClientOptions(
    runs
      .command('review')
      .description("A run's latest review bundle (made anew when the run changed).")
      .argument('<id>'),
  ).action(async (id: string, o: ClientOpts) => {
    const r = await callData<ReviewBundle>(client(o), 'GET', runPath(id, '/review'));
    print(o, r, () => reviewText(r));
  });

  withClientOptions(
    runs
      .command('cancel')
      .description('Cancel a run that has not finished.')
      .argument('<id>')
      .option('--reason <text>', 'why (kept on the run and in the audit trail)'),
  ).action(async (id: string, o: ClientOpts & { reason?: string }) => {
    const run = await callData<Run>(
      client(o),
      'POST',
      runPath(id, '/cancel'),
      o.reason === undefined ? {} : { reason: o.reason },
    );
    print(o, run, () => `run ${run.id} ${run.status}${o.reason === undefined ? '' : `: ${o.reason}`}`);
  });

  registerRunStepCommands(runs, client);
}

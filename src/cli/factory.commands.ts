import type { Command } from 'commander';
import type { CellPage, DryRun, InvokeAnswer, RevisionStateAnswer } from '../contract/cells.js';
import type {
  Built,
  DryRun as OrganDryRun,
  Invoked,
  OrganMoved,
  OrganPage,
  OrganView,
} from '../contract/organs.js';
import { organCellId } from '../domain/organs/organ-template.js';
import { intArg, note, print, readJson, withClientOptions, type ClientOpts } from './command-kit.js';
import { EXAMPLE_ORGANS_DIR, loadExampleCells } from './examples-load.js';
import { CliError, call, type Client } from './http-client.js';
import { watchBuild, type Started } from './organ-watch.js';
import { registerRolloutCommands } from './rollouts.commands.js';
import { table } from './table.js';

/** An organ file holds the template itself, or a whole request body `{organ_template}`. */
function organTemplateOf(file: string): unknown {
  const doc = readJson(file);
  return doc !== null && typeof doc === 'object' && 'organ_template' in doc ? doc.organ_template : doc;
}

const organPath = (id: string, rest = '') => `/organs/${encodeURIComponent(id)}${rest}`;
/** Cell ids carry their backend; a bare template id means the adapter cell. */
const cellPath = (id: string, rest = '') => `/factory/cells/${encodeURIComponent(organCellId(id))}${rest}`;

/** What an invocation returned, for people: text as it is, anything else as JSON. */
const outputText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v, null, 2));

const WATCH_HELP = `
--watch follows the staged build live: on a terminal one progress line is redrawn
(organ-3 ▸ draft → canary → experimental …), otherwise one line per stage (organ-3 ▸ canary (+52 ms)).
Exit codes: 0 when the organ is stable; 0 when it waits for a human approval (the line says so and
names the command that approves it: fabrica organs approve ID); 1 with "error build_failed: <reason>"
when it fails. With --json, prints the server's answer and then each organ event as JSON lines.`;

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

function dryRunText(r: OrganDryRun): string {
  const { cells, risks, pathways, ok } = r.report;
  return [
    `dry run: ${ok ? 'ok' : 'would not build (blocking risks)'} — ${count(cells.length, 'cell')}, ${count(pathways.length, 'pathway')}, ${count(risks.length, 'risk')}`,
    table(cells, ['ref', 'id', 'exists', 'state', 'serving']),
    `pathways: ${
      pathways.length === 0 ? '(none)' : pathways.map((p) => `${p.name} (${p.cells.join(' → ')})`).join(', ')
    }`,
    risks.length === 0 ? 'risks: none' : `risks:\n${table(risks, ['severity', 'code', 'message'])}`,
  ].join('\n');
}

/** `organ.voice.v1 0.1.0` from the status view's `template: {id, version}`. */
const templateText = (t: OrganView['template']): string => `${t.id} ${t.version}`;

function organStatusText(s: OrganView): string {
  const m = s.metrics;
  const ms = (v: number | null) => (v === null ? '-' : `${v} ms`);
  return [
    `organ        ${s.id}`,
    `template     ${templateText(s.template)}`,
    `state        ${s.state}${s.awaiting_approval ? ' (awaiting approval)' : ''}`,
    ...(s.reason === undefined || s.reason === null ? [] : [`reason       ${s.reason}`]),
    `build        ${ms(m.build_duration_ms)}`,
    `invocations  ${m.invocations} (${m.errors} errors), p50 ${ms(m.p50_ms)}, p95 ${ms(m.p95_ms)}`,
    'cells:',
    table(s.cells, ['id', 'state']).replace(/^/gm, '  '),
    'stages:',
    table(s.stage_history, ['state', 'at', 'actor', 'reason']).replace(/^/gm, '  '),
  ].join('\n');
}

/** `fabrica organs …`, `fabrica cells …`, `fabrica examples load`: the Neira factory through its API. */
export function registerFactoryCommands(program: Command, client: (o: ClientOpts) => Client): void {
  const organs = program
    .command('organs')
    .description('Organs: build from a template, follow the staged build, approve, invoke, cancel.');

  const watchOptions = (o: ClientOpts) => ({
    tty: o.json !== true && process.stdout.isTTY,
    json: o.json === true,
    write: (s: string) => void process.stdout.write(s),
    note,
  });

  withClientOptions(
    organs
      .command('build')
      .description('Build an organ from a template file (- reads stdin); --dryrun only checks it.')
      .argument('<file>', 'the organ template (JSON), or a request body {organ_template}')
      .option('--dryrun', 'report what the build would use and its risks; build nothing')
      .option('--watch', 'follow the staged build until stable, failed or awaiting approval'),
  )
    .addHelpText('after', WATCH_HELP)
    .action(async (file: string, o: ClientOpts & { dryrun?: boolean; watch?: boolean }) => {
      const template = organTemplateOf(file);
      const c = client(o);
      if (o.dryrun === true) {
        if (o.watch === true)
          throw new CliError('invalid_request', '--watch has nothing to follow with --dryrun');
        const r = await call<OrganDryRun>(c, 'POST', '/organs/build', {
          organ_template: template,
          dryrun: true,
        });
        print(o, r, () => dryRunText(r));
        return;
      }
      const start = async (): Promise<Started> => {
        const r = await call<Built>(c, 'POST', '/organs/build', { organ_template: template });
        return { id: r.organ_id, state: r.state, answer: r };
      };
      if (o.watch !== true) {
        const r = await start();
        print(o, r.answer, () => `organ ${r.id} ${r.state}`);
        return;
      }
      await watchBuild(c, start, watchOptions(o));
    });

  withClientOptions(
    organs
      .command('list')
      .description('List organs (oldest first) with their state and call metrics.')
      .option('--state <state>', 'only organs in this state')
      .option('--after <cursor>', 'the page after this cursor (next_cursor of the previous page)')
      .option('--limit <n>', 'at most this many', intArg),
  ).action(async (o: ClientOpts & { state?: string; after?: string; limit?: number }) => {
    const q = new URLSearchParams();
    if (o.state !== undefined) q.set('state', o.state);
    if (o.after !== undefined) q.set('after', o.after);
    if (o.limit !== undefined) q.set('limit', String(o.limit));
    const qs = q.toString();
    const r = await call<OrganPage>(client(o), 'GET', `/organs${qs === '' ? '' : `?${qs}`}`);
    const rows = r.organs;
    print(o, r, () =>
      [
        table(
          rows.map((x) => ({
            id: x.id,
            template: templateText(x.template),
            state: x.state,
            awaiting: x.awaiting_approval ? 'approval' : '-',
            cells: x.cells.length,
            calls: x.metrics.invocations,
            errors: x.metrics.errors,
            p95_ms: x.metrics.p95_ms,
            reason: x.reason,
          })),
          ['id', 'template', 'state', 'awaiting', 'cells', 'calls', 'errors', 'p95_ms', 'reason'],
        ),
        ...(r.next_cursor === null ? [] : [`more: --after ${r.next_cursor}`]),
      ].join('\n'),
    );
  });

  withClientOptions(
    organs
      .command('status')
      .description('One organ: state, cells, metrics, stage history, whether it awaits approval.')
      .argument('<id>'),
  ).action(async (id: string, o: ClientOpts) => {
    const s = await call<OrganView>(client(o), 'GET', organPath(id, '/status'));
    print(o, s, () => organStatusText(s));
  });

  withClientOptions(
    organs.command('approve').description('Approve the stage an organ waits at (HITL).').argument('<id>'),
  ).action(async (id: string, o: ClientOpts) => {
    const r = await call<OrganMoved>(client(o), 'POST', organPath(id, '/approve'), {});
    print(o, r, () => `organ ${r.id} ${r.state}`);
  });

  withClientOptions(
    organs
      .command('invoke')
      .description("Run text through an organ's pathway (default: its first) and print the output.")
      .argument('<id>')
      .argument('<text>', 'the input')
      .option('--pathway <name>', 'the pathway to run')
      .option('--trace', 'also print which cell revision ran each step, and how long it took'),
  ).action(async (id: string, input: string, o: ClientOpts & { pathway?: string; trace?: boolean }) => {
    const r = await call<Invoked>(client(o), 'POST', organPath(id, '/invoke'), {
      input,
      ...(o.pathway === undefined ? {} : { pathway: o.pathway }),
    });
    print(o, r, () =>
      [
        outputText(r.output),
        ...(o.trace === true ? [table(r.trace, ['cell', 'revision', 'duration_ms'])] : []),
      ].join('\n'),
    );
  });

  withClientOptions(
    organs.command('cancel').description('Stop a running build; the organ becomes failed.').argument('<id>'),
  ).action(async (id: string, o: ClientOpts) => {
    const c = client(o);
    await call(c, 'DELETE', organPath(id, '/build'));
    const s = await call<OrganView>(c, 'GET', organPath(id, '/status'));
    print(o, { id: s.id, state: s.state }, () => `organ ${s.id} build cancelled: ${s.state}`);
  });

  withClientOptions(
    organs
      .command('rebuild')
      .description('Start the staged build of an organ again, from draft.')
      .argument('<id>')
      .option('--watch', 'follow the staged build until stable, failed or awaiting approval'),
  )
    .addHelpText('after', WATCH_HELP)
    .action(async (id: string, o: ClientOpts & { watch?: boolean }) => {
      const c = client(o);
      const start = async (): Promise<Started> => {
        const r = await call<OrganMoved>(c, 'POST', organPath(id, '/rebuild'), {});
        return { id: r.id, state: r.state, answer: r };
      };
      if (o.watch !== true) {
        const r = await start();
        print(o, r.answer, () => `organ ${r.id} ${r.state}`);
        return;
      }
      await watchBuild(c, start, watchOptions(o), id);
    });

  registerCellCommands(program, client);

  const examples = program.command('examples').description('The example cells and organs of the package.');
  withClientOptions(
    examples
      .command('load')
      .description(
        'Fabricate every example cell and approve it to stable (a revision that exists is left as is).',
      ),
  ).action(async (o: ClientOpts) => {
    const loaded = await loadExampleCells(client(o));
    print(o, { cells: loaded, organs_dir: EXAMPLE_ORGANS_DIR }, () =>
      [
        table(
          loaded.map((x) => ({
            ...x,
            action:
              x.action === 'created'
                ? 'created, approved'
                : x.action === 'exists'
                  ? 'exists, left as is'
                  : x.action,
          })),
          ['id', 'version', 'action', 'state', 'error'],
        ),
        `example organs: ${EXAMPLE_ORGANS_DIR} (fabrica organs build FILE --watch)`,
      ].join('\n'),
    );
    const failed = loaded.filter((x) => x.action === 'failed');
    if (failed.length > 0)
      throw new CliError(
        'examples_incomplete',
        `${failed.length} of ${loaded.length} example cells failed: ${failed.map((x) => x.id).join(', ')}`,
      );
  });
}

/** `fabrica cells …`: the cell factory (`/factory/cells`). */
function registerCellCommands(program: Command, client: (o: ClientOpts) => Client): void {
  const cells = program
    .command('cells')
    .description('Cells: dry-run, fabricate, move revisions through their lifecycle, invoke.');

  withClientOptions(
    cells
      .command('dryrun')
      .description('What fabricating this template would do (links, risks); changes nothing.')
      .argument('<file>', 'a cell template (JSON), flat or as {backend, tpl}; - reads stdin'),
  ).action(async (file: string, o: ClientOpts) => {
    const r = await call<DryRun>(client(o), 'POST', '/factory/cells/dryrun', readJson(file));
    const { risks, links } = r.report;
    print(o, r, () =>
      [
        `dry run: ${r.ok ? 'ok' : 'not ok'}`,
        `links: ${links.join(', ') || '(none)'}`,
        risks.length === 0 ? 'risks: none' : `risks:\n${table(risks, ['severity', 'code', 'message'])}`,
      ].join('\n'),
    );
  });

  withClientOptions(
    cells
      .command('create')
      .description('Fabricate: register the template and create a draft revision.')
      .argument('<file>', 'a cell template (JSON), flat or as {backend, tpl}; - reads stdin'),
  ).action(async (file: string, o: ClientOpts) => {
    const r = await call<RevisionStateAnswer>(client(o), 'POST', '/factory/cells', readJson(file));
    print(o, r, () => `cell ${r.id} ${r.version} ${r.state}`);
  });

  withClientOptions(
    cells
      .command('list')
      .description('List cells with their newest revision.')
      .option('--state <state>', 'only cells with a revision in this state'),
  ).action(async (o: ClientOpts & { state?: string }) => {
    const q = o.state === undefined ? '' : `?state=${encodeURIComponent(o.state)}`;
    const r = await call<CellPage>(client(o), 'GET', `/factory/cells${q}`);
    print(o, r, () => table(r.cells, ['id', 'version', 'state', 'serving']));
  });

  for (const [command, what] of [
    ['approve', 'Approve a revision one stage on (draft → canary → experimental → stable).'],
    ['disable', 'Disable a revision.'],
    ['rollback', 'Roll a revision back.'],
  ] as const) {
    withClientOptions(
      cells
        .command(command)
        .description(`${what} ID is the cell id (adapter:…; a bare template id means adapter).`)
        .argument('<id>')
        .option('--version <version>', 'the revision (default: the newest)')
        .option('--reason <text>', 'why (recorded in the audit trail)')
        .option('--force', 'approve although the judge’s latest verdict is fail (needs --reason; audited)'),
    ).action(async (id: string, o: ClientOpts & { version?: string; reason?: string; force?: boolean }) => {
      if (o.force === true && command !== 'approve')
        throw new CliError('invalid_request', `--force applies to approve only, not ${command}`);
      const q = o.version === undefined ? '' : `?version=${encodeURIComponent(o.version)}`;
      const r = await call<RevisionStateAnswer>(client(o), 'POST', cellPath(id, `/${command}${q}`), {
        ...(o.reason === undefined ? {} : { reason: o.reason }),
        ...(o.force === true ? { force: true } : {}),
      });
      print(o, r, () => `cell ${r.id} ${r.version} ${r.state}`);
    });
  }

  withClientOptions(
    cells
      .command('invoke')
      .description('Call a cell with text on the revision the traffic split picks; prints the output.')
      .argument('<id>')
      .argument('<text>', 'the input'),
  ).action(async (id: string, input: string, o: ClientOpts) => {
    const r = await call<InvokeAnswer>(client(o), 'POST', cellPath(id, '/invoke'), { input });
    print(o, r, () => outputText(r.output));
  });

  registerRolloutCommands(cells, client);
}

import { InvalidArgumentError, type Command } from 'commander';
import type {
  Capabilities,
  Capability,
  SafeMode,
  Token,
  TokenCreated,
  TokenPage,
} from '../contract/operator.js';
import { durationArg, note, out, print, seqArg, withClientOptions, type ClientOpts } from './command-kit.js';
import { tailEvents } from './events-tail.js';
import { call, type Client } from './http-client.js';
import { table } from './table.js';

const TAIL_HELP = `
The first line says where the stream starts: "following events after seq N (Ctrl-C to stop)" (on stderr
with --json, so that stdout stays one JSON event a line). Then the last --last matching events up to N
(read from the audit trail, so an admin token is needed; without one the tail says so and goes on),
then each new event: seq, time, type, subject, actor.`;

/** `--subject run/run_1` → kind and id; `--subject run` → the kind only. */
function subjectArg(v: string): { kind: string; id?: string } {
  const cut = v.indexOf('/');
  const kind = cut < 0 ? v : v.slice(0, cut);
  const id = cut < 0 ? '' : v.slice(cut + 1);
  if (kind === '')
    throw new InvalidArgumentError(`--subject must be kind/id or a kind, such as run/run_1, not "${v}"`);
  return { kind, ...(id === '' ? {} : { id }) };
}

/** Commands that talk HTTP to a running server. */
export function registerOperatorCommands(program: Command, client: (o: ClientOpts) => Client): void {
  const events = program.command('events').description('The event log.');
  withClientOptions(
    events
      .command('tail')
      .description(
        'Follow the event stream: the last --last events first, then new ones as they come; resumes by itself after a disconnect.',
      )
      .option('--after <seq>', 'start after this seq, replaying from there (default: from now on)', seqArg)
      .option(
        '--last <n>',
        'first show the last n matching events (default 10; 0 with --json; admin token)',
        seqArg,
      )
      .option('--subject <kind/id>', 'only events about this subject (kind/id, or a kind)', subjectArg)
      .option('--subject-kind <kind>', 'only events about this kind of subject')
      .option('--subject-id <id>', 'only events about this subject')
      .option('--type <types>', 'only these event types (comma-separated)')
      .option('--count <n>', 'exit after printing this many new events', seqArg),
  )
    .addHelpText('after', TAIL_HELP)
    .action(
      async (
        o: ClientOpts & {
          after?: number;
          last?: number;
          subject?: { kind: string; id?: string };
          subjectKind?: string;
          subjectId?: string;
          type?: string;
          count?: number;
        },
      ) => {
        const subjectKind = o.subjectKind ?? o.subject?.kind;
        const subjectId = o.subjectId ?? o.subject?.id;
        // History is the recent past up to where the stream starts; --after already replays from there.
        const last = o.after !== undefined ? 0 : (o.last ?? (o.json === true ? 0 : 10));
        await tailEvents(client(o), {
          ...(o.after === undefined ? {} : { after: o.after }),
          ...(subjectKind === undefined ? {} : { subjectKind }),
          ...(subjectId === undefined ? {} : { subjectId }),
          ...(o.type === undefined ? {} : { type: o.type }),
          ...(o.count === undefined ? {} : { count: o.count }),
          last,
          json: o.json === true,
          out,
          note,
        });
      },
    );

  const tokens = program.commands.find((c) => c.name() === 'tokens') ?? program.command('tokens');
  withClientOptions(
    tokens
      .command('create')
      .description('Create a tenant token (admin); the secret is printed once.')
      .requiredOption('--tenant <tenant>', 'tenant the token is bound to')
      .requiredOption('--access <level>', 'read | edit | full | root')
      .option('--expires <duration>', 'lifetime, e.g. 90s, 15m, 12h, 30d', durationArg('--expires'))
      .option('--label <label>', 'a note for people'),
  ).action(async (o: ClientOpts & { tenant: string; access: string; expires?: string; label?: string }) => {
    const created = await call<TokenCreated>(client(o), 'POST', '/tokens', {
      tenant: o.tenant,
      access: o.access,
      ...(o.expires === undefined ? {} : { expires_in: o.expires }),
      ...(o.label === undefined ? {} : { label: o.label }),
    });
    print(o, created, () =>
      [
        `token ${created.id} for tenant ${created.tenant} (${created.access}), expires ${created.expires_at ?? 'never'}`,
        `secret (shown once): ${created.token}`,
      ].join('\n'),
    );
  });
  withClientOptions(tokens.command('list').description('List tokens (admin); never shows secrets.')).action(
    async (o: ClientOpts) => {
      const r = await call<TokenPage>(client(o), 'GET', '/tokens?limit=1000');
      print(o, r, () => table(r.tokens, ['id', 'tenant', 'access', 'state', 'expires_at', 'label']));
    },
  );
  withClientOptions(
    tokens
      .command('revoke')
      .description('Revoke a token (admin).')
      .argument('<id>')
      .option('--reason <text>', 'why'),
  ).action(async (id: string, o: ClientOpts & { reason?: string }) => {
    const q = o.reason === undefined ? '' : `?reason=${encodeURIComponent(o.reason)}`;
    const r = await call<Token>(client(o), 'DELETE', `/tokens/${encodeURIComponent(id)}${q}`);
    print(o, r, () => `token ${id} revoked`);
  });

  const caps = program.command('capabilities').description('Capability gates.');
  withClientOptions(caps.command('list').description('Show every capability and its level.')).action(
    async (o: ClientOpts) => {
      const r = await call<Capabilities>(client(o), 'GET', '/capabilities');
      print(
        o,
        r,
        () =>
          `${table(r.capabilities, ['name', 'level', 'enabled', 'updated_by', 'reason'])}\nsafe mode: ${r.safe_mode.on ? 'on' : 'off'}`,
      );
    },
  );
  withClientOptions(
    caps
      .command('set')
      .description('Set a capability level (admin).')
      .argument('<name>')
      .argument('<level>', 'locked | experimental | stable')
      .requiredOption('--reason <text>', 'why (recorded in the audit trail)'),
  ).action(async (name: string, level: string, o: ClientOpts & { reason: string }) => {
    const r = await call<Capability>(client(o), 'PUT', `/capabilities/${encodeURIComponent(name)}`, {
      level,
      reason: o.reason,
    });
    print(o, r, () => `${name}: ${r.level}`);
  });

  withClientOptions(
    program
      .command('safe-mode')
      .description('Turn safe mode on or off (admin).')
      .argument('<on|off>')
      .requiredOption('--reason <text>', 'why (recorded in the audit trail)'),
  ).action(async (state: string, o: ClientOpts & { reason: string }) => {
    if (state !== 'on' && state !== 'off') throw new InvalidArgumentError('expected on or off');
    const r = await call<SafeMode>(client(o), 'POST', '/safe-mode', {
      on: state === 'on',
      reason: o.reason,
    });
    print(o, r, () => `safe mode ${r.on ? 'on' : 'off'}`);
  });
}

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

/** Commands that talk HTTP to a running server. */
export function registerOperatorCommands(program: Command, client: (o: ClientOpts) => Client): void {
  const events = program.command('events').description('The event log.');
  withClientOptions(
    events
      .command('tail')
      .description('Follow the event stream; resumes by itself after a disconnect.')
      .option('--after <seq>', 'start after this seq (default: from now on)', seqArg)
      .option('--subject-kind <kind>', 'only events about this kind of subject')
      .option('--subject-id <id>', 'only events about this subject')
      .option('--type <types>', 'only these event types (comma-separated)')
      .option('--count <n>', 'exit after printing this many events', seqArg),
  ).action(
    async (
      o: ClientOpts & {
        after?: number;
        subjectKind?: string;
        subjectId?: string;
        type?: string;
        count?: number;
      },
    ) => {
      await tailEvents(client(o), {
        ...(o.after === undefined ? {} : { after: o.after }),
        ...(o.subjectKind === undefined ? {} : { subjectKind: o.subjectKind }),
        ...(o.subjectId === undefined ? {} : { subjectId: o.subjectId }),
        ...(o.type === undefined ? {} : { type: o.type }),
        ...(o.count === undefined ? {} : { count: o.count }),
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

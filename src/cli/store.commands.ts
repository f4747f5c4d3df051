import type { Command } from 'commander';
import type { Config } from '../config/config.js';
import { actorOf, ADMIN_PRINCIPAL } from '../domain/access.js';
import { AccessService } from '../engine/access/access-service.js';
import { verifyChain } from '../engine/audit.js';
import { openStore } from '../fabrica.js';
import type { KyselyStore } from '../store/kysely-store.js';

async function withStore<T>(config: Config, work: (store: KyselyStore) => Promise<T>): Promise<T> {
  const store = await openStore(config);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** Commands that work on the store directly (the server may be stopped): migrate, audit verify, rotate-admin. */
export function registerStoreCommands(program: Command, config: () => Config, _version: string): void {
  program
    .command('migrate')
    .description('Apply pending database migrations (the server also does this at start).')
    .action(async () => {
      const applied = await withStore(config(), (s) => s.migrate());
      process.stdout.write(applied.length === 0 ? 'up to date\n' : `applied: ${applied.join(', ')}\n`);
    });

  const audit = program.command('audit').description('The tamper-evident audit trail.');
  audit
    .command('verify')
    .description('Walk the event hash chain; name the first broken link and exit 1 if there is one.')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { json?: boolean }) => {
      const tty = process.stderr.isTTY && opts.json !== true;
      const report = await withStore(config(), (s) =>
        verifyChain(s, (checked, head) => {
          if (tty) process.stderr.write(`\rchecked ${checked}/${head}`);
        }),
      );
      if (tty) process.stderr.write('\n');
      if (opts.json === true) {
        process.stdout.write(`${JSON.stringify(report)}\n`);
      } else if (report.ok) {
        process.stdout.write(`ok: ${report.checked} events verified, head seq ${report.headSeq}\n`);
      } else {
        const b = report.firstBreak!;
        process.stdout.write(
          `broken: event seq ${b.seq}: ${b.problem.replace(/_/g, ' ')} (expected ${b.expected}, found ${b.found}); ${report.checked} events before it verified\n`,
        );
      }
      if (!report.ok) process.exitCode = 1;
    });

  const tokens = program.command('tokens').description('Access tokens.');
  tokens
    .command('rotate-admin')
    .description('Generate a new admin token, store its hash and print it once (the old one stops working).')
    .action(async () => {
      const c = config();
      if (c.adminToken !== null) {
        process.stderr.write(
          'fabrica: FABRICA_ADMIN_TOKEN is set, so the admin token comes from the environment; change it there\n',
        );
        process.exitCode = 2;
        return;
      }
      const secret = await withStore(c, async (s) => {
        await s.migrate();
        return new AccessService(s, { now: () => Date.now() }, null).rotateAdmin(actorOf(ADMIN_PRINCIPAL));
      });
      process.stdout.write(`${secret}\n`);
      process.stderr.write(
        'fabrica: new admin token printed above; running servers pick it up within a moment.\n',
      );
    });
}

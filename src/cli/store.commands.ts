import type { Command } from 'commander';
import type { Config } from '../config/config.js';
import { actorOf, ADMIN_PRINCIPAL } from '../domain/access.js';
import { AccessService } from '../engine/access/access-service.js';
import { openStore } from '../fabrica.js';
import type { KyselyStore } from '../store/kysely-store.js';
import { registerAuditVerify } from './audit-verify.js';
import type { Client } from './http-client.js';

async function withStore<T>(config: Config, work: (store: KyselyStore) => Promise<T>): Promise<T> {
  const store = await openStore(config);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** Commands that work on the store directly (the server may be stopped): migrate, audit verify, rotate-admin. */
export function registerStoreCommands(
  program: Command,
  config: (flags?: Record<string, string | undefined>) => Config,
  _version: string,
  client: (o: { url?: string; token?: string }) => Client,
): void {
  program
    .command('migrate')
    .description('Apply pending database migrations (the server also does this at start).')
    .action(async () => {
      const applied = await withStore(config(), (s) => s.migrate());
      process.stdout.write(applied.length === 0 ? 'up to date\n' : `applied: ${applied.join(', ')}\n`);
    });

  const audit = program.command('audit').description('The tamper-evident audit trail.');
  registerAuditVerify(audit, config, client);

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

import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type { ChainReport as WireReport } from '../contract/operator.js';
import { verifyChain, type ChainReport } from '../engine/audit.js';
import { openStore } from '../fabrica.js';
import { CliError, call, type Client } from './http-client.js';
import { redactUrl } from './server-url.js';

type VerifyOpts = {
  url?: string;
  token?: string;
  dataDir?: string;
  databaseUrl?: string;
  json?: boolean;
};

const HELP = `
Where it looks:
  --data-dir or --database-url   reads the database directly (the server may be stopped);
                                 a database that does not exist is an error, never created
  --url or --token, or FABRICA_URL or FABRICA_TOKEN set
                                 asks the server (GET /audit/verify; default http://127.0.0.1:3000)
                                 with the token (an admin token)
  otherwise                      reads the database directly: DATABASE_URL, else FABRICA_DATA_DIR
                                 (default ./.fabrica)
Prints one line: "ok: N events verified, head seq S" (exit 0), or "broken: event seq …" naming the
first link that does not hold (exit 1), or "stale: N committed events not sealed since …" when events
committed over a minute ago are still not in the chain (no instance is sealing; exit 1). Any other failure is one line "error <code>: <reason>", exit 1.`;

/** The report as the wire shows it (`GET /audit/verify`), whichever way it was made. */
const toWire = (r: ChainReport): WireReport => ({
  ok: r.ok,
  checked: r.checked,
  head_seq: r.headSeq,
  first_break: r.firstBreak,
  unsealed: { count: r.unsealed.count, oldest_ts: r.unsealed.oldestTs, stale: r.unsealed.stale },
});

function line(r: WireReport): string {
  const waiting = r.unsealed.count > 0 ? `; ${r.unsealed.count} committed, not sealed yet` : '';
  if (r.ok) return `ok: ${r.checked} events verified, head seq ${r.head_seq}${waiting}`;
  if (r.first_break === null)
    return `stale: ${r.unsealed.count} committed events not sealed since ${r.unsealed.oldest_ts}: no instance is sealing; ${r.checked} events verified, head seq ${r.head_seq}`;
  const b = r.first_break;
  return `broken: event seq ${b.seq}: ${b.problem.replace(/_/g, ' ')} (expected ${b.expected}, found ${b.found}); ${r.checked} events before it verified`;
}

/** The first line of an error's message, with any URL's password masked. */
const reasonOf = (e: unknown): string => redactUrl(String((e as Error).message ?? e).split('\n')[0]!);

/**
 * Walks the chain on the database itself. An SQLite file that is not there is refused before anything
 * opens it (opening would create an empty one); nothing is migrated, so an empty or foreign database is
 * named as such rather than changed.
 */
async function verifyOffline(config: Config, progress: boolean): Promise<WireReport> {
  const where =
    config.databaseUrl === null ? join(config.dataDir, 'fabrica.db') : redactUrl(config.databaseUrl);
  if (config.databaseUrl === null && !existsSync(where)) {
    throw new CliError(
      'not_found',
      `no fabrica database at ${where}; give --data-dir <dir> (or --database-url) where the server keeps its data, or --url to ask a running server`,
    );
  }
  let store: Awaited<ReturnType<typeof openStore>>;
  try {
    store = await openStore(config);
  } catch (e) {
    throw new CliError('unavailable', `cannot open the database at ${where}: ${reasonOf(e)}`);
  }
  try {
    const report = await verifyChain(store, (checked, head) => {
      if (progress) process.stderr.write(`\rchecked ${checked}/${head}`);
    });
    if (progress) process.stderr.write('\n');
    return toWire(report);
  } catch (e) {
    if (/no such table|does not exist/i.test(reasonOf(e)))
      throw new CliError(
        'not_found',
        `${where} holds no fabrica event log (${reasonOf(e)}); is it the server's database?`,
      );
    throw new CliError('unavailable', `cannot read the event log at ${where}: ${reasonOf(e)}`);
  } finally {
    await store.close().catch(() => undefined);
  }
}

/**
 * `fabrica audit verify`: the hash chain checked by the server (with a URL) or on the database (with a
 * data directory or database URL). Either way the same one-line result, and `--json` the wire report.
 */
export function registerAuditVerify(
  audit: Command,
  config: (flags: Record<string, string | undefined>) => Config,
  client: (o: { url?: string; token?: string }) => Client,
): void {
  audit
    .command('verify')
    .description(
      'Walk the event hash chain (on the server given a URL or token, else on the database); name the first broken link and exit 1 if there is one.',
    )
    .option('--url <url>', 'ask this server (FABRICA_URL)')
    .option('--token <token>', 'admin bearer token for --url (FABRICA_TOKEN)')
    .option('--data-dir <dir>', 'read the SQLite database in this data directory (FABRICA_DATA_DIR)')
    .option('--database-url <url>', 'read this PostgreSQL database (DATABASE_URL)')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', HELP)
    .action(async (o: VerifyOpts) => {
      const offline = o.dataDir !== undefined || o.databaseUrl !== undefined;
      if (offline && o.url !== undefined) {
        throw new CliError(
          'invalid_request',
          'give either --url (ask the server) or --data-dir/--database-url (read the database), not both',
        );
      }
      // A URL or a token says "ask the server" (the quick start sets only FABRICA_TOKEN).
      const online =
        !offline &&
        [o.url, o.token, process.env.FABRICA_URL, process.env.FABRICA_TOKEN].some((v) => v !== undefined);
      const report = online
        ? await call<WireReport>(client(o), 'GET', '/audit/verify')
        : await verifyOffline(
            config({ 'data-dir': o.dataDir, 'database-url': o.databaseUrl }),
            process.stderr.isTTY && o.json !== true,
          );
      process.stdout.write(`${o.json === true ? JSON.stringify(report) : line(report)}\n`);
      if (!report.ok) process.exitCode = 1;
    });
}

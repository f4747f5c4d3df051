import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/config.js';
import { clientSettings, configFromProcess } from './config-sources.js';
import { registerFactoryCommands } from './factory.commands.js';
import { registerSayCommand } from './say.commands.js';
import { CliError } from './http-client.js';
import { registerOperatorCommands } from './operator.commands.js';
import { registerRunsCommands } from './runs.commands.js';
import { registerStoreCommands } from './store.commands.js';
import { registerTrainingCommands } from './training.commands.js';
import { serve } from './serve.js';
import { registerWebhooksCommands } from './webhooks.commands.js';
import { registerWorkerCommand } from './worker.commands.js';
import { registerSupervisionCommands } from './supervision.commands.js';

const version = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

const program = new Command('fabrica')
  .description('fabrica: a durable factory control plane.')
  .version(version)
  // `--version` after a command is that command's own option (`train --version 1.0.0`, the revision),
  // not the program's.
  .enablePositionalOptions()
  .showHelpAfterError('(add --help for usage)');

program
  .command('serve')
  .description('Start the server (SQLite in the data directory, or PostgreSQL with --database-url).')
  .addOption(new Option('--port <port>', 'listen port (FABRICA_PORT, PORT; default 3000)'))
  .addOption(new Option('--host <host>', 'listen address (FABRICA_HOST; default 127.0.0.1)'))
  .addOption(new Option('--data-dir <dir>', 'data directory (FABRICA_DATA_DIR; default ./.fabrica)'))
  .addOption(new Option('--database-url <url>', 'PostgreSQL URL (DATABASE_URL; default: SQLite)'))
  .action(async (opts: Record<string, string | undefined>) => {
    const config = configFromProcess({
      port: opts.port,
      host: opts.host,
      'data-dir': opts.dataDir,
      'database-url': opts.databaseUrl,
    });
    await serve(config, version);
  });

registerStoreCommands(
  program,
  (flags) => configFromProcess(flags),
  version,
  (o) => clientSettings(o),
);
registerOperatorCommands(program, (o) => clientSettings(o));
registerRunsCommands(program, (o) => clientSettings(o));
registerFactoryCommands(program, (o) => clientSettings(o));
registerSayCommand(program, (o) => clientSettings(o));
registerWebhooksCommands(program, (o) => clientSettings(o));
registerWorkerCommand(program, (o) => clientSettings(o));
registerSupervisionCommands(program, (o) => clientSettings(o));
registerTrainingCommands(program, (o) => clientSettings(o));

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof ConfigError) {
    process.stderr.write(`fabrica: ${e.message}\n`);
    process.exitCode = 2;
  } else if (e instanceof CliError) {
    process.stderr.write(`error ${e.code}: ${e.message}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`fabrica: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  }
}

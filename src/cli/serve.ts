import type { Config } from '../config/config.js';
import { createFabrica } from '../fabrica.js';

/** `fabrica serve`: start, listen, and on SIGTERM/SIGINT drain and exit 0. */
export async function serve(config: Config, version: string): Promise<void> {
  for (const w of config.warnings) process.stderr.write(`fabrica: warning: ${w}\n`);
  const fabrica = await createFabrica(config, { version, armWatchdog: false });
  const { app } = fabrica;
  if (fabrica.generatedAdminToken !== null) {
    process.stderr.write(
      [
        '',
        'fabrica: generated an admin token. It is shown this once and stored only as a hash:',
        '',
        `    ${fabrica.generatedAdminToken}`,
        '',
        'Use it as FABRICA_TOKEN for the CLI, or as "Authorization: Bearer <token>".',
        'Rotate it with: fabrica tokens rotate-admin',
        '',
      ].join('\n'),
    );
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    fabrica
      .close()
      .then(() => {
        app.log.info('stopped');
        process.exit(0);
      })
      .catch((e: unknown) => {
        app.log.error({ err: e }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (e) {
    await fabrica.close();
    throw e;
  }
  // Armed only now: opening the store, compiling the routes' schemas and binding are start-up, not stalls.
  fabrica.watchdog.start();
  app.log.info(
    { store: fabrica.store.kind, data_dir: config.databaseUrl === null ? config.dataDir : undefined },
    'fabrica ready',
  );
}

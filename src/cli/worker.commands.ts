import type { Command } from 'commander';
import { intArg, withClientOptions, type ClientOpts } from './command-kit.js';
import { parseDuration, Worker } from './worker.js';

/** `fabrica worker`: the reference worker (src/cli/worker.ts). */
export function registerWorkerCommand(
  program: Command,
  settings: (o: ClientOpts) => { url: string; token: string | null },
): void {
  withClientOptions(
    program
      .command('worker')
      .description('Claim assignments from a room and run a command for each; its output is the result.')
      .requiredOption('--room <room>', 'room id or name')
      .requiredOption('--exec <command>', 'shell command run once per assignment (prompt + JSON on stdin)')
      .option('--concurrency <n>', 'assignments worked at once', intArg, 1)
      .option(
        '--lease <duration>',
        'lease asked for each claim, renewed every third of it while the command runs (e.g. 60s, 2m)',
        '60s',
      )
      .option('--poll <duration>', 'wait between polls of an empty inbox', '500ms')
      .option('--max <n>', 'stop after this many assignments', intArg),
  ).action(
    async (
      o: ClientOpts & {
        room: string;
        exec: string;
        concurrency: number;
        lease: string;
        poll: string;
        max?: number;
      },
    ) => {
      const worker = new Worker({
        client: settings(o),
        room: o.room,
        exec: o.exec,
        concurrency: o.concurrency,
        leaseMs: parseDuration(o.lease),
        pollMs: parseDuration(o.poll),
        json: o.json === true,
        max: o.max ?? null,
        log: (line) => process.stderr.write(`${line}\n`),
      });
      // Finish what is in hand on the first signal; claim nothing more.
      const stop = () => worker.stop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await worker.run();
    },
  );
}

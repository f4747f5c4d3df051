import type { Command } from 'commander';
import type { Room } from '../contract/rooms.js';
import type { RunStatusView, StartResult } from '../contract/runs.js';
import { note, out, print, text, withClientOptions, type ClientOpts } from './command-kit.js';
import { callData, type Client } from './http-client.js';
import { table } from './table.js';

/** `fabrica rooms …` (the rooms workers serve) and the supervisor's part of `fabrica runs submit`. */

type Settings = (o: ClientOpts) => Client;

/** `runs submit --start`: hands the run to the supervisor and says what it did first. */
export async function startSupervised(
  c: Client,
  id: string,
  room: string | undefined,
  json: boolean,
): Promise<void> {
  const started = await callData<StartResult>(
    c,
    'POST',
    `/llm/factory/runs/${encodeURIComponent(id)}/start`,
    {
      ...(room === undefined ? {} : { room_id: room }),
    },
  );
  if (json) out(JSON.stringify(started));
  else for (const a of started.actions) note(a);
}

/** After following a run to its end: exit 0 when it completed, 1 when it failed or was cancelled. */
export async function exitWithOutcome(c: Client, id: string): Promise<void> {
  const s = await callData<RunStatusView>(c, 'GET', `/llm/factory/runs/${encodeURIComponent(id)}/status`);
  if (s.status !== 'completed') process.exitCode = 1;
}

export function registerSupervisionCommands(program: Command, settings: Settings): void {
  const rooms = program
    .command('rooms')
    .description('Rooms: where supervised and dispatched work waits for workers.');
  withClientOptions(
    rooms.command('list').description('List rooms').option('--tenant <tenant>', 'one tenant'),
  ).action(async (o: ClientOpts & { tenant?: string }) => {
    const page = await callData<Room[]>(
      settings(o),
      'GET',
      `/llm/rooms?limit=1000${o.tenant === undefined ? '' : `&tenant=${encodeURIComponent(o.tenant)}`}`,
    );
    print(o, page, () =>
      table(
        page.map((r) => ({ ...r, purpose: text(r.purpose) })),
        ['id', 'name', 'tenant', 'status', 'purpose'],
      ),
    );
  });
  withClientOptions(
    rooms
      .command('create')
      .description('Create a room')
      .option('--name <name>', 'its name (default: its id)')
      .option('--purpose <purpose>', 'what it is for')
      .option('--tenant <tenant>', 'the tenant it belongs to'),
  ).action(async (o: ClientOpts & { name?: string; purpose?: string; tenant?: string }) => {
    const room = await callData<Room>(settings(o), 'POST', '/llm/rooms', {
      ...(o.name === undefined ? {} : { name: o.name }),
      ...(o.purpose === undefined ? {} : { purpose: o.purpose }),
      ...(o.tenant === undefined ? {} : { tenant: o.tenant }),
    });
    print(o, room, () => `${room.id} ${room.name}`);
  });
  withClientOptions(
    rooms.command('close <id>').description('Close a room: nothing more is dispatched to it'),
  ).action(async (id: string, o: ClientOpts) => {
    const room = await callData<Room>(settings(o), 'POST', `/llm/rooms/${encodeURIComponent(id)}/close`);
    print(o, room, () => `${room.id} ${room.status}`);
  });
}

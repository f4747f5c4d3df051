import type { Migration, MigrationProvider } from 'kysely';
import { foundation } from './001-foundation.js';
import { access } from './002-access.js';
import { runs } from './003-runs.js';
import { cells } from './004-cells.js';
import { organs } from './005-organs.js';
import { roomDetails } from './006-room-details.js';
import { commands } from './007-commands.js';
import { rollouts } from './008-rollouts.js';
import { webhooks } from './009-webhooks.js';
import { supervisor } from './010-supervisor.js';
import { training } from './012-training.js';
import { rollups } from './013-rollups.js';
import { eventSeal } from './014-event-seal.js';

/** Every migration, in order. Names are stable forever: they are recorded in the database. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '001-foundation': foundation,
  '002-access': access,
  '003-runs': runs,
  '004-cells': cells,
  '005-organs': organs,
  '006-room-details': roomDetails,
  '007-commands': commands,
  '008-rollouts': rollouts,
  '009-webhooks': webhooks,
  '010-supervisor': supervisor,
  '012-training': training,
  '013-rollups': rollups,
  '014-event-seal': eventSeal,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(MIGRATIONS),
};

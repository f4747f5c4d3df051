/**
 * The baselines on the same PostgreSQL server: a DBOS Transact workflow with as many durable steps as
 * a fabrica run lifecycle (each step writes one small row, then DBOS checkpoints it), and a bare loop
 * of one autocommitted INSERT per step (the floor: what one durable write costs with nothing around it).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { DBOS } from '@dbos-inc/dbos-sdk';
import pg from 'pg';
import { freshDatabase, type Scratch } from './kernel-pg.js';
import type { Steps } from './kernel-stats.js';

export interface Baselines {
  /** One DBOS workflow of `steps` steps; each `DBOS.runStep` is timed as one durable step. */
  dbosLifecycle(meter: Steps, steps: number): Promise<void>;
  /** `steps` autocommitted INSERTs, each timed as one durable step. */
  bareLifecycle(meter: Steps, steps: number): Promise<void>;
  readonly info: Record<string, unknown>;
  close(): Promise<void>;
}

const PAYLOAD = JSON.stringify({ status: 'passed', summary: 'a small durable row', notes: ['bench'] });

/** Workflows find their case's meter here by name (a workflow's arguments are persisted: no objects). */
const meters = new Map<string, Steps>();
const meterNames = new WeakMap<Steps, string>();
let appPool: pg.Pool | null = null;

async function writeRow(workflowId: string, step: number): Promise<void> {
  await appPool!.query('insert into dbos_steps (workflow_id, step, payload) values ($1, $2, $3)', [
    workflowId,
    step,
    PAYLOAD,
  ]);
}

async function benchWorkflow(steps: number, meterName: string): Promise<number> {
  const meter = meters.get(meterName)!;
  const id = DBOS.workflowID!;
  for (let i = 0; i < steps; i++) {
    await meter.step('step', () => DBOS.runStep(() => writeRow(id, i), { name: `step_${i}` }));
  }
  return steps;
}

// Registered at import, before launch, as DBOS requires.
const workflow = DBOS.registerWorkflow(benchWorkflow, { name: 'fabricaKernelBench' });

/** Creates a fresh database for DBOS (its system tables) and the rows the steps write, and launches DBOS. */
export async function openBaselines(serverUrl: string, poolSize: number): Promise<Baselines> {
  const db: Scratch = await freshDatabase(serverUrl, 'dbos');
  let launched = false;
  try {
    appPool = new pg.Pool({ connectionString: db.url, max: poolSize });
    appPool.on('error', () => undefined);
    await appPool.query(
      'create table dbos_steps (workflow_id text not null, step int not null, payload text not null, primary key (workflow_id, step))',
    );
    await appPool.query(
      'create table bare_steps (id bigserial primary key, run_key text not null, step int not null, payload text not null)',
    );
    // DBOS's own pool overlaps queries on a client in places; pg reports that as a deprecation on stderr.
    process.noDeprecation = true;
    DBOS.setConfig({
      name: 'fabrica-kernel-bench',
      systemDatabaseUrl: db.url,
      systemDatabasePoolSize: poolSize,
      logLevel: 'error',
    });
    await DBOS.launch();
    launched = true;
  } catch (e) {
    if (launched) await DBOS.shutdown();
    await appPool?.end();
    await db.drop();
    throw e;
  }
  const pool = appPool;
  let runSeq = 0;
  return {
    info: { database: 'fresh database on the same server', pool_size: poolSize, dbos_sdk: dbosVersion() },
    async dbosLifecycle(meter, steps) {
      let name = meterNames.get(meter);
      if (name === undefined) {
        name = `m${meters.size}`;
        meters.set(name, meter);
        meterNames.set(meter, name);
      }
      await workflow(steps, name);
    },
    async bareLifecycle(meter, steps) {
      const key = `bare-${process.pid}-${runSeq++}`;
      for (let i = 0; i < steps; i++) {
        await meter.step('step', () =>
          pool.query('insert into bare_steps (run_key, step, payload) values ($1, $2, $3)', [
            key,
            i,
            PAYLOAD,
          ]),
        );
      }
    },
    async close() {
      await DBOS.shutdown();
      await pool.end();
      appPool = null;
      await db.drop();
    },
  };
}

/** The installed SDK's version, read from its package.json (its exports map hides that file). */
function dbosVersion(): string {
  const main = createRequire(import.meta.url).resolve('@dbos-inc/dbos-sdk');
  const root = main.slice(0, main.lastIndexOf(join('@dbos-inc', 'dbos-sdk')) + '@dbos-inc/dbos-sdk'.length);
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

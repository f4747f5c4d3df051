import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Type } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import pg from 'pg';
import { loadConfig, type Config } from '../src/config/config.js';
import { createFabrica, type Fabrica } from '../src/fabrica.js';
import { ADMIN_PRINCIPAL } from '../src/domain/access.js';
import { isCapabilityName } from '../src/domain/capabilities.js';
import { validateCellTemplate } from '../src/domain/cells/cell-template.js';
import { presentCapability } from '../src/http/routes/access.routes.js';
import { newRequestIds } from '../src/http/request-ids.js';
import { parseOrganTemplate } from '../src/domain/organs/organ-template.js';
import { BENCH_ADMIN_TOKEN } from './settings.js';

/** The servers the benchmark loads: two bare Fastify baselines per store, and fabrica itself. */
export type TargetKind = 'hello' | 'sqlite-insert' | 'pg-insert' | 'fabrica' | 'fabrica-bare-read';

export interface TargetOptions {
  /** PostgreSQL URL (search_path set to a fresh schema) for `pg-insert`, or for `fabrica` on PostgreSQL. */
  readonly databaseUrl?: string;
}

export interface Target {
  readonly url: string;
  /** What the target is made of (store, durability mode, plugins found…), for the report. */
  readonly info: Record<string, unknown>;
  /** Counters read after a run, e.g. rows or events written. */
  stats(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/** `PUT` body shape shared by the bare insert routes and fabrica's capability route. */
interface LevelBody {
  readonly level: string;
  readonly reason: string;
}

const SYNCHRONOUS = (process.env.FABRICA_SQLITE_SYNCHRONOUS ?? 'full').trim().toLowerCase();

export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no TCP address');
  return `http://127.0.0.1:${addr.port}`;
}

/**
 * 1. The baseline of every read: Fastify with no plugin and one route; and of every call with a JSON
 * body, a route that parses one and answers with an object of the cell call's shape.
 */
async function hello(): Promise<Target> {
  const app = Fastify({ logger: false });
  app.get('/hello', async () => ({ hello: 'world' }));
  app.post('/echo', async (req) => ({
    output: (req.body as { input?: unknown }).input,
    revision: '1.0.0',
    duration_ms: 0.001,
  }));
  const url = await listen(app);
  return { url, info: { fastify: app.version }, stats: async () => ({}), close: () => app.close() };
}

/** 2. The baseline of a durable write: one better-sqlite3 insert per request, WAL, fabrica's sync mode. */
async function sqliteInsert(): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'fabrica-bench-sqlite-'));
  const db = new BetterSqlite3(join(dir, 'bench.db'));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${SYNCHRONOUS === 'normal' ? 'NORMAL' : 'FULL'}`);
  db.exec(
    'create table items (id integer primary key, ts text not null, level text not null, reason text not null)',
  );
  const insert = db.prepare('insert into items (ts, level, reason) values (?, ?, ?)');
  const count = db.prepare<[], { n: number }>('select count(*) as n from items');
  const app = Fastify({ logger: false });
  app.put('/items', async (req) => {
    const body = req.body as LevelBody;
    const r = insert.run(new Date().toISOString(), body.level, body.reason);
    return { id: Number(r.lastInsertRowid) };
  });
  const url = await listen(app);
  return {
    url,
    info: { synchronous: db.pragma('synchronous', { simple: true }), journal: 'wal' },
    stats: async () => ({ rows: count.get()!.n }),
    close: async () => {
      await app.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** 6b. The PostgreSQL baseline: one insert per request through a pool the size of fabrica's default. */
async function pgInsert(opts: TargetOptions): Promise<Target> {
  if (opts.databaseUrl === undefined) throw new Error('pg-insert needs a database URL');
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 10 });
  await pool.query(
    'create table items (id bigserial primary key, ts text not null, level text not null, reason text not null)',
  );
  const app = Fastify({ logger: false });
  app.put('/items', async (req) => {
    const body = req.body as LevelBody;
    const r = await pool.query<{ id: string }>(
      'insert into items (ts, level, reason) values ($1, $2, $3) returning id',
      [new Date().toISOString(), body.level, body.reason],
    );
    return { id: Number(r.rows[0]!.id) };
  });
  const url = await listen(app);
  return {
    url,
    info: { pool: 10 },
    stats: async () => {
      const r = await pool.query<{ n: string }>('select count(*) as n from items');
      return { rows: Number(r.rows[0]!.n) };
    },
    close: async () => {
      await app.close();
      await pool.end();
    },
  };
}

/**
 * 3–6. fabrica as `serve` builds it (createFabrica), on a fresh SQLite data dir or the given PostgreSQL
 * schema, plus one bench-only public route that makes the capability read route's read without
 * authentication, so the cost of authorization can be told apart from the cost of the read.
 */
async function fabrica(opts: TargetOptions): Promise<Target> {
  const { fabrica: f, config, cleanup } = await benchFabrica(opts);
  f.app.get(
    '/bench/capabilities/:name',
    {
      schema: { hide: true, params: CapabilityParams },
      config: { action: { name: 'bench.capability', public: true } },
    },
    readCapability(f),
  );
  await exampleOrgan(f);
  await rolloutCells(f);
  const url = await listen(f.app);
  const metrics = await f.app.inject({
    method: 'GET',
    url: '/metrics',
    headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` },
  });
  return {
    url,
    info: {
      store: f.store.kind,
      ...(f.store.kind === 'sqlite' ? { synchronous: config.sqliteSynchronous } : {}),
      ...(f.store.kind === 'postgres' ? { pool: config.pgPoolSize } : {}),
      metricsRoute: metrics.statusCode === 404 ? 'absent' : `present (${metrics.statusCode})`,
    },
    stats: async () => ({ headSeq: await f.store.headSeq() }),
    close: cleanup,
  };
}

const CapabilityParams = Type.Object({ name: Type.String() });

/** What `GET /capabilities/:name` does once authorized: the same validation, read and presentation. */
const readCapability =
  (f: Fabrica) =>
  async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const { name } = req.params as { name: string };
    if (!isCapabilityName(name))
      return reply.code(404).send({ code: 'not_found', reason: `no capability ${name}` });
    return presentCapability(f.access.capability(name));
  };

/**
 * 7. fabrica's capability read route on a bare Fastify: fabrica's access service and the route's own
 * validation, read and presentation, and fabrica's request ids (made the same way, the header set by the
 * handler), but none of fabrica's hooks: no authorization, no metrics. What authorization and metrics
 * cost together is measured against it.
 */
async function fabricaBareRead(opts: TargetOptions): Promise<Target> {
  const { fabrica: f, cleanup } = await benchFabrica(opts);
  const app = Fastify({ logger: false, genReqId: newRequestIds(), requestIdHeader: false });
  const read = readCapability(f);
  app.get('/capabilities/:name', { schema: { params: CapabilityParams } }, (req, reply) => {
    reply.header('x-request-id', req.id);
    return read(req, reply);
  });
  const url = await listen(app);
  return {
    url,
    info: { store: f.store.kind, hooks: 'none' },
    stats: async () => ({}),
    close: async () => {
      await app.close();
      await cleanup();
    },
  };
}

/**
 * The cells and organ the invoke cases call: the example voice cells (and echo), approved to stable,
 * and the three-cell voice organ built to stable (stage waits are 0 in the bench).
 */
async function exampleOrgan(f: Fabrica): Promise<void> {
  const dir = new URL('../examples/', import.meta.url);
  const names = [
    'analysis.echo_adapter.v1',
    'analysis.text_normalize.v1',
    'analysis.text_to_phonemes.v1',
    'analysis.speak_adapter.v1',
  ];
  for (const name of names) {
    const tpl = validateCellTemplate(JSON.parse(readFileSync(new URL(`cells/${name}.json`, dir), 'utf8')));
    if (!tpl.ok) throw new Error(`example cell ${name}: ${tpl.error.reason}`);
    const made = await f.cells.fabricate('adapter', tpl.value, true, ADMIN_PRINCIPAL);
    if (!made.ok) throw new Error(`example cell ${name}: ${made.error.reason}`);
    for (let i = 0; i < 3; i += 1) await f.cells.command(made.value.id, 'approve', { actor: 'bench' });
  }
  const organ = parseOrganTemplate(
    JSON.parse(readFileSync(new URL('organs/organ.voice.v1.json', dir), 'utf8')),
  );
  if (!organ.ok) throw new Error(`example organ: ${organ.error.reason}`);
  const built = await f.organs.build(organ.value, ADMIN_PRINCIPAL);
  if (!built.ok) throw new Error(`example organ: ${built.error.reason}`);
  for (let i = 0; i < 500; i += 1) {
    if ((await f.store.organs.organ(built.value.id))?.state === 'stable') return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the example organ did not reach stable');
}

/**
 * The cells of the rollout cost cases: `bench.analysed.v1`, a stable echo with a canary echo under
 * analysis (the judge evaluates every second and stays inconclusive, so the canary stays for the whole
 * run), and `bench.shadowed.v1`, a stable echo whose every call is mirrored to a draft echo (shadow 100%).
 * Both compare with the example echo cell, a stable revision alone.
 */
async function rolloutCells(f: Fabrica): Promise<void> {
  const make = async (id: string, version: string, approvals: number) => {
    const tpl = validateCellTemplate({
      id,
      version,
      analysis_type: 'echo',
      links: [],
      metadata: { schema: 'v1' },
    });
    if (!tpl.ok) throw new Error(`bench cell ${id}: ${tpl.error.reason}`);
    const made = await f.cells.fabricate('adapter', tpl.value, true, ADMIN_PRINCIPAL);
    if (!made.ok) throw new Error(`bench cell ${id}: ${made.error.reason}`);
    for (let i = 0; i < approvals; i += 1)
      await f.cells.command(made.value.id, 'approve', { actor: 'bench', version });
    return made.value.id;
  };
  const analysed = await make('bench.analysed.v1', '1.0.0', 3);
  const policy = await f.rollouts.putPolicy(
    analysed,
    { analysis: { interval_ms: 1000, min_calls: 10_000_000 } },
    'bench',
  );
  if (!policy.ok) throw new Error(`bench policy: ${policy.error.reason}`);
  await make('bench.analysed.v1', '1.1.0', 1);
  const shadowed = await make('bench.shadowed.v1', '1.0.0', 3);
  await make('bench.shadowed.v1', '1.1.0', 0);
  const shadow = await f.rollouts.putPolicy(shadowed, { shadow: { enabled: true, percent: 100 } }, 'bench');
  if (!shadow.ok) throw new Error(`bench policy: ${shadow.error.reason}`);
}

export interface BenchFabrica {
  readonly fabrica: Fabrica;
  readonly config: Config;
  /** Closes fabrica and removes its data directory. */
  readonly cleanup: () => Promise<void>;
}

/**
 * createFabrica on a fresh data directory (and the given PostgreSQL schema, if any), with the bench admin
 * token and logging off. Other FABRICA_* variables of the environment apply (e.g. the SQLite sync mode).
 */
export async function benchFabrica(opts: TargetOptions): Promise<BenchFabrica> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fabrica-bench-data-'));
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.DATABASE_URL;
  const config = loadConfig({
    env: {
      ...env,
      FABRICA_DATA_DIR: dataDir,
      FABRICA_ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
      FABRICA_LOG_LEVEL: 'silent',
      ORGANS_BUILDER_STAGE_DELAYS: '0,0,0',
      ...(opts.databaseUrl === undefined ? {} : { DATABASE_URL: opts.databaseUrl }),
    },
    cwd: dataDir,
  });
  const fabrica = await createFabrica(config, { version: 'bench' }).catch((e: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  });
  return {
    fabrica,
    config,
    cleanup: async () => {
      await fabrica.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function startTarget(kind: TargetKind, opts: TargetOptions): Promise<Target> {
  switch (kind) {
    case 'hello':
      return hello();
    case 'sqlite-insert':
      return sqliteInsert();
    case 'pg-insert':
      return pgInsert(opts);
    case 'fabrica':
      return fabrica(opts);
    case 'fabrica-bare-read':
      return fabricaBareRead(opts);
  }
}

import type { RequestSpec } from './load.js';
import { BENCH_ADMIN_TOKEN } from './settings.js';
import type { TargetKind } from './targets.js';

/** A server process the HTTP cases run against. */
export interface TargetDef {
  readonly label: string;
  readonly kind: TargetKind;
  /** Runs on a fresh PostgreSQL schema (skipped without a database URL). */
  readonly postgres: boolean;
}

export interface CaseDef {
  readonly id: string;
  readonly name: string;
  readonly target: string;
  readonly requests: readonly RequestSpec[];
  /** Case whose req/s this one is compared with, and the least ratio aimed for (null: informative). */
  readonly baseline: string | null;
  readonly goal: number | null;
  /** Server counter read around each run, to check one row or event per write. */
  readonly counter?: 'rows' | 'headSeq';
  /** Overrides BENCH_CONNECTIONS for this case. */
  readonly connections?: number;
}

export const TARGETS: readonly TargetDef[] = [
  { label: 'hello', kind: 'hello', postgres: false },
  { label: 'sqlite insert', kind: 'sqlite-insert', postgres: false },
  { label: 'fabrica (sqlite)', kind: 'fabrica', postgres: false },
  { label: 'fabrica read route, bare (sqlite)', kind: 'fabrica-bare-read', postgres: false },
  { label: 'postgres insert', kind: 'pg-insert', postgres: true },
  { label: 'fabrica (postgres)', kind: 'fabrica', postgres: true },
];

const ADMIN = { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` };
const CAP = '/capabilities/factory_script';
const levels = ['experimental', 'stable'].map((level) => JSON.stringify({ level, reason: 'bench' }));
/** Two PUTs, `experimental` then `stable`: each connection alternates between them. */
const puts = (path: string, headers: Record<string, string> = {}): RequestSpec[] =>
  levels.map((body) => ({ method: 'PUT', path, headers, body }));
const get = (path: string, headers: Record<string, string> = {}): RequestSpec[] => [
  { method: 'GET', path, headers },
];

export const CASES: readonly CaseDef[] = [
  {
    id: 'hello',
    name: 'bare Fastify GET /hello',
    target: 'hello',
    requests: get('/hello'),
    baseline: null,
    goal: null,
  },
  {
    // What any POST with a small JSON body costs in Fastify: reading and parsing the body, the answer.
    id: 'post-echo',
    name: 'bare Fastify POST /echo, JSON in and out',
    target: 'hello',
    requests: [
      {
        method: 'POST',
        path: '/echo',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ input: 'hello' }),
      },
    ],
    baseline: 'hello',
    goal: null,
  },
  {
    id: 'sqlite-insert',
    name: 'bare Fastify + SQLite insert',
    target: 'sqlite insert',
    requests: puts('/items'),
    baseline: null,
    goal: null,
    counter: 'rows',
  },
  {
    id: 'write-sqlite',
    name: `fabrica PUT ${CAP} (sqlite)`,
    target: 'fabrica (sqlite)',
    requests: puts(CAP, ADMIN),
    baseline: 'sqlite-insert',
    goal: 0.6,
    counter: 'headSeq',
  },
  {
    id: 'read-sqlite',
    name: `fabrica GET ${CAP} (sqlite)`,
    target: 'fabrica (sqlite)',
    requests: get(CAP, ADMIN),
    baseline: 'hello',
    goal: 0.6,
  },
  {
    // The same route handler as above, on a public bench-only route of the same app: no authentication.
    id: 'read-public-sqlite',
    name: 'fabrica same read, public route (sqlite)',
    target: 'fabrica (sqlite)',
    requests: get('/bench/capabilities/factory_script', ADMIN),
    baseline: 'hello',
    goal: null,
  },
  {
    // The same route handler on a bare Fastify: neither authorization nor metrics nor fabrica's other hooks.
    id: 'read-bare-sqlite',
    name: 'same read on bare Fastify, no hooks (sqlite)',
    target: 'fabrica read route, bare (sqlite)',
    requests: get(CAP, ADMIN),
    baseline: 'hello',
    goal: null,
  },
  {
    // A read that goes to the database: the organ row, its cells' states and its call counters.
    id: 'read-store-sqlite',
    name: 'fabrica GET /organs/organ-1/status (sqlite)',
    target: 'fabrica (sqlite)',
    requests: get('/organs/organ-1/status', ADMIN),
    baseline: 'hello',
    goal: 0.3,
  },
  {
    id: 'healthz-sqlite',
    name: 'fabrica GET /healthz (sqlite)',
    target: 'fabrica (sqlite)',
    requests: get('/healthz'),
    baseline: 'hello',
    goal: null,
  },
  {
    id: 'cell-invoke-sqlite',
    name: 'fabrica POST /factory/cells/…echo…/invoke (sqlite)',
    target: 'fabrica (sqlite)',
    requests: [
      {
        method: 'POST',
        path: `/factory/cells/${encodeURIComponent('adapter:analysis.echo_adapter.v1')}/invoke`,
        headers: { ...ADMIN, 'content-type': 'application/json' },
        body: JSON.stringify({ input: 'hello' }),
      },
    ],
    // A call is a POST with a small JSON body: compared with the bare one.
    baseline: 'post-echo',
    goal: 0.8,
  },
  {
    // Rollout cost: the same echo call on a cell whose canary is under analysis (10% of the calls go to
    // the canary; the judge's timer evaluates every second), against the stable-only echo cell.
    id: 'cell-invoke-analysis-sqlite',
    name: 'fabrica POST /factory/cells/…/invoke, canary under analysis (sqlite)',
    target: 'fabrica (sqlite)',
    requests: [
      {
        method: 'POST',
        path: `/factory/cells/${encodeURIComponent('adapter:bench.analysed.v1')}/invoke`,
        headers: { ...ADMIN, 'content-type': 'application/json' },
        body: JSON.stringify({ input: 'hello' }),
      },
    ],
    baseline: 'cell-invoke-sqlite',
    goal: 0.95,
  },
  {
    // Rollout cost: every call mirrored to a draft echo after the answer (shadow 100%: twice the cell work).
    id: 'cell-invoke-shadow-sqlite',
    name: 'fabrica POST /factory/cells/…/invoke, shadow 100% (sqlite)',
    target: 'fabrica (sqlite)',
    requests: [
      {
        method: 'POST',
        path: `/factory/cells/${encodeURIComponent('adapter:bench.shadowed.v1')}/invoke`,
        headers: { ...ADMIN, 'content-type': 'application/json' },
        body: JSON.stringify({ input: 'hello' }),
      },
    ],
    baseline: 'cell-invoke-sqlite',
    goal: 0.6,
  },
  {
    id: 'organ-invoke-sqlite',
    name: 'fabrica POST /organs/organ-1/invoke, 3 cells (sqlite)',
    target: 'fabrica (sqlite)',
    requests: [
      {
        method: 'POST',
        path: '/organs/organ-1/invoke',
        headers: { ...ADMIN, 'content-type': 'application/json' },
        body: JSON.stringify({ input: 'Нейра говорит' }),
      },
    ],
    baseline: 'post-echo',
    goal: 0.7,
  },
  {
    id: 'pg-insert',
    name: 'bare Fastify + PostgreSQL insert',
    target: 'postgres insert',
    requests: puts('/items'),
    baseline: null,
    goal: null,
    counter: 'rows',
  },
  {
    id: 'write-postgres',
    name: `fabrica PUT ${CAP} (postgres)`,
    target: 'fabrica (postgres)',
    requests: puts(CAP, ADMIN),
    baseline: 'pg-insert',
    goal: 0.6,
    counter: 'headSeq',
  },
  {
    // No concurrent writers on the row: the write path's own cost, without compare-and-set misses.
    id: 'write-postgres-1conn',
    name: `fabrica PUT ${CAP} (postgres)`,
    target: 'fabrica (postgres)',
    requests: puts(CAP, ADMIN),
    baseline: null,
    goal: null,
    counter: 'headSeq',
    connections: 1,
  },
];

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { loadConfig } from '../src/config/config.js';
import { openStore } from '../src/fabrica.js';
import { storedRun } from './support/runs.js';
import { freshTarget, pgSkip } from './support/stores.js';

/** A store on a fresh schema, `n` events in it; the pool hands back its most recently used connection. */
async function storeWith(env: Record<string, string>) {
  const target = await freshTarget('postgres');
  const store = await openStore(loadConfig({ env: { ...target.env, ...env }, cwd: process.cwd() }));
  await store.migrate();
  await store.transaction(async (tx) => {
    for (let i = 0; i < 3; i += 1) {
      await tx.appendEvent({ type: 't.x', subjectKind: 'k', subjectId: String(i), actor: 'me' });
    }
  });
  return {
    store,
    prepared: async () =>
      (await sql<{ name: string }>`select name from pg_prepared_statements`.execute(store.db)).rows.map(
        (r) => r.name,
      ),
    close: async () => {
      await store.close();
      await target.cleanup();
    },
  };
}

describe('prepared statements on PostgreSQL', { skip: pgSkip }, () => {
  it('runs repeated statements prepared, and not at all when turned off', async () => {
    const on = await storeWith({});
    const off = await storeWith({ FABRICA_PG_PREPARED_STATEMENTS: 'false' });
    try {
      for (const s of [on, off]) {
        for (let i = 0; i < 3; i += 1) assert.equal((await s.store.eventsAfter(0, 10)).length, 3);
      }
      assert.ok((await on.prepared()).some((n) => n.startsWith('fabrica_')));
      assert.deepEqual(await off.prepared(), []);
    } finally {
      await Promise.all([on.close(), off.close()]);
    }
  });

  it('keeps reading after another instance adds a column to a table it reads whole', async () => {
    const s = await storeWith({});
    try {
      assert.equal((await s.store.eventsAfter(0, 10)).length, 3);
      await sql`alter table events add column added_later text`.execute(s.store.db);
      // The statement prepared before the change may fail once on this connection; then it runs unprepared.
      const outcomes: string[] = [];
      for (let i = 0; i < 3; i += 1) {
        outcomes.push(
          await s.store.eventsAfter(0, 10).then(
            (rows) => `rows ${rows.length}`,
            (e: { code?: string }) => `error ${e.code}`,
          ),
        );
      }
      assert.ok(
        outcomes.join() === 'rows 3,rows 3,rows 3' || outcomes.join() === 'error 0A000,rows 3,rows 3',
        outcomes.join(),
      );
    } finally {
      await s.close();
    }
  });

  it('prepares a statement again on its connection after a write held back before it failed', async () => {
    // One connection: every transaction below runs on it.
    const s = await storeWith({ FABRICA_PG_POOL_SIZE: '1' });
    const run = storedRun('run_once', '2026-01-01T00:00:00.000Z');
    try {
      await s.store.transaction((tx) => tx.runs.insertRun(run));
      for (let i = 0; i < 3; i += 1) {
        // The duplicate insert and an update are held back and sent with the lock; the update's and
        // the lock's statements are new to this connection the first time. The insert fails, so
        // neither of them is parsed then.
        await assert.rejects(
          s.store.transaction(async (tx) => {
            await tx.runs.insertRun(run);
            await tx.runs.updateRun({ ...run, title: 'never' });
            await tx.runs.lockRun('run_once');
          }),
          (e: { code?: string }) => e.code === '23505',
        );
        const locked = await s.store.transaction(async (tx) => {
          await tx.runs.updateRun({ ...run, title: `try ${i}` });
          return tx.runs.lockRun('run_once');
        });
        assert.equal(locked?.title, `try ${i}`);
      }
    } finally {
      await s.close();
    }
  });
});

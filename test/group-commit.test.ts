import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { GroupCommit } from '../src/store/group-commit.js';
import type { Database } from '../src/store/schema.js';
import { CachedSqliteDialect } from '../src/store/sqlite-dialect.js';
import { WalFlush } from '../src/store/wal-flush.js';

/** A promise and the function that settles it, to hold a flush open for as long as a test needs. */
function gate(): { promise: Promise<void>; open: () => void; fail: (e: Error) => void } {
  let open!: () => void;
  let fail!: (e: Error) => void;
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

describe('group commit (SQLite)', () => {
  let dir: string;
  let file: string;
  let db: Kysely<Database>;
  let flushes: { promise: Promise<void>; open: () => void; fail: (e: Error) => void }[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fabrica-group-commit-'));
    file = join(dir, 'g.db');
    const raw = new BetterSqlite3(file);
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    db = new Kysely<Database>({ dialect: new CachedSqliteDialect(raw) });
    await sql`create table t (n integer not null)`.execute(db);
  });
  after(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const count = async () => (await sql<{ n: number }>`select count(*) as n from t`.execute(db)).rows[0]!.n;
  const insert = (n: number) => async (trx: Kysely<Database>) => {
    await sql`insert into t (n) values (${n})`.execute(trx);
    return n;
  };

  it('answers nobody before the committed batch is flushed, then everybody', async () => {
    flushes = [];
    const group = new GroupCommit(db, {
      maxBatch: 100,
      maxBatchMs: 1000,
      flush: () => {
        const g = gate();
        flushes.push(g);
        return g.promise;
      },
    });
    const settled: number[] = [];
    const writes = [1, 2, 3].map((n) => group.run(insert(n)).then((v) => settled.push(v)));
    while (flushes.length === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    // Committed (a read sees the rows) but not yet flushed: no one has been answered.
    assert.equal(await count(), 3);
    assert.deepEqual(settled, []);
    assert.equal(flushes.length, 1, 'the three writes share one commit and one flush');
    flushes[0]!.open();
    await Promise.all(writes);
    assert.deepEqual(settled, [1, 2, 3]);
  });

  it('tells every writer of a batch when its flush fails', async () => {
    flushes = [];
    const group = new GroupCommit(db, {
      maxBatch: 100,
      maxBatchMs: 1000,
      flush: () => {
        const g = gate();
        flushes.push(g);
        return g.promise;
      },
    });
    const writes = [4, 5].map((n) => group.run(insert(n)));
    while (flushes.length === 0) await new Promise((r) => setTimeout(r, 5));
    flushes[0]!.fail(new Error('EIO: the disk went away'));
    for (const w of writes) await assert.rejects(w, /EIO/);
  });

  it('flushes the write-ahead log of a real database file', async () => {
    const wal = new WalFlush(file);
    const group = new GroupCommit(db, { maxBatch: 10, maxBatchMs: 100, flush: () => wal.flush() });
    assert.equal(await group.run(insert(6)), 6);
    await wal.close();
    await assert.rejects(new WalFlush(join(dir, 'missing.db')).flush(), /ENOENT/);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { loadConfig } from '../src/config/config.js';
import { GENESIS_HASH } from '../src/domain/event.js';
import { AccessService } from '../src/engine/access/access-service.js';
import { verifyChain } from '../src/engine/audit.js';
import { openStore } from '../src/fabrica.js';
import type { Committed } from '../src/engine/ports.js';
import type { KyselyStore } from '../src/store/kysely-store.js';
import { storedRun } from './support/runs.js';
import { until } from './support/wait.js';
import { freshTarget, STORE_KINDS, type TestStoreTarget } from './support/stores.js';

for (const { kind, skip } of STORE_KINDS) {
  describe(`store contract (${kind})`, { skip }, () => {
    let target: TestStoreTarget;
    let store: KyselyStore;
    let now = Date.parse('2026-01-01T00:00:00Z');
    const clock = { now: () => now };

    before(async () => {
      target = await freshTarget(kind);
      store = await openStore(loadConfig({ env: target.env, cwd: process.cwd() }), clock);
      assert.deepEqual((await store.migrationStatus()).pending.length > 0, true);
      await store.migrate();
      await store.start();
    });
    after(async () => {
      await store.close();
      await target.cleanup();
    });

    it('applies every migration and reports none pending', async () => {
      const m = await store.migrationStatus();
      assert.deepEqual(m.pending, []);
      assert.deepEqual(m.applied, [
        '001-foundation',
        '002-access',
        '003-runs',
        '004-cells',
        '005-organs',
        '006-room-details',
        '007-commands',
        '008-rollouts',
        '009-webhooks',
        '010-supervisor',
        '012-training',
        '013-rollups',
        '014-event-seal',
      ]);
      assert.deepEqual(await store.migrate(), []);
    });

    it('appends events with increasing seq and a hash chain from genesis', async () => {
      await store.transaction(async (tx) => {
        await tx.appendEvent({
          type: 't.a',
          subjectKind: 'k',
          subjectId: '1',
          actor: 'me',
          data: { n: 1 },
        });
        await tx.appendEvent({
          type: 't.b',
          subjectKind: 'k',
          subjectId: '2',
          actor: 'me',
          tenant: 'acme',
        });
      });
      const first = await store.eventsAfter(0, 10);
      assert.deepEqual(
        first.map((e) => [e.type, e.tenant, e.data]),
        [
          ['t.a', null, '{"n":1}'],
          ['t.b', 'acme', '{}'],
        ],
      );
      assert.equal(first[0]!.seq, 1);
      assert.equal(first[0]!.prevHash, GENESIS_HASH);
      assert.equal(first[1]!.seq, 2);
      assert.equal(first[1]!.prevHash, first[0]!.hash);
      assert.equal(await store.headSeq(), 2);
      const report = await verifyChain(store);
      assert.deepEqual(report, {
        ok: true,
        checked: 2,
        headSeq: 2,
        firstBreak: null,
        unsealed: { count: 0, oldestTs: null, stale: false },
      });
    });

    it('stores and chains text that needs escaping exactly as given', async () => {
      const head = await store.headSeq();
      const awkward = 'quote " backslash \\ slash / tab \t newline \n é 日本 🚀 \u2028 \u007f';
      await store.transaction(async (tx) => {
        await tx.appendEvent({
          type: 't.awkward',
          subjectKind: 'k',
          subjectId: awkward,
          actor: `actor ${awkward}`,
          tenant: `tenant ${awkward}`,
          data: { text: awkward, nested: { list: [awkward, null, 1.5] } },
        });
        await tx.appendEvent({ type: 't.plain', subjectKind: 'k', subjectId: 'p', actor: 'me' });
      });
      const [first, second] = await store.eventsAfter(head, 10);
      assert.deepEqual(
        [first!.subjectId, first!.actor, first!.tenant, JSON.parse(first!.data)],
        [
          awkward,
          `actor ${awkward}`,
          `tenant ${awkward}`,
          { text: awkward, nested: { list: [awkward, null, 1.5] } },
        ],
      );
      assert.equal(second!.tenant, null);
      assert.equal(second!.prevHash, first!.hash);
      assert.equal((await verifyChain(store)).ok, true);
    });

    it('rolls back the events of a failed transaction, leaving no gap', async () => {
      const head = await store.headSeq();
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.appendEvent({ type: 't.lost', subjectKind: 'k', subjectId: 'x', actor: 'me' });
          throw new Error('use case failed');
        }),
        /use case failed/,
      );
      assert.equal(await store.headSeq(), head);
      await store.transaction((tx) =>
        tx.appendEvent({ type: 't.c', subjectKind: 'k', subjectId: '3', actor: 'me' }),
      );
      const next = await store.eventsAfter(head, 10);
      assert.deepEqual(
        next.map((e) => [e.seq, e.type]),
        [[head + 1, 't.c']],
      );
      assert.equal((await verifyChain(store)).ok, true);
    });

    it('serialises concurrent appends into one unbroken chain', async () => {
      const head = await store.headSeq();
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          store.transaction(async (tx) => {
            await tx.appendEvent({ type: 't.par', subjectKind: 'par', subjectId: String(i), actor: 'me' });
            await tx.appendEvent({ type: 't.par2', subjectKind: 'par', subjectId: String(i), actor: 'me' });
          }),
        ),
      );
      assert.equal(await store.headSeq(), head + 80);
      const rows = await store.eventsAfter(head, 1000);
      assert.deepEqual(
        rows.map((r) => r.seq),
        Array.from({ length: 80 }, (_, i) => head + i + 1),
      );
      // Both events of one transaction are adjacent: commit order is seq order.
      for (let i = 0; i < rows.length; i += 2) assert.equal(rows[i]!.subjectId, rows[i + 1]!.subjectId);
      assert.equal((await verifyChain(store)).ok, true);
    });

    it('rolls back only the failing one of concurrent transactions, and answers after commit', async () => {
      const head = await store.headSeq();
      const outcomes = await Promise.allSettled(
        Array.from({ length: 30 }, (_, i) =>
          store
            .transaction(async (tx) => {
              await tx.appendEvent({ type: 't.mix', subjectKind: 'mix', subjectId: String(i), actor: 'me' });
              if (i % 3 === 1) throw new Error(`tx ${i} failed`);
            })
            // Told it is done, a reader outside the transaction must already see the event.
            .then(
              async () =>
                (await store.eventsAfter(head, 1000)).find((e) => e.subjectId === String(i))?.subjectId,
            ),
        ),
      );
      outcomes.forEach((o, i) => {
        if (i % 3 === 1) assert.equal(o.status, 'rejected');
        else assert.deepEqual(o, { status: 'fulfilled', value: String(i) });
      });
      const rows = await store.eventsAfter(head, 1000);
      // PostgreSQL commits concurrent transactions in any order: compare the sets.
      assert.deepEqual(
        rows.map((r) => Number(r.subjectId)).sort((a, b) => a - b),
        Array.from({ length: 30 }, (_, i) => i).filter((i) => i % 3 !== 1),
      );
      assert.equal(await store.headSeq(), head + 20);
      assert.equal((await verifyChain(store)).ok, true);
    });

    it('filters events by subject, type, tenant, actor and time', async () => {
      assert.deepEqual(
        (await store.eventsAfter(0, 100, { subjectKind: 'k', subjectId: '2' })).map((e) => e.type),
        ['t.b'],
      );
      assert.deepEqual(
        (await store.eventsAfter(0, 100, { types: ['t.a', 't.c'] })).map((e) => e.type),
        ['t.a', 't.c'],
      );
      assert.deepEqual(
        (await store.eventsAfter(0, 100, { tenant: 'acme' })).map((e) => e.type),
        ['t.b'],
      );
      assert.equal((await store.eventsAfter(0, 1000, { actor: 'nobody' })).length, 0);
      assert.equal((await store.eventsAfter(0, 1000, { from: '2027-01-01T00:00:00.000Z' })).length, 0);
      assert.equal((await store.eventsAfter(0, 2)).length, 2);
    });

    it('gives exactly one of two concurrent writers of one version the win (optimistic concurrency)', async () => {
      const access = new AccessService(store, clock, 'admin-secret');
      const first = await access.setCapability('self_edit', 'experimental', 'r', 'a');
      assert.ok(first.ok);
      const results = await Promise.all([
        access.setCapability('self_edit', 'stable', 'writer 1', 'a', 1),
        access.setCapability('self_edit', 'locked', 'writer 2', 'b', 1),
      ]);
      assert.deepEqual(results.map((r) => r.ok).sort(), [false, true]);
      const loser = results.find((r) => !r.ok);
      assert.equal(loser?.ok === false && loser.error.code, 'conflict');
      assert.equal((await store.access.capability('self_edit'))?.version, 2);
    });

    it('schedules, claims, fires and cancels timers', async () => {
      const [a, b, c] = await store.transaction(async (tx) => [
        await tx.scheduleTimer({ at: now + 1000, subjectKind: 'tk', subjectId: '1', action: 'x' }),
        await tx.scheduleTimer({
          at: now + 2000,
          subjectKind: 'tk',
          subjectId: '2',
          action: 'x',
          payload: { p: 1 },
        }),
        await tx.scheduleTimer({ at: now + 500, subjectKind: 'tk', subjectId: '3', action: 'x' }),
      ]);
      assert.equal(await store.nextTimerDue(), now + 500);
      assert.equal(await store.transaction((tx) => tx.cancelTimer(c)), true);
      assert.equal(await store.transaction((tx) => tx.cancelTimer(c)), false);
      assert.equal(await store.timerTransaction((tx) => tx.claimDueTimer(now)), null);
      now += 1500;
      const claimed = await store.timerTransaction(async (tx) => {
        const t = await tx.claimDueTimer(now);
        if (t) await tx.markTimerFired(t.id, now);
        return t;
      });
      assert.equal(claimed?.id, a);
      assert.equal((await store.timersFor('tk', '1'))[0]?.state, 'fired');
      now += 1000;
      const second = await store.timerTransaction((tx) => tx.claimDueTimer(now));
      assert.equal(second?.id, b);
      assert.deepEqual(second?.payload, { p: 1 });
      assert.equal(await store.transaction((tx) => tx.cancelTimersFor('tk', '2')), 1);
      assert.equal(await store.nextTimerDue(), null);
    });

    it('records timer failures with a retry time, then gives up', async () => {
      const id = await store.transaction((tx) =>
        tx.scheduleTimer({ at: now, subjectKind: 'tf', subjectId: '1', action: 'x' }),
      );
      await store.timerTransaction((tx) => tx.recordTimerFailure(id, 'boom', now + 60_000));
      let [t] = await store.timersFor('tf', '1');
      assert.equal(t?.state, 'pending');
      assert.equal(t?.attempts, 1);
      assert.equal(t?.lastError, 'boom');
      assert.equal(t?.dueAt, now + 60_000);
      await store.timerTransaction((tx) => tx.recordTimerFailure(id, 'boom again', null));
      [t] = await store.timersFor('tf', '1');
      assert.equal(t?.state, 'failed');
    });

    it('wakes commit listeners after commit only', async () => {
      const seen: Committed[] = [];
      const off = store.onCommitted((w) => seen.push(w));
      await store.transaction((tx) =>
        tx.appendEvent({ type: 't.w', subjectKind: 'k', subjectId: 'w', actor: 'me' }),
      );
      await store.transaction(async () => undefined);
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.appendEvent({ type: 't.w', subjectKind: 'k', subjectId: 'w', actor: 'me' });
          throw new Error('no');
        }),
      );
      off();
      // The committed transaction's event reached the listeners once, numbered (on PostgreSQL from the
      // sealer, which may also hear its own NOTIFY echo without records); the rolled-back one's never.
      const numbered = seen.flatMap((w) => w.appended ?? []);
      assert.deepEqual(
        numbered.map((e) => [e.type, e.subjectId]),
        [['t.w', 'w']],
        JSON.stringify(seen),
      );
      assert.ok(seen.every((w) => !w.timers));
      // The writer's own notice carries what it wrote, sealed or not (metrics of this instance read it).
      const wrote = seen.flatMap((w) => w.wrote ?? []);
      assert.deepEqual(
        wrote.map((e) => e.type),
        ['t.w'],
      );
    });

    // On PostgreSQL a transaction's BEGIN goes out with its first statement and its COMMIT with the
    // event flush's last one: a failure in either must still leave nothing behind.
    const token = (id: string) => ({
      id,
      secretHash: `hash-${id}`,
      tenant: 'acme',
      access: 'read' as const,
      label: null,
      state: 'active' as const,
      createdAt: new Date(now).toISOString(),
      createdBy: 'me',
      expiresAt: null,
      revokedAt: null,
      version: 1,
    });

    it('chains a transaction of more events than one insert takes, after and before smaller ones', async () => {
      const head = await store.headSeq();
      const append = (n: number, subjectId: string) =>
        store.transaction(async (tx) => {
          for (let i = 0; i < n; i += 1) {
            await tx.appendEvent({ type: 't.many', subjectKind: 'k', subjectId, actor: 'me', data: { i } });
          }
        });
      await append(2, 'small');
      await append(1_234, 'large');
      await append(3, 'small');
      const seqs: number[] = [];
      for (let after = head; ;) {
        const page = await store.eventsAfter(after, 1_000);
        if (page.length === 0) break;
        seqs.push(...page.map((e) => e.seq));
        after = page.at(-1)!.seq;
      }
      assert.deepEqual(
        seqs,
        Array.from({ length: 1_239 }, (_, i) => head + 1 + i),
      );
      assert.equal(await store.headSeq(), head + 1_239);
      assert.equal((await verifyChain(store)).ok, true);
    });

    it('rolls back a transaction whose first statement fails, and goes on with the next', async () => {
      await store.transaction((tx) => tx.access.insertToken(token('tok_first')));
      const head = await store.headSeq();
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.access.insertToken(token('tok_first'));
          await tx.appendEvent({ type: 't.lost', subjectKind: 'k', subjectId: 'f', actor: 'me' });
        }),
      );
      assert.equal(await store.headSeq(), head);
      for (let i = 0; i < 3; i += 1) {
        await store.transaction((tx) =>
          tx.appendEvent({ type: 't.next', subjectKind: 'k', subjectId: 'f', actor: 'me' }),
        );
      }
      assert.equal(await store.headSeq(), head + 3);
      assert.equal((await verifyChain(store)).ok, true);
    });

    it('writes nothing of a transaction whose last statement fails with its commit', async () => {
      const head = await store.headSeq();
      // Something in the way of the statement that writes the events (and carries the commit): on SQLite
      // a row where the next event's seq goes; on PostgreSQL, where a transaction seals its events itself
      // or leaves them unsealed, a constraint the event breaks in either table.
      const block = async () => {
        if (kind === 'postgres')
          for (const table of ['events', 'event_unsealed'])
            await sql`alter table ${sql.table(table)} add constraint blocked check (type <> 't.lost')`.execute(
              store.db,
            );
        else
          await store.db
            .insertInto('events')
            .values({
              seq: head + 1,
              ts: new Date(now).toISOString(),
              type: 't.blocker',
              subject_kind: 'k',
              subject_id: 'b',
              tenant: null,
              actor: 'me',
              data: '{}',
              prev_hash: 'x',
              hash: 'x',
            })
            .execute();
      };
      const unblock = async () => {
        if (kind === 'postgres')
          for (const table of ['events', 'event_unsealed'])
            await sql`alter table ${sql.table(table)} drop constraint blocked`.execute(store.db);
        else
          await store.db
            .deleteFrom('events')
            .where('seq', '=', head + 1)
            .execute();
      };
      await block();
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.access.insertToken(token('tok_lost'));
          await tx.appendEvent({ type: 't.lost', subjectKind: 'k', subjectId: 'b', actor: 'me' });
        }),
      );
      assert.equal(await store.access.tokenByHash('hash-tok_lost'), null);
      await unblock();
      await store.transaction(async (tx) => {
        await tx.access.insertToken(token('tok_kept'));
        await tx.appendEvent({ type: 't.kept', subjectKind: 'k', subjectId: 'b', actor: 'me' });
      });
      assert.equal((await store.access.tokenByHash('hash-tok_kept'))?.id, 'tok_kept');
      assert.deepEqual(
        (await store.eventsAfter(head, 10)).map((e) => e.type),
        ['t.kept'],
      );
      assert.equal((await verifyChain(store)).ok, true);
    });

    it('seals events a dead writer committed unsealed; while nothing seals them, verify says so', async () => {
      const head = await store.headSeq();
      const leftover = {
        xid: '1',
        pos: 1,
        ts: '2025-12-31T23:00:00.000Z',
        type: 't.leftover',
        subject_kind: 'k',
        subject_id: 'l',
        tenant: null,
        actor: 'me',
        data: '{}',
        content: '"2025-12-31T23:00:00.000Z","t.leftover","k","l",null,"me","{}"',
      };
      await store.db.insertInto('event_unsealed').values(leftover).execute();
      if (kind === 'sqlite') {
        // SQLite seals in the writing transaction and has no sealer: such a row stays, and is reported.
        const stale = await verifyChain(store, undefined, now);
        assert.equal(stale.ok, false);
        assert.equal(stale.firstBreak, null);
        assert.deepEqual(stale.unsealed, { count: 1, oldestTs: leftover.ts, stale: true });
        await store.db.deleteFrom('event_unsealed').execute();
        return;
      }
      // PostgreSQL: the sealer's poll takes it up, numbered after the head and chained.
      const sealed = await until('the leftover sealed', async () => {
        const rows = await store.eventsAfter(head, 10);
        return rows.length > 0 ? rows : false;
      });
      assert.deepEqual(
        sealed.map((e) => [e.seq, e.type, e.ts]),
        [[head + 1, 't.leftover', leftover.ts]],
      );
      const report = await verifyChain(store, undefined, now);
      assert.equal(report.ok, true);
      assert.deepEqual(report.unsealed, { count: 0, oldestTs: null, stale: false });
    });

    // Writes whose outcome nothing reads (a run's row, its records) go out with the statement after them
    // on PostgreSQL, or with the COMMIT when none follows; their failure is the transaction's.
    it('writes a run held back for the commit, drops it on rollback, and fails its transaction on conflict', async () => {
      const run = (id: string) => storedRun(id, new Date(now).toISOString());
      // Nothing after the write: the commit carries it.
      await store.transaction((tx) => tx.runs.insertRun(run('run_held_a')));
      assert.equal((await store.runs.run('run_held_a'))?.id, 'run_held_a');
      // A rollback drops it.
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.runs.insertRun(run('run_held_b'));
          throw new Error('changed my mind');
        }),
        /changed my mind/,
      );
      assert.equal(await store.runs.run('run_held_b'), null);
      // A failing write fails the statement after it, and the transaction writes nothing.
      const head = await store.headSeq();
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.runs.insertRun(run('run_held_c'));
          await tx.runs.insertRun(run('run_held_a'));
          await tx.appendEvent({ type: 't.lost', subjectKind: 'run', subjectId: 'c', actor: 'me' });
        }),
      );
      assert.equal(await store.headSeq(), head);
      assert.equal(await store.runs.run('run_held_c'), null);
      await store.transaction(async (tx) => {
        await tx.runs.insertRun(run('run_held_e'));
        await tx.appendEvent({ type: 't.kept', subjectKind: 'run', subjectId: 'e', actor: 'me' });
      });
      assert.equal((await store.runs.run('run_held_e'))?.id, 'run_held_e');
      assert.deepEqual(
        (await store.eventsAfter(head, 10)).map((e) => e.type),
        ['t.kept'],
      );
      assert.equal((await verifyChain(store)).ok, true);
    });
  });
}

// node:test's describe/test return promises that the runner itself awaits.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Clock } from '../src/engine/ports.js';
import { Watchdog, type StallProbe, type WatchdogLog } from '../src/engine/observability/watchdog.js';
import { startTestFabrica, type TestFabrica } from './support/app.js';
import { STORE_KINDS } from './support/stores.js';

/** Thresholds the app's own watchdog never reaches, for tests that drive a watchdog of their own. */
const QUIET = { FABRICA_WATCHDOG_SOFT_MS: '3600000', FABRICA_WATCHDOG_HARD_MS: '3600000' };

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const alarmsFor = async (f: TestFabrica, subjectId: string) => {
  const res = await f.request(
    'GET',
    `/audit?type=watchdog.soft,watchdog.hard&subject_id=${encodeURIComponent(subjectId)}`,
  );
  assert.equal(res.status, 200, res.text);
  return res.body.events as { type: string; subject_kind: string; data: Record<string, unknown> }[];
};

/** A timer for an action nobody registered; the test keeps the scheduler from reaching it. */
const scheduleStuckTimer = (f: TestFabrica, at: number) =>
  f.fabrica.store.transaction((tx) =>
    tx.scheduleTimer({ at, subjectKind: 'build', subjectId: 'b-1', action: 'test.never_handled' }),
  );

/** A stall probe the test feeds by hand, and a clock it moves by hand: no real time involved. */
function scripted(start: number) {
  const stalls: number[] = [];
  const probe: StallProbe = {
    start: () => undefined,
    stop: () => undefined,
    takeMaxMs: () => stalls.shift() ?? 0,
  };
  const clock: Clock & { t: number } = { t: start, now: () => clock.t };
  const logs: { level: string; msg: string }[] = [];
  const log: WatchdogLog = (level, _details, msg) => logs.push({ level, msg });
  return { stalls, probe, clock, logs, log };
}

for (const { kind, skip } of STORE_KINDS) {
  describe(`watchdog (${kind})`, { skip }, () => {
    test('a timer left past its due time raises soft, then hard, once each per episode', async () => {
      const f = await startTestFabrica(kind, QUIET);
      try {
        // Far in the future for the real scheduler and the app's watchdog; overdue for the scripted clock.
        const dueAt = Date.now() + 10 * 86_400_000;
        const id = await scheduleStuckTimer(f, dueAt);
        const s = scripted(dueAt + 50);
        const dog = new Watchdog(f.fabrica.store, {
          softMs: 100,
          hardMs: 1000,
          clock: s.clock,
          probe: s.probe,
          log: s.log,
          onError: (e) => assert.fail(String(e)),
        });
        await dog.check();
        assert.deepEqual(await alarmsFor(f, id), [], 'not yet past the soft threshold');
        s.clock.t = dueAt + 500;
        await dog.check();
        await dog.check();
        s.clock.t = dueAt + 5000;
        await dog.check();
        await dog.check();
        const events = await alarmsFor(f, id);
        assert.deepEqual(
          events.map((e) => e.type),
          ['watchdog.soft', 'watchdog.hard'],
        );
        assert.equal(events[1]!.subject_kind, 'watchdog');
        assert.equal(events[1]!.data.kind, 'timer');
        assert.equal(events[1]!.data.action, 'test.never_handled');
        assert.equal(events[1]!.data.overdue_ms, 5000);
        assert.deepEqual(dog.alarms, { soft: 1, hard: 1 });
        assert.deepEqual(
          s.logs.map((l) => l.level),
          ['warn', 'error'],
        );

        // Cancelled: the episode ends, and nothing is raised for it any more.
        await f.fabrica.store.transaction((tx) => tx.cancelTimer(id));
        s.clock.t = dueAt + 50_000;
        await dog.check();
        assert.equal((await alarmsFor(f, id)).length, 2);
      } finally {
        await f.close();
      }
    });

    test('event-loop stalls raise one alarm per level per episode', async () => {
      const f = await startTestFabrica(kind, QUIET);
      try {
        const s = scripted(Date.now());
        const dog = new Watchdog(f.fabrica.store, {
          softMs: 100,
          hardMs: 1000,
          clock: s.clock,
          probe: s.probe,
          log: s.log,
          onError: (e) => assert.fail(String(e)),
        });
        // episode 1: soft, escalates to hard, stays hard; ends; episode 2: hard straight away.
        s.stalls.push(150, 120, 1500, 2000, 10, 3000);
        for (let i = 0; i < 6; i++) await dog.check();
        const events = await alarmsFor(f, 'event_loop');
        assert.deepEqual(
          events.map((e) => [e.type, e.data.stall_ms]),
          [
            ['watchdog.soft', 150],
            ['watchdog.hard', 1500],
            ['watchdog.hard', 3000],
          ],
        );
        assert.deepEqual(dog.alarms, { soft: 1, hard: 2 });
      } finally {
        await f.close();
      }
    });

    test("the app's watchdog reports a timer the stopped scheduler left overdue", async () => {
      const f = await startTestFabrica(kind, {
        FABRICA_WATCHDOG_SOFT_MS: '50',
        FABRICA_WATCHDOG_HARD_MS: '100',
      });
      try {
        await f.fabrica.scheduler.stop();
        const id = await scheduleStuckTimer(f, Date.now() - 60_000);
        const [alarm] = await waitFor('a watchdog.hard event for the timer', async () => {
          const events = await alarmsFor(f, id);
          return events.length > 0 ? events : undefined;
        });
        assert.equal(alarm!.type, 'watchdog.hard');
        assert.equal(alarm!.data.timer_id, id);
        assert.ok(
          f.logs.some((l) => l.includes('"level":50') && l.includes(id)),
          'hard alarm is logged as an error',
        );
        const metrics = await f.request('GET', '/metrics');
        assert.match(metrics.text, /^fabrica_watchdog_alarms_total\{kind="timer",level="hard"\} 1$/m);
        await f.fabrica.watchdog.check();
        await f.fabrica.watchdog.check();
        assert.equal((await alarmsFor(f, id)).length, 1, 'one alarm per episode');
      } finally {
        await f.close();
      }
    });

    test("the app's watchdog reports an event-loop stall past the hard threshold", async () => {
      const f = await startTestFabrica(kind, {
        FABRICA_WATCHDOG_SOFT_MS: '50',
        FABRICA_WATCHDOG_HARD_MS: '150',
      });
      try {
        const blockedMs = 600;
        // Blocks this thread (and so the event loop) without burning a core other test files may need.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, blockedMs);
        const alarm = await waitFor('a watchdog.hard event for the event loop', async () => {
          const events = await alarmsFor(f, 'event_loop');
          // Half the busy-wait at least: this stall, not some smaller hiccup of the test process.
          return events.find((e) => e.type === 'watchdog.hard' && Number(e.data.stall_ms) >= blockedMs / 2);
        });
        assert.equal(alarm.data.kind, 'event_loop');
        assert.equal(alarm.data.threshold_ms, 150);
        const res = await f.request('GET', '/audit?type=watchdog.hard');
        assert.ok(res.body.events.some((e: { subject_id: string }) => e.subject_id === 'event_loop'));
        assert.ok(f.fabrica.watchdog.alarms.hard >= 1);
      } finally {
        await f.close();
      }
    });
  });
}

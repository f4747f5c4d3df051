import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Watchdog, type StallProbe } from '../src/engine/observability/watchdog.js';
import { startTestFabrica } from './support/app.js';
import { startServerProcess } from './support/server-process.js';
import { freshTarget } from './support/stores.js';

/** The shipped thresholds (the test environment raises them for other suites). */
const DEFAULTS = {
  FABRICA_WATCHDOG_SOFT_MS: '200',
  FABRICA_WATCHDOG_HARD_MS: '2000',
  FABRICA_WATCHDOG_GRACE_MS: '1000',
};

describe('the watchdog leaves start-up and a lone stall alone', () => {
  test('an idle server raises no watchdog alarm from start until its watchdog has checked a while', async () => {
    const target = await freshTarget('sqlite');
    const server = await startServerProcess({ ...target.env, ...DEFAULTS });
    try {
      const deadline = Date.now() + 60_000;
      let status: { watchdogs: { checks: number; alarms: { soft: number; hard: number } } };
      for (;;) {
        const res = await server.request('GET', '/introspection/status');
        assert.equal(res.status, 200);
        status = res.body;
        // Ten checks after listening: past start-up, and an idle loop seen many times over.
        if (status.watchdogs.checks >= 10) break;
        assert.ok(Date.now() < deadline, `the watchdog did not check (${JSON.stringify(status.watchdogs)})`);
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.deepEqual(status.watchdogs.alarms, { soft: 0, hard: 0 });
      const events = await server.request('GET', '/audit?type=watchdog.soft,watchdog.hard&limit=1000');
      assert.deepEqual(events.body.events, [], 'no watchdog.* event');
    } finally {
      await server.kill();
      await target.cleanup();
    }
  });

  test('a lone stall within the grace is forgiven; a second within a minute, or a longer one, is not', async () => {
    const f = await startTestFabrica('sqlite', {
      FABRICA_WATCHDOG_SOFT_MS: '3600000',
      FABRICA_WATCHDOG_HARD_MS: '3600000',
    });
    try {
      const stalls: number[] = [];
      const probe: StallProbe = {
        start: () => undefined,
        stop: () => undefined,
        takeMaxMs: () => stalls.shift() ?? 0,
      };
      const make = (graceMs: number) =>
        new Watchdog(f.fabrica.store, {
          softMs: 200,
          hardMs: 2000,
          graceMs,
          probe,
          clock: { now: () => Date.now() },
          log: () => undefined,
          onError: (e) => assert.fail(String(e)),
        });
      const loopAlarms = async () =>
        (
          await f.request('GET', '/audit?type=watchdog.soft,watchdog.hard&subject_id=event_loop')
        ).body.events.map((e: { type: string; data: { stall_ms: number } }) => [e.type, e.data.stall_ms]);

      const dog = make(1000);
      stalls.push(625);
      await dog.check();
      assert.deepEqual(await loopAlarms(), [], 'one 625 ms stall is forgiven');
      stalls.push(0, 700);
      await dog.check();
      await dog.check();
      assert.deepEqual(await loopAlarms(), [['watchdog.soft', 700]], 'a second one within a minute is not');
      stalls.push(0, 1500);
      await dog.check();
      await dog.check();
      assert.deepEqual(dog.alarms, { soft: 2, hard: 0 }, 'a stall past the grace is not forgiven');
      stalls.push(0, 2500);
      await dog.check();
      await dog.check();
      assert.deepEqual(dog.alarms, { soft: 2, hard: 1 }, 'nor one past hard');

      // Without a grace every stall past soft counts.
      const strict = make(0);
      stalls.push(300);
      await strict.check();
      assert.deepEqual(strict.alarms, { soft: 1, hard: 0 });
      assert.equal(strict.checks, 1);
    } finally {
      await f.close();
    }
  });
});

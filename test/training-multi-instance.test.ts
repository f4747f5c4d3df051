import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestFabrica } from './support/app.js';
import { startServerProcess, type ServerProcess } from './support/server-process.js';
import { freshTarget, pgSkip } from './support/stores.js';
import {
  FINAL,
  JOB,
  outcome,
  shippedSetup,
  trialEvents,
  viaProcess,
  waitForJob,
} from './support/training.js';

describe('training on two instances of one PostgreSQL', { skip: pgSkip }, () => {
  it(
    'runs each step once, whichever instance claims it, and ends as one instance would',
    { timeout: 600_000 },
    async () => {
      const ref = await startTestFabrica('postgres');
      let expected: any;
      try {
        const req = (m: string, u: string, body?: unknown) =>
          ref.request(m, u, body === undefined ? {} : { body });
        const { dataset } = await shippedSetup(req);
        const created = await req('POST', '/factory/training', JOB(dataset));
        expected = outcome(await waitForJob(req, created.body.id, (j) => FINAL.includes(j.state), 'an end'));
      } finally {
        await ref.close();
      }
      const target = await freshTarget('postgres');
      const env = { ...target.env, FABRICA_TRAINING_STEP_MS: '20' };
      const a = await startServerProcess(env);
      const b = await startServerProcess(env);
      try {
        const { dataset } = await shippedSetup(viaProcess(a));
        const created = await b.request('POST', '/factory/training', JOB(dataset));
        assert.equal(created.status, 201);
        const id = created.body.id as string;
        const end = await waitForJob(viaProcess(a), id, (j) => FINAL.includes(j.state), 'an end', 120_000);
        assert.deepEqual(outcome(end), expected);
        const events = await trialEvents(viaProcess(b), id);
        const keys = events.map((e) => `${e.data.iteration}.${e.data.trial}`);
        assert.equal(new Set(keys).size, keys.length);
        assert.equal(keys.length, end.trials);
        // Each step fired once: one fired timer per step, over both instances.
        const fired = async (p: ServerProcess) => {
          const text = await (
            await fetch(`${p.url}/metrics`, {
              headers: {
                authorization: `Bearer ${process.env.FABRICA_ADMIN_TOKEN ?? 'fab_test_admin_token_0123456789abcdef'}`,
              },
            })
          ).text();
          const m = /^fabrica_timers_fired_total\{action="training\.step"\} (\d+)/m.exec(text);
          return m === null ? 0 : Number(m[1]);
        };
        const trialsCounted = async (p: ServerProcess) => {
          const text = await (
            await fetch(`${p.url}/metrics`, {
              headers: { authorization: `Bearer fab_test_admin_token_0123456789abcdef` },
            })
          ).text();
          const m = /^training_trials_total (\d+)/m.exec(text);
          return m === null ? 0 : Number(m[1]);
        };
        assert.ok((await fired(a)) + (await fired(b)) > 0);
        assert.equal((await trialsCounted(a)) + (await trialsCounted(b)), end.trials);
      } finally {
        await a.kill('SIGKILL');
        await b.kill('SIGKILL');
        await target.cleanup();
      }
    },
  );
});

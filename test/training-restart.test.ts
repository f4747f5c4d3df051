import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestFabrica } from './support/app.js';
import { startServerProcess } from './support/server-process.js';
import { freshTarget, STORE_KINDS } from './support/stores.js';
import {
  FINAL,
  JOB,
  outcome,
  shippedSetup,
  trialEvents,
  viaProcess,
  waitForJob,
} from './support/training.js';

for (const { kind, skip } of STORE_KINDS) {
  describe(`training survives a crash (${kind})`, { skip }, () => {
    it(
      'a job SIGKILLed mid-iteration resumes and ends as an uninterrupted run with the same seed',
      { timeout: 600_000 },
      async () => {
        // The reference: the same job, never interrupted.
        const ref = await startTestFabrica(kind);
        let expected: any;
        try {
          const req = (m: string, u: string, body?: unknown) =>
            ref.request(m, u, body === undefined ? {} : { body });
          const { dataset } = await shippedSetup(req);
          const created = await req('POST', '/factory/training', JOB(dataset));
          assert.equal(created.status, 201, JSON.stringify(created.body));
          expected = outcome(
            await waitForJob(req, created.body.id, (j) => FINAL.includes(j.state), 'an end'),
          );
        } finally {
          await ref.close();
        }
        assert.ok(expected.trials >= 5, 'the reference ran at least one iteration of trials');

        const target = await freshTarget(kind);
        // Paced, one trial per step, so that the kill lands between the first trials and the end. (The
        // reference above ran several trials per step: how trials share steps changes no result.)
        const env = { ...target.env, FABRICA_TRAINING_STEP_MS: '150', FABRICA_TRAINING_STEP_BUDGET_MS: '0' };
        let server = await startServerProcess(env);
        try {
          const { dataset } = await shippedSetup(viaProcess(server));
          const created = await server.request('POST', '/factory/training', JOB(dataset));
          assert.equal(created.status, 201);
          const id = created.body.id as string;
          const mid = await waitForJob(
            viaProcess(server),
            id,
            (j) => j.phase === 'trials' && j.trials >= 2,
            'its trials',
            120_000,
          );
          assert.equal(mid.state, 'running');
          await server.kill('SIGKILL');
          server = await startServerProcess(env);
          const after = await waitForJob(
            viaProcess(server),
            id,
            (j) => FINAL.includes(j.state),
            'an end',
            120_000,
          );
          assert.deepEqual(outcome(after), expected);
          // Each trial is on the log once: none was counted twice.
          const events = await trialEvents(viaProcess(server), id);
          const keys = events.map((e) => `${e.data.iteration}.${e.data.trial}`);
          assert.equal(new Set(keys).size, keys.length);
          assert.equal(keys.length, after.trials);
        } finally {
          await server.kill('SIGKILL');
          await target.cleanup();
        }
      },
    );
  });
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli, startServerProcess } from './support/server-process.js';
import { freshTarget, STORE_KINDS } from './support/stores.js';
import { until } from './support/wait.js';

const SECRET = /^ {4}(fab_[A-Za-z0-9_-]{20,})$/m;

for (const { kind, skip } of STORE_KINDS) {
  describe(`the admin token without FABRICA_ADMIN_TOKEN (${kind})`, { skip }, () => {
    it('is generated and printed once on first start, and `tokens rotate-admin` replaces it', async () => {
      const target = await freshTarget(kind);
      // No admin token in the environment: the server makes one.
      const env = { ...target.env, FABRICA_ADMIN_TOKEN: '' };
      try {
        const first = await startServerProcess(env);
        let generated: string;
        try {
          await until('the generated token to be printed', () => SECRET.test(first.stderr.join('')));
          generated = SECRET.exec(first.stderr.join(''))![1]!;
          assert.match(first.stderr.join(''), /Rotate it with: fabrica tokens rotate-admin/);
          assert.equal((await first.request('GET', '/capabilities', undefined, generated)).status, 200);
          assert.equal((await first.request('GET', '/capabilities', undefined, `${generated}x`)).status, 401);
          // Only its hash is kept: the secret is in no event and in no log line.
          const events = await first.request('GET', '/audit?limit=1000', undefined, generated);
          assert.ok(!JSON.stringify(events.body).includes(generated));
          assert.ok(!first.stdout.join('').includes(generated));
        } finally {
          assert.equal(await first.kill('SIGTERM'), 0);
        }

        // Started again on the same data: nothing generated, nothing printed, the same token works.
        const second = await startServerProcess(env);
        try {
          assert.equal((await second.request('GET', '/capabilities', undefined, generated)).status, 200);
          assert.ok(!/generated an admin token/.test(second.stderr.join('')));

          // Rotated from the CLI on the store itself while the server runs; the server picks it up.
          const rotated = await runCli(['tokens', 'rotate-admin'], { ...env, FABRICA_LOG_LEVEL: 'silent' });
          assert.equal(rotated.code, 0, rotated.stderr);
          const fresh = rotated.stdout.trim();
          assert.match(fresh, /^fab_[A-Za-z0-9_-]{20,}$/);
          assert.notEqual(fresh, generated);
          await until(
            'the server to take the new token',
            async () => (await second.request('GET', '/capabilities', undefined, fresh)).status === 200,
          );
          assert.equal((await second.request('GET', '/capabilities', undefined, generated)).status, 401);
          const audit = await second.request('GET', '/audit?subject_id=admin&limit=100', undefined, fresh);
          assert.deepEqual(
            audit.body.events.map((e: { type: string }) => e.type),
            ['token.admin_generated', 'token.admin_rotated'],
          );
        } finally {
          await second.kill('SIGTERM');
        }

        // With the token set in the environment, rotation is refused: it must be changed there.
        const refused = await runCli(['tokens', 'rotate-admin'], {
          ...target.env,
          FABRICA_ADMIN_TOKEN: 'fab_from_the_environment_0123456789',
          FABRICA_LOG_LEVEL: 'silent',
        });
        assert.equal(refused.code, 2);
        assert.match(refused.stderr, /FABRICA_ADMIN_TOKEN is set/);
        assert.equal(refused.stdout, '');
      } finally {
        await target.cleanup();
      }
    });
  });
}

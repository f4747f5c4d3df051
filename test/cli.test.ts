import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ADMIN } from './support/app.js';
import { runCli, startServerProcess } from './support/server-process.js';
import { freshTarget } from './support/stores.js';

describe('fabrica CLI against a running server', () => {
  it('manages tokens, capabilities and safe mode, tails events, and reports errors as one line', async () => {
    const target = await freshTarget('sqlite');
    const server = await startServerProcess(target.env);
    const env = { FABRICA_URL: server.url, FABRICA_TOKEN: ADMIN };
    try {
      const head = (await server.request('GET', '/audit/verify')).body.head_seq as number;
      const created = await runCli(
        ['tokens', 'create', '--tenant', 'acme', '--access', 'edit', '--expires', '30d', '--json'],
        env,
      );
      assert.equal(created.code, 0, created.stderr);
      const token = JSON.parse(created.stdout);
      assert.equal(token.tenant, 'acme');
      assert.match(token.token, /^fab_/);

      const list = await runCli(['tokens', 'list'], env);
      assert.match(list.stdout, /^ID\s+TENANT\s+ACCESS\s+STATE/m);
      assert.match(list.stdout, new RegExp(`${token.id}\\s+acme\\s+edit\\s+active`));
      assert.ok(!list.stdout.includes(token.token));

      const set = await runCli(
        ['capabilities', 'set', 'factory_script', 'experimental', '--reason', 'trial'],
        env,
      );
      assert.equal(set.stdout.trim(), 'factory_script: experimental');
      const safe = await runCli(['safe-mode', 'on', '--reason', 'drill'], env);
      assert.equal(safe.stdout.trim(), 'safe mode on');
      const revoke = await runCli(['tokens', 'revoke', token.id, '--reason', 'done'], env);
      assert.equal(revoke.code, 0);

      const types = 'token.created,capability.changed,safe_mode.changed,token.revoked';
      const tail = await runCli(
        ['events', 'tail', '--after', String(head), '--type', types, '--count', '4', '--json'],
        env,
      );
      assert.equal(tail.code, 0, tail.stderr);
      const events = tail.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.deepEqual(
        events.map((e) => e.type),
        ['token.created', 'capability.changed', 'safe_mode.changed', 'token.revoked'],
      );
      assert.ok(
        events.every((e, i) => i === 0 || e.seq > events[i - 1].seq),
        'in seq order',
      );

      const denied = await runCli(['tokens', 'list'], {
        FABRICA_URL: server.url,
        FABRICA_TOKEN: token.token,
      });
      assert.equal(denied.code, 1);
      assert.equal(denied.stderr.trim(), 'error unauthorized: token revoked');
      const bad = await runCli(['capabilities', 'set', 'warp', 'stable', '--reason', 'x'], env);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /^error not_found: no capability named warp/);
      const down = await runCli(['tokens', 'list'], {
        FABRICA_URL: 'http://127.0.0.1:9',
        FABRICA_TOKEN: ADMIN,
      });
      assert.match(down.stderr, /^error unreachable: cannot reach http:\/\/127\.0\.0\.1:9/);
    } finally {
      await server.kill('SIGTERM');
      await target.cleanup();
    }
  });

  it('prints help for every command', async () => {
    for (const args of [
      ['--help'],
      ['serve', '--help'],
      ['events', 'tail', '--help'],
      ['audit', 'verify', '--help'],
      ['tokens', 'create', '--help'],
    ]) {
      const r = await runCli(args, {});
      assert.equal(r.code, 0, args.join(' '));
      assert.match(r.stdout, /^Usage: fabrica/m);
    }
  });
});

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { ADMIN } from './support/app.js';
import { cli, oneLineFailure } from './support/cli-process.js';
import { startServerProcess } from './support/server-process.js';
import { STORE_KINDS, freshTarget, type TestStoreTarget } from './support/stores.js';

/** Changes one stored event's data behind the server's back. */
async function tamper(target: TestStoreTarget, seq: number): Promise<void> {
  const data = '{"forged":true}';
  if (target.databaseUrl === null) {
    const db = new Database(join(target.dataDir, 'fabrica.db'));
    db.prepare('update events set data = ? where seq = ?').run(data, seq);
    db.close();
    return;
  }
  const c = new pg.Client({ connectionString: target.databaseUrl });
  await c.connect();
  await c.query('update events set data = $1 where seq = $2', [data, seq]);
  await c.end();
}

const OK_LINE = /^ok: (\d+) events verified, head seq (\d+)\n$/;

for (const { kind, skip } of STORE_KINDS) {
  describe(`fabrica audit verify (${kind})`, { skip }, () => {
    it('asks the server with a URL and token, reads the database with --data-dir/--database-url: the same line', async () => {
      const target = await freshTarget(kind);
      const server = await startServerProcess(target.env);
      try {
        for (const tenant of ['a', 'b', 'c'])
          assert.equal((await server.request('POST', '/tokens', { tenant, access: 'read' })).status, 201);
        const offlineFlags =
          target.databaseUrl === null
            ? ['--data-dir', target.dataDir]
            : ['--database-url', target.databaseUrl];
        const online = await cli(['audit', 'verify'], { FABRICA_URL: server.url, FABRICA_TOKEN: ADMIN });
        assert.equal(online.code, 0, online.stderr);
        const onlineHead = Number(OK_LINE.exec(online.stdout)?.[2]);
        assert.ok(onlineHead >= 3, online.stdout);
        const offline = await cli(['audit', 'verify', ...offlineFlags], {});
        assert.equal(offline.code, 0, offline.stderr);
        assert.ok(Number(OK_LINE.exec(offline.stdout)?.[2]) >= onlineHead, offline.stdout);

        const victim = 2;
        await tamper(target, victim);
        const broken = new RegExp(
          `^broken: event seq ${victim}: hash mismatch .*; 1 events before it verified\n$`,
        );
        const onlineBroken = await cli(['audit', 'verify', '--url', server.url, '--token', ADMIN], {});
        assert.equal(onlineBroken.code, 1);
        assert.match(onlineBroken.stdout, broken);
        const offlineBroken = await cli(['audit', 'verify', ...offlineFlags], {});
        assert.equal(offlineBroken.code, 1);
        assert.match(offlineBroken.stdout, broken);

        // Asking the server without a token, or with one that is not admin's: one line with the reason.
        oneLineFailure(await cli(['audit', 'verify', '--url', server.url], {}), /^error \w+: .*token/i);
      } finally {
        await server.kill();
        await target.cleanup();
      }
    });
  });
}

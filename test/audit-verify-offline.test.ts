import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ADMIN } from './support/app.js';
import { cli, oneLineFailure } from './support/cli-process.js';

describe('fabrica audit verify never creates a database', () => {
  it('a data directory without a database is one line and a non-zero exit, and stays empty', async () => {
    const home = mkdtempSync(join(tmpdir(), 'fabrica-verify-'));
    try {
      const missing = join(home, 'nowhere');
      const flag = await cli(['audit', 'verify', '--data-dir', missing], {});
      oneLineFailure(flag, /^error not_found: no fabrica database at .*nowhere.*fabrica\.db/);
      assert.equal(existsSync(missing), false, 'the data directory was created');

      // Neither flags nor FABRICA_URL: the default ./.fabrica of the working directory, not created either.
      const plain = await cli(['audit', 'verify'], {}, home);
      oneLineFailure(plain, /no fabrica database at .*\.fabrica/);
      assert.deepEqual(readdirSync(home), [], 'nothing was created');

      // A file that is not fabrica's database: named, not migrated, not a stack trace.
      const foreign = join(home, 'foreign');
      mkdirSync(foreign);
      writeFileSync(join(foreign, 'fabrica.db'), '');
      oneLineFailure(await cli(['audit', 'verify', '--data-dir', foreign], {}), /holds no fabrica event log/);

      oneLineFailure(
        await cli(['audit', 'verify', '--url', 'http://127.0.0.1:1', '--data-dir', foreign], {}),
        /--url .* or --data-dir.*not both/,
      );

      // A server that is not there.
      oneLineFailure(
        await cli(['audit', 'verify'], { FABRICA_URL: 'http://127.0.0.1:1', FABRICA_TOKEN: ADMIN }),
        /^error unreachable: cannot reach http:\/\/127\.0\.0\.1:1/,
      );
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

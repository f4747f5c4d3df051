import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ADMIN } from './support/app.js';
import { cli, oneLineFailure } from './support/cli-process.js';

/**
 * Mistakes a newcomer makes before any request is sent: each is one line naming what was typed and how
 * to put it right, with any secret in it masked. No server is needed: nothing reaches the network.
 */
describe('CLI input errors name what was typed and how to fix it', () => {
  it('FABRICA_URL and --url: empty, without a scheme, another scheme, with a password', async () => {
    const tokens = ['tokens', 'list'];
    oneLineFailure(
      await cli(tokens, { FABRICA_URL: '', FABRICA_TOKEN: ADMIN }),
      /^fabrica: FABRICA_URL is empty; set it to a URL such as http:\/\/127\.0\.0\.1:3000 or unset it$/m,
    );
    oneLineFailure(
      await cli(tokens, { FABRICA_URL: '127.0.0.1:3000' }),
      /^fabrica: FABRICA_URL must be a URL such as http:\/\/127\.0\.0\.1:3000, not "127\.0\.0\.1:3000"; add the scheme: http:\/\/127\.0\.0\.1:3000$/m,
    );
    oneLineFailure(
      await cli([...tokens, '--url', 'localhost:3000']),
      /^fabrica: --url must be a URL such as http:\/\/127\.0\.0\.1:3000, not "localhost:3000"; add the scheme: http:\/\/localhost:3000$/m,
    );
    const withPassword = await cli([
      ...tokens,
      '--url',
      'http://ops:hunter2secret@127.0.0.1:3000/?token=fab_leak',
    ]);
    oneLineFailure(withPassword, /^fabrica: --url must not hold a user or password .*--token/m);
    assert.doesNotMatch(withPassword.stderr, /hunter2secret|fab_leak/);
  });

  it('--expires names the flag, not the API field', async () => {
    const r = await cli(
      ['tokens', 'create', '--tenant', 'acme', '--access', 'read', '--expires', '30x'],
      // Never reached: the flag is refused before any request.
      { FABRICA_URL: 'http://127.0.0.1:1', FABRICA_TOKEN: ADMIN },
    );
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /'30x'.*--expires must be a duration such as 30d/);
    assert.doesNotMatch(r.stderr, /expires_in|cannot reach/);
  });
});

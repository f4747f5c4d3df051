import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SETTINGS } from '../src/config/settings.js';
import { ERROR_CODES } from '../src/domain/errors.js';
import { ERROR_STATUS } from '../src/http/error-status.js';

describe('documentation matches the code', () => {
  it('docs/errors.md lists every error code with its status', () => {
    const doc = readFileSync('docs/errors.md', 'utf8');
    for (const code of Object.keys(ERROR_CODES) as (keyof typeof ERROR_CODES)[]) {
      const row = new RegExp(`^\\|\\s*\`${code}\`\\s*\\|\\s*${ERROR_STATUS[code]}\\s*\\|`, 'm');
      assert.match(doc, row, `docs/errors.md has no row for ${code} with status ${ERROR_STATUS[code]}`);
    }
  });

  it('README documents every setting', () => {
    const readme = readFileSync('README.md', 'utf8');
    for (const s of Object.values(SETTINGS)) {
      for (const env of [...s.env, ...(s.deprecatedEnv ?? [])])
        assert.ok(readme.includes(`\`${env}\``), `README lacks ${env}`);
    }
  });
});

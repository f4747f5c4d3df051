import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SETTINGS } from '../src/config/settings.js';
import { ERROR_CODES } from '../src/domain/errors.js';
import { CELL_RISK_CODES, ORGAN_RISK_CODES } from '../src/domain/risks.js';
import { ERROR_STATUS } from '../src/http/error-status.js';

/** The codes a Markdown table lists in its first column: rows that start with `| \`code\` |`. */
const tableCodes = (doc: string, header: string): string[] => {
  const start = doc.indexOf(header);
  assert.ok(start >= 0, `no table headed "${header}"`);
  const rows: string[] = [];
  for (const line of doc.slice(start).split('\n').slice(2)) {
    const m = /^\|\s*`([a-z_]+)`\s*\|/.exec(line);
    if (m === null) break;
    rows.push(m[1]!);
  }
  return rows;
};

const sameSet = (documented: string[], inCode: string[], where: string) => {
  const doc = new Set(documented);
  const code = new Set(inCode);
  assert.deepEqual(
    [...code].filter((c) => !doc.has(c)),
    [],
    `${where} lacks codes the code uses`,
  );
  assert.deepEqual(
    [...doc].filter((c) => !code.has(c)),
    [],
    `${where} lists codes the code never uses`,
  );
  assert.equal(documented.length, doc.size, `${where} lists a code twice`);
};

describe('documentation matches the code', () => {
  it('docs/errors.md lists every error code with its status, and no other', () => {
    const doc = readFileSync('docs/errors.md', 'utf8');
    for (const code of Object.keys(ERROR_CODES) as (keyof typeof ERROR_CODES)[]) {
      const row = new RegExp(`^\\|\\s*\`${code}\`\\s*\\|\\s*${ERROR_STATUS[code]}\\s*\\|`, 'm');
      assert.match(doc, row, `docs/errors.md has no row for ${code} with status ${ERROR_STATUS[code]}`);
    }
    sameSet(tableCodes(doc, '| code '), Object.keys(ERROR_CODES), 'docs/errors.md');
  });

  it("docs/cells.md lists the cell dry run's risk codes, and no other", () => {
    const doc = readFileSync('docs/cells.md', 'utf8');
    sameSet(tableCodes(doc, '| risk '), Object.keys(CELL_RISK_CODES), 'docs/cells.md');
  });

  it('docs/errors.md lists every dry-run risk code, and no other', () => {
    const doc = readFileSync('docs/errors.md', 'utf8');
    sameSet(
      tableCodes(doc, '| dry-run risk '),
      [...Object.keys(CELL_RISK_CODES), ...Object.keys(ORGAN_RISK_CODES)],
      'docs/errors.md (dry-run risks)',
    );
  });

  it("docs/organs.md lists the organ dry run's risk codes, and no other", () => {
    const doc = readFileSync('docs/organs.md', 'utf8');
    sameSet(tableCodes(doc, '| risk '), Object.keys(ORGAN_RISK_CODES), 'docs/organs.md');
  });

  it('README documents every setting', () => {
    const readme = readFileSync('README.md', 'utf8');
    for (const s of Object.values(SETTINGS)) {
      for (const env of [...s.env, ...(s.deprecatedEnv ?? [])])
        assert.ok(readme.includes(`\`${env}\``), `README lacks ${env}`);
    }
  });
});

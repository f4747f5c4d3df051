import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CELL_RISK_CODES,
  isBlocking,
  ORGAN_RISK_CODES,
  RISK_SEVERITIES,
  type Risk,
} from '../../src/domain/risks.js';

const risk = (severity: Risk['severity']): Risk => ({ code: 'missing_link', severity, message: 'm' });

describe('risks', () => {
  it('have three severities', () => {
    assert.deepEqual([...RISK_SEVERITIES], ['blocking', 'warning', 'info']);
  });

  it('block a dry run only when one of them is blocking', () => {
    assert.equal(isBlocking([]), false);
    assert.equal(isBlocking([risk('warning'), risk('info')]), false);
    assert.equal(isBlocking([risk('blocking')]), true);
    assert.equal(isBlocking([risk('info'), risk('warning'), risk('blocking')]), true);
  });

  it('each code says what it means, and cell and organ codes do not overlap', () => {
    for (const [code, text] of [...Object.entries(CELL_RISK_CODES), ...Object.entries(ORGAN_RISK_CODES)]) {
      assert.match(code, /^[a-z]+(_[a-z0-9]+)*$/);
      assert.ok(text.length > 10, code);
    }
    const cell = new Set(Object.keys(CELL_RISK_CODES));
    for (const code of Object.keys(ORGAN_RISK_CODES)) assert.equal(cell.has(code), false, code);
    assert.deepEqual(Object.keys(ORGAN_RISK_CODES), ['missing_cell', 'cell_not_serving', 'no_pathway']);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_CODES, fail, FailureError, ok } from '../../src/domain/errors.js';

describe('error codes', () => {
  it('each code is snake_case and says what it means in a sentence', () => {
    const codes = Object.keys(ERROR_CODES);
    assert.ok(codes.length >= 40, `only ${codes.length} codes`);
    for (const [code, meaning] of Object.entries(ERROR_CODES)) {
      assert.match(code, /^[a-z]+(?:_[a-z0-9]+)*$/, code);
      // A sentence of its own: starts with a capital or a code in backticks, ends with a full stop.
      assert.match(meaning, /^[A-Z`].{15,}\.$/s, `${code}: ${meaning}`);
    }
  });

  it('the codes that callers branch on are all there', () => {
    for (const code of ['invalid_request', 'not_found', 'conflict', 'forbidden', 'unauthorized', 'internal'])
      assert.ok(Object.hasOwn(ERROR_CODES, code), code);
  });
});

describe('ok and fail', () => {
  it('ok wraps a value', () => {
    assert.deepEqual(ok(3), { ok: true, value: 3 });
    assert.deepEqual(ok(null), { ok: true, value: null });
  });

  it('fail carries the code and reason, and the capability and details only when given', () => {
    assert.deepEqual(fail('not_found', 'no run r1'), {
      ok: false,
      error: { code: 'not_found', reason: 'no run r1' },
    });
    assert.deepEqual(fail('capability_disabled', 'locked', { capability: 'cells', details: { a: 1 } }), {
      ok: false,
      error: { code: 'capability_disabled', reason: 'locked', capability: 'cells', details: { a: 1 } },
    });
    assert.equal(Object.hasOwn(fail('conflict', 'x').error, 'details'), false);
  });
});

describe('FailureError', () => {
  it('is an Error whose message is the reason and which keeps the failure', () => {
    const failure = { code: 'lease_lost', reason: 'the lease expired' } as const;
    const e = new FailureError(failure);
    assert.ok(e instanceof Error, 'e instanceof Error');
    assert.equal(e.name, 'FailureError');
    assert.equal(e.message, 'the lease expired');
    assert.equal(e.failure, failure);
    assert.match(String(e), /^FailureError: the lease expired$/);
  });
});

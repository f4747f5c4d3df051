import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashSecret, newSecret, sameHash } from '../src/engine/access/token-secrets.js';

describe('token secrets', () => {
  it('compares digests: equal only when every character is', () => {
    const secret = newSecret();
    const digest = hashSecret(secret);
    assert.equal(sameHash(digest, hashSecret(secret)), true);
    const lastChanged = digest.slice(0, -1) + (digest.endsWith('0') ? '1' : '0');
    assert.equal(sameHash(digest, lastChanged), false);
    assert.equal(sameHash(digest, hashSecret(newSecret())), false);
    assert.equal(sameHash(digest, digest.slice(0, -2)), false);
    assert.equal(sameHash('', ''), false);
  });
});

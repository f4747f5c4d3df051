import assert from 'node:assert/strict';
import { hash, randomInt } from 'node:crypto';
import { describe, it } from 'node:test';
import { sha256HexOfAscii } from '../src/engine/access/sha256-ascii.js';
import { hashSecret, newSecret } from '../src/engine/access/token-secrets.js';

const native = (text: string) => hash('sha256', text, 'hex');
const randomAscii = (length: number) =>
  String.fromCharCode(...Array.from({ length }, () => randomInt(0, 128)));

describe('SHA-256 of ASCII text in JavaScript', () => {
  it('gives the published digests (FIPS 180-4 examples)', () => {
    assert.equal(sha256HexOfAscii(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(sha256HexOfAscii('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(
      sha256HexOfAscii('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'),
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
  });

  it('agrees with node:crypto for every length up to five blocks, on each block boundary and around it', () => {
    for (let length = 0; length <= 320; length += 1) {
      for (let sample = 0; sample < 8; sample += 1) {
        const text = randomAscii(length);
        assert.equal(sha256HexOfAscii(text), native(text), `length ${length}: ${JSON.stringify(text)}`);
      }
    }
    const long = randomAscii(100_000);
    assert.equal(sha256HexOfAscii(long), native(long));
  });

  it('leaves text that is not ASCII, or very long, to the native digest', () => {
    for (const text of ['é', `fab_${'x'.repeat(40)}\u00ff`, 'token😀', '\u0080']) {
      assert.equal(sha256HexOfAscii(text), null);
      assert.equal(hashSecret(text), native(text));
    }
    const huge = 'a'.repeat((1 << 20) + 1);
    assert.equal(sha256HexOfAscii(huge), null);
    assert.equal(hashSecret(huge), native(huge));
  });

  it('hashes the secrets fabrica makes exactly as stored digests were made', () => {
    for (let i = 0; i < 200; i += 1) {
      const secret = newSecret();
      assert.equal(hashSecret(secret), native(secret));
    }
  });
});

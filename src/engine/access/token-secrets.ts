import { hash, randomBytes } from 'node:crypto';
import { sha256HexOfAscii } from './sha256-ascii.js';

/** A new secret: 32 random bytes, prefixed so that leaked tokens are easy to recognise and scan for. */
export const newSecret = (): string => `fab_${randomBytes(32).toString('base64url')}`;

export const newTokenId = (): string => `tok_${randomBytes(9).toString('base64url')}`;

/**
 * The SHA-256 digest of a secret, in hex: how secrets are stored and looked up. It runs on every
 * authorized request, so secrets of ASCII (all that fabrica makes) are hashed in JavaScript, which costs a
 * busy server less than the native call (see sha256-ascii.ts); any other text natively, with the same
 * result.
 */
export const hashSecret = (secret: string): string =>
  sha256HexOfAscii(secret) ?? hash('sha256', secret, 'hex');

/**
 * Constant-time comparison of two hex digests: every character is looked at whatever the first
 * difference. Done on the strings, as the digests are kept, because decoding both into buffers for
 * `timingSafeEqual` cost more than the digest itself, on every request.
 */
export function sameHash(a: string, b: string): boolean {
  if (a.length !== b.length || a.length === 0) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i += 1) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

import { hash, randomBytes } from 'node:crypto';

/** A new secret: 32 random bytes, prefixed so that leaked tokens are easy to recognise and scan for. */
export const newSecret = (): string => `fab_${randomBytes(32).toString('base64url')}`;

export const newTokenId = (): string => `tok_${randomBytes(9).toString('base64url')}`;

// The one-shot digest: several times faster than a createHash object, and it runs on every request.
export const hashSecret = (secret: string): string => hash('sha256', secret, 'hex');

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

import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new secret: 32 random bytes, prefixed so that leaked tokens are easy to recognise and scan for. */
export const newSecret = (): string => `fab_${randomBytes(32).toString('base64url')}`;

export const newTokenId = (): string => `tok_${randomBytes(9).toString('base64url')}`;

// The one-shot digest: several times faster than a createHash object, and it runs on every request.
export const hashSecret = (secret: string): string => hash('sha256', secret, 'hex');

/** Constant-time comparison of two hex digests of equal length. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

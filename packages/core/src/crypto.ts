import * as crypto from 'node:crypto';

type OneShotHash = (algorithm: string, data: string | Uint8Array, outputEncoding: 'hex' | 'buffer') => string | Buffer;
// `crypto.hash` (Node ≥ 20.12) is about 3× faster than createHash for small inputs; fall back where it is missing.
const oneShot = (crypto as unknown as { hash?: OneShotHash }).hash;

export const sha256Hex: (value: string | Uint8Array) => string = oneShot
  ? (value) => oneShot('sha256', value, 'hex') as string
  : (value) => crypto.createHash('sha256').update(value).digest('hex');

export const sha256: (value: string | Uint8Array) => Buffer = oneShot
  ? (value) => oneShot('sha256', value, 'buffer') as Buffer
  : (value) => crypto.createHash('sha256').update(value).digest();

/** HMAC-SHA256 of `head` followed by `tail` (one update when both are text). */
export function hmacSha256(secret: string | crypto.KeyObject, head: string, tail: string | Uint8Array): Buffer {
  const hmac = crypto.createHmac('sha256', secret);
  if (typeof tail === 'string') hmac.update(head + tail);
  else hmac.update(head).update(tail);
  return hmac.digest();
}

/** Constant-time equality of two byte strings of the same expected length. */
export function safeEqualBytes(actual: Uint8Array, expected: Uint8Array): boolean {
  return actual.byteLength === expected.byteLength && crypto.timingSafeEqual(actual, expected);
}

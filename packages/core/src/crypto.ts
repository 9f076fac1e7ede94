import * as crypto from 'node:crypto';

type OneShotHash = (
  algorithm: string,
  data: string | Uint8Array,
  outputEncoding: 'hex' | 'latin1' | 'buffer',
) => string | Buffer;
// `crypto.hash` (Node ≥ 20.12) is about 3× faster than createHash for small inputs; fall back where it is missing.
const oneShot = (crypto as unknown as { hash?: OneShotHash }).hash;

export const sha256Hex: (value: string | Uint8Array) => string = oneShot
  ? (value) => oneShot('sha256', value, 'hex') as string
  : (value) => crypto.createHash('sha256').update(value).digest('hex');

export const sha256: (value: string | Uint8Array) => Buffer = oneShot
  ? (value) => oneShot('sha256', value, 'buffer') as Buffer
  : (value) => crypto.createHash('sha256').update(value).digest();

/** SHA-256 as 32 latin1 characters, one per byte (cheaper to make than a Buffer). */
export const sha256Latin1: (value: string | Uint8Array) => string = oneShot
  ? (value) => oneShot('sha256', value, 'latin1') as string
  : (value) => crypto.createHash('sha256').update(value).digest().toString('latin1');

/** Constant-time equality of two byte strings of the same expected length. */
export function safeEqualBytes(actual: Uint8Array, expected: Uint8Array): boolean {
  return actual.byteLength === expected.byteLength && crypto.timingSafeEqual(actual, expected);
}

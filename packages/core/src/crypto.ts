import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export function sha256Hex(value: string | Uint8Array): string {
  return createHash('sha256').update(value).digest('hex');
}

export function hmacSha256Hex(secret: string, ...parts: (string | Uint8Array)[]): string {
  const hmac = createHmac('sha256', secret);
  for (const part of parts) hmac.update(part);
  return hmac.digest('hex');
}

/** Constant-time equality of two strings of any length (length differences are not leaked by timing). */
export function safeEqual(a: string, b: string): boolean {
  // Comparing digests makes both sides the same length, so timingSafeEqual never throws or short-cuts.
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
}

/** Constant-time equality of two lower-case hex strings of the same expected length. */
export function safeEqualHex(actual: string, expected: string): boolean {
  if (actual.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(actual, 'latin1'), Buffer.from(expected, 'latin1'));
}

import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { Environment } from '../types.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const RANDOM_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
/** The shape of a generated key: prefix, 32 random base62 characters, 6 of checksum. */
const GENERATED = /^(?:pk|sk)_(?:test|live)_[0-9A-Za-z]{38}$/;

/**
 * A new key in the design's format: `<pk|sk>_<test|live>_<32 random base62><6 base62 CRC32>`. The random part
 * comes from the OS CSPRNG (about 190 bits), each character drawn without modulo bias.
 */
export function generateKey(kind: 'pk' | 'sk', environment: Environment): string {
  let random = '';
  while (random.length < RANDOM_LENGTH) {
    for (const byte of randomBytes(RANDOM_LENGTH * 2)) {
      // 248 = 4 × 62: bytes above it would make the first characters likelier than the rest.
      if (byte < 248 && random.length < RANDOM_LENGTH) random += BASE62[byte % 62];
    }
  }
  const body = `${kind}_${environment}_${random}`;
  return body + checksumOf(body);
}

/** CRC32 (IEEE) of the UTF-8 text, in base62, most significant digit first, left-padded with `0` to 6. */
export function checksumOf(text: string): string {
  let value = crc32(text);
  let digits = '';
  while (value > 0) {
    digits = BASE62[value % 62] + digits;
    value = Math.floor(value / 62);
  }
  return digits.padStart(CHECKSUM_LENGTH, '0');
}

/**
 * Whether `key` has the shape of a generated key but a wrong checksum: a typo or a guess, refused before any
 * store lookup. Keys of any other shape (made elsewhere, demo keys) are not judged here.
 */
export function hasBadChecksum(key: string): boolean {
  if (!GENERATED.test(key)) return false;
  const split = key.length - CHECKSUM_LENGTH;
  return checksumOf(key.slice(0, split)) !== key.slice(split);
}

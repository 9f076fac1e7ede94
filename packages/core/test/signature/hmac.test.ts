import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hmacKey, hmacSha256 } from '../../src/signature/hmac.js';

const hex = (latin1: string) => Buffer.from(latin1, 'latin1').toString('hex');
const bytes = (value: number, length: number) => new Uint8Array(length).fill(value);
const text = (value: string) => new TextEncoder().encode(value);

// RFC 4231, section 4: HMAC-SHA-256 test cases 1 to 7 (case 5's output is truncated to 128 bits there).
const RFC_4231: [string, Uint8Array, Uint8Array, string][] = [
  [
    '1: 20-byte key',
    bytes(0x0b, 20),
    text('Hi There'),
    'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
  ],
  [
    '2: key shorter than the output',
    text('Jefe'),
    text('what do ya want for nothing?'),
    '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
  ],
  [
    '3: 50 bytes of 0xdd',
    bytes(0xaa, 20),
    bytes(0xdd, 50),
    '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe',
  ],
  [
    '4: 25-byte key',
    Uint8Array.from({ length: 25 }, (_, i) => i + 1),
    bytes(0xcd, 50),
    '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b',
  ],
  ['5: truncation', bytes(0x0c, 20), text('Test With Truncation'), 'a3b6167473100ee06e0c796c2955552b'],
  [
    '6: 131-byte key, longer than a block',
    bytes(0xaa, 131),
    text('Test Using Larger Than Block-Size Key - Hash Key First'),
    '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
  ],
  [
    '7: 131-byte key and a message longer than a block',
    bytes(0xaa, 131),
    text(
      'This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.',
    ),
    '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
  ],
];

const reference = (key: string | Uint8Array, head: string, tail: string | Uint8Array) =>
  createHmac('sha256', key).update(head).update(tail).digest('hex');

describe('HMAC-SHA256 from two one-shot SHA-256 calls', () => {
  it.each(RFC_4231)('matches RFC 4231 test case %s', (_name, key, data, expected) => {
    const whole = hex(hmacSha256(hmacKey(key), '', data));
    expect(whole.slice(0, expected.length)).toBe(expected);
    // The same message given as text head and byte tail, split anywhere.
    const latin1 = Buffer.from(data).toString('latin1');
    if (/^[\x20-\x7e]*$/.test(latin1))
      expect(hex(hmacSha256(hmacKey(key), latin1.slice(0, 7), data.subarray(7))).slice(0, expected.length)).toBe(
        expected,
      );
  });

  it('equals node:crypto over random keys (text and bytes, up to 3 blocks) and messages (text and bytes)', () => {
    const key = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 80 }), fc.uint8Array({ maxLength: 200 }));
    const tail = fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.uint8Array({ maxLength: 300 }));
    fc.assert(
      fc.property(key, fc.string({ unit: 'binary', maxLength: 200 }), tail, (secret, head, rest) => {
        expect(hex(hmacSha256(hmacKey(secret), head, rest))).toBe(reference(secret, head, rest));
      }),
      { numRuns: 2000, seed: 4231 },
    );
  });

  it('equals node:crypto for keys around a block (63 to 66, 128, 129 bytes), text and bytes', () => {
    for (const length of [0, 1, 32, 63, 64, 65, 66, 128, 129]) {
      const raw = Uint8Array.from({ length }, (_, i) => (i * 37 + 11) & 0xff);
      const ascii = 'k'.repeat(length);
      expect(hex(hmacSha256(hmacKey(raw), 'message'))).toBe(reference(raw, 'message', ''));
      expect(hex(hmacSha256(hmacKey(ascii), 'message'))).toBe(reference(ascii, 'message', ''));
    }
  });

  it('equals node:crypto for messages past its reusable buffer (4 KiB) and past what it keeps (64 KiB)', () => {
    const key = hmacKey('sk_test_secret');
    for (const size of [4000, 4096, 5000, 40_000, 70_000, 200_000]) {
      const body = 'é'.repeat(size / 2);
      expect(hex(hmacSha256(key, '1764043200000.POST./v1/payments.', body))).toBe(
        reference('sk_test_secret', '1764043200000.POST./v1/payments.', body),
      );
      const raw = Buffer.from(body);
      expect(hex(hmacSha256(key, 'x', raw))).toBe(reference('sk_test_secret', 'x', raw));
    }
    // A small message after a large one still sees only its own bytes.
    expect(hex(hmacSha256(key, 'a', 'b'))).toBe(reference('sk_test_secret', 'a', 'b'));
  });

  it('keeps keys apart when calls alternate between them', () => {
    const one = hmacKey('first secret');
    const two = hmacKey('second secret');
    for (let i = 0; i < 3; i++) {
      expect(hex(hmacSha256(one, `m${i}`))).toBe(reference('first secret', `m${i}`, ''));
      expect(hex(hmacSha256(two, `m${i}`))).toBe(reference('second secret', `m${i}`, ''));
    }
  });
});

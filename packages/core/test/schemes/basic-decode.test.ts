import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseBasicCredentials } from '../../src/schemes/basic.js';

/** The parser before its `atob` fast path: Buffer's base64 and UTF-8 decoding for every token. */
function reference(token: string, allowPassword: boolean) {
  if (token.length % 4 === 1 || !/^[A-Za-z0-9+/]+={0,2}$/.test(token)) return { ok: false, reason: 'malformed' };
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return { ok: false, reason: 'malformed' };
  if (colon !== decoded.length - 1 && !allowPassword) return { ok: false, reason: 'password-not-empty' };
  const key = decoded.slice(0, colon);
  if (/[\u0000-\u001f\u007f\ufffd]/.test(key)) return { ok: false, reason: 'malformed' };
  return { ok: true, key };
}

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

describe('Basic credentials: the atob fast path decodes exactly as Buffer does', () => {
  it('for "<key>:<password>" of any text, any bytes, and any string over the base64 alphabet', () => {
    const credentials = fc.oneof(
      fc
        .tuple(fc.string({ unit: 'binary-ascii', maxLength: 60 }), fc.string({ maxLength: 8 }))
        .map(([key, password]) => base64(Buffer.from(`${key}:${password}`))),
      fc
        .tuple(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.constantFrom('', 'pw'))
        .map(([key, password]) => base64(Buffer.from(`${key}:${password}`))),
      fc.uint8Array({ maxLength: 64 }).map(base64),
      fc.stringMatching(/^[A-Za-z0-9+/]{1,40}={0,2}$/),
    );
    fc.assert(
      fc.property(credentials, fc.boolean(), (token, allowPassword) => {
        expect(parseBasicCredentials(token, allowPassword)).toEqual(reference(token, allowPassword));
      }),
      { numRuns: 5000, seed: 7617 },
    );
  });

  it('for the edge cases: padding atob refuses, control characters, DEL, bytes above 0x7f', () => {
    for (const token of [
      'abcd==',
      'YWJj',
      'YQ==',
      'YTo=',
      base64(Buffer.from('a\u007f:')),
      base64(Buffer.from('a\u0000:')),
      base64(Buffer.from([0x61, 0xff, 0x3a])),
      base64(Buffer.from('clé:')),
    ]) {
      for (const allowPassword of [false, true])
        expect(parseBasicCredentials(token, allowPassword)).toEqual(reference(token, allowPassword));
    }
  });
});

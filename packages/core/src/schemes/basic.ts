/** API keys as `Authorization: Basic base64("<apiKey>:")` (RFC 7617), parsed strictly. */
import { andThen } from '../awaitable.js';
import { sha256Hex } from '../crypto.js';
import { KeygateError } from '../errors.js';
import { hasBadChecksum } from '../keys/format.js';
import type { KeyStore } from '../types.js';
import type { CredentialScheme } from './scheme.js';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export type BasicParseResult = { ok: true; key: string } | { ok: false; reason: 'malformed' | 'password-not-empty' };

/**
 * Parses the credentials part of a Basic header (after the scheme name).
 * The key is the user-id; the password must be empty unless `allowPassword` (then it is ignored).
 */
export function parseBasicCredentials(token: string, allowPassword: boolean): BasicParseResult {
  if (token.length % 4 === 1 || !BASE64.test(token)) return { ok: false, reason: 'malformed' };
  const printable = printableAscii(token);
  const decoded = printable ?? Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return { ok: false, reason: 'malformed' };
  if (colon !== decoded.length - 1 && !allowPassword) return { ok: false, reason: 'password-not-empty' };
  const key = decoded.slice(0, colon);
  // U+FFFD means the bytes were not valid UTF-8; control characters are never part of a key (and never in
  // printable ASCII, which needs no second look).
  if (printable === undefined && /[\u0000-\u001f\u007f\ufffd]/.test(key)) return { ok: false, reason: 'malformed' };
  return { ok: true, key };
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * The decoding of a base64 token that passed `BASE64` when it is printable ASCII, as keys are: then `atob`'s one
 * byte per character is already the UTF-8 text, at a fraction of the cost of a Buffer and a UTF-8 decoder.
 * `undefined` for any other byte, or a padding `atob` refuses (`abcd==`, which Buffer ignores): the general path.
 */
function printableAscii(token: string): string | undefined {
  if (token.length % 4 !== 0) return undefined;
  const bytes = atob(token);
  return PRINTABLE_ASCII.test(bytes) ? bytes : undefined;
}

/** Builds the header a client sends: `Basic base64("<key>:")`, what `curl -u "KEY:"` sends. */
export function basicAuthorization(key: string): string {
  return `Basic ${Buffer.from(`${key}:`, 'utf8').toString('base64')}`;
}

/** The Basic scheme: the key is the user-id, looked up by its SHA-256 digest. */
export function basicScheme(keyStore: KeyStore, allowPassword: boolean): CredentialScheme {
  return {
    name: 'basic',
    challenge: (realm) => `Basic realm="${realm}", charset="UTF-8"`,
    claims: (authorization) => authorization.scheme === 'basic',
    identify(authorization) {
      const parsed = parseBasicCredentials(authorization.credentials, allowPassword);
      // A generated key with a wrong checksum is a typo or a guess: refused before the store is asked.
      if (!parsed.ok) throw new KeygateError('INVALID_API_KEY', { reason: 'malformed' });
      if (hasBadChecksum(parsed.key)) throw new KeygateError('INVALID_API_KEY', { reason: 'checksum' });
      return andThen(keyStore.findByKeyHash(sha256Hex(parsed.key)), (record) => {
        if (record?.kind !== 'basic') throw new KeygateError('INVALID_API_KEY', { reason: 'unknown-key' });
        return record;
      });
    },
  };
}

import { describe, expect, it } from 'vitest';
import {
  createVerifier,
  generateKeyPair,
  KeysFileError,
  parseKeysFile,
  type KeyRecord,
  type KeysFileEntry,
} from '../../src/index.js';
import { codeOf } from '../helpers.js';

const pair = generateKeyPair('live');
const newer = generateKeyPair('live').secretKey;
const ENDS = '2026-12-03T00:00:00Z';
const file = (...entries: Record<string, unknown>[]) => ({
  tenants: [{ id: 'acme' }],
  keys: entries.map((entry, i) => ({ id: `k${i}`, tenant: 'acme', ...entry }) as KeysFileEntry),
});
const rotating = {
  publicKey: pair.publicKey,
  secretKeys: [{ secretKey: newer }, { secretKey: pair.secretKey, notAfter: ENDS }],
};

describe('rotation: a pair with several secrets', () => {
  it('keeps every secret of a keys-file entry, with its end', () => {
    const loaded = parseKeysFile(file(rotating));
    const record = loaded.byPublicKey.get(pair.publicKey)!;
    expect(record.secrets?.map((secret) => [secret.secretKey, secret.notAfter])).toEqual([
      [newer, undefined],
      [pair.secretKey, Date.parse(ENDS)],
    ]);
    expect(record.secrets?.every((secret) => secret.digest?.length === 32)).toBe(true);
  });

  it('accepts the old secret until its notAfter, by the verifier clock, and never after', async () => {
    let now = Date.parse(ENDS) - 1;
    const verifier = createVerifier({ keys: file(rotating), now: () => now });
    const call = (secret: string) =>
      verifier.verify({
        method: 'GET',
        target: '/',
        headers: { authorization: `Bearer ${pair.publicKey}`, 'x-api-secret': secret },
      });
    expect(codeOf(await call(pair.secretKey))).toBe('ok');
    expect(codeOf(await call(newer))).toBe('ok');
    now += 1;
    expect(codeOf(await call(pair.secretKey))).toBe('INVALID_API_KEY');
    expect(codeOf(await call(newer))).toBe('ok');
  });

  it('a store record whose every secret has ended (or ends at a time that is not a number) is refused', async () => {
    const record: KeyRecord = {
      id: 'ended',
      tenantId: 'acme',
      tenantStatus: 'active',
      kind: 'keypair',
      environment: 'live',
      secrets: [
        { secretKey: pair.secretKey, notAfter: 0 },
        { secretKey: newer, notAfter: Number.NaN },
      ],
    };
    const verifier = createVerifier({ keys: { findByKeyHash: () => undefined, findByPublicKey: () => record } });
    for (const secret of [pair.secretKey, newer]) {
      const result = await verifier.verify({
        method: 'GET',
        target: '/',
        headers: { authorization: `Bearer ${pair.publicKey}`, 'x-api-secret': secret },
      });
      expect(codeOf(result)).toBe('INVALID_API_KEY');
    }
  });

  it.each([
    ['both secretKey and secretKeys', { ...rotating, secretKey: newer }, 'has both "secretKey" and "secretKeys"'],
    ['an empty list', { publicKey: pair.publicKey, secretKeys: [] }, 'field "secretKeys" must be a non-empty array'],
    [
      'a bad end',
      { publicKey: pair.publicKey, secretKeys: [{ secretKey: newer, notAfter: 'next week' }] },
      'field "secretKeys[0].notAfter" must be an ISO 8601 time',
    ],
    [
      'an unknown field',
      { publicKey: pair.publicKey, secretKeys: [{ secretKey: newer, expires: ENDS }] },
      'field "secretKeys[0]": unknown field "expires"',
    ],
    [
      'a secret of another environment',
      {
        publicKey: pair.publicKey,
        secretKeys: [{ secretKey: newer }, { secretKey: generateKeyPair('test').secretKey }],
      },
      'field "secretKeys[1].secretKey" is a test key',
    ],
    [
      'one secret twice',
      { publicKey: pair.publicKey, secretKeys: [{ secretKey: newer }, { secretKey: newer }] },
      'field "secretKeys[1].secretKey" holds the same key as keys[0] ("k0") field "secretKeys[0].secretKey"',
    ],
  ])('refuses %s at start-up, naming the field', (_, entry, message) => {
    expect(() => parseKeysFile(file(entry))).toThrow(KeysFileError);
    expect(() => parseKeysFile(file(entry))).toThrow(message);
  });

  it('refuses a rotating secret that another pair holds, naming both entries', () => {
    const other = { publicKey: generateKeyPair('live').publicKey, secretKey: pair.secretKey };
    expect(() => parseKeysFile(file(other, rotating))).toThrow(
      'keys[1] ("k1"): field "secretKeys[1].secretKey" holds the same key as keys[0] ("k0") field "secretKey"',
    );
  });
});

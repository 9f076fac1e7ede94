import { describe, expect, it } from 'vitest';
import { checksumOf, hasBadChecksum } from '../../src/keys/format.js';
import {
  basicAuthorization,
  createVerifier,
  generateApiKey,
  generateKeyPair,
  KeysFileError,
  parseKeysFile,
  type Admission,
  type Decision,
  type KeyRecord,
} from '../../src/index.js';
import { keyFormatVectors } from '../../../../test/support/vectors.js';
import { codeOf } from '../helpers.js';

const vectors = keyFormatVectors;

const GENERATED = /^(pk|sk)_(test|live)_[0-9A-Za-z]{32}[0-9A-Za-z]{6}$/;

/** A key store and a decision store that count every call, to prove a refusal asked neither. */
function counted(record?: KeyRecord) {
  const calls = { keys: 0, decisions: 0 };
  const verifier = createVerifier({
    keys: {
      findByKeyHash: () => (calls.keys++, record),
      findByPublicKey: () => (calls.keys++, record),
    },
    store: {
      decide: (_: Admission): Decision => (
        calls.decisions++, { outcome: 'admitted', rateLimit: { remaining: 1, resetAt: 0 } }
      ),
    },
  });
  return { verifier, calls };
}

/** `key` with its last checksum character changed. */
const corrupt = (key: string) => key.slice(0, -1) + (key.endsWith('0') ? '1' : '0');

describe('key format', () => {
  it('computes the checksums of the design vectors (CRC32 in base62, most significant first, padded to 6)', () => {
    for (const { key, checksum } of vectors.valid) {
      expect(checksumOf(key.slice(0, -6))).toBe(checksum);
      expect(hasBadChecksum(key)).toBe(false);
    }
    for (const key of vectors.wrongChecksum) expect(hasBadChecksum(key)).toBe(true);
  });

  it('generates checksummed keys with the right prefixes, never twice the same', () => {
    const seen = new Set<string>();
    for (const environment of ['test', 'live'] as const) {
      for (let i = 0; i < 200; i++) {
        const { key, keyHash } = generateApiKey(environment);
        const pair = generateKeyPair(environment);
        expect(key).toMatch(new RegExp(`^pk_${environment}_`));
        expect(pair.publicKey).toMatch(new RegExp(`^pk_${environment}_`));
        expect(pair.secretKey).toMatch(new RegExp(`^sk_${environment}_`));
        for (const generated of [key, pair.publicKey, pair.secretKey]) {
          expect(generated).toMatch(GENERATED);
          expect(hasBadChecksum(generated)).toBe(false);
          expect(checksumOf(generated.slice(0, -6))).toBe(generated.slice(-6));
          seen.add(generated);
        }
        expect(keyHash).toMatch(/^sha256:[0-9a-f]{64}$/);
      }
    }
    expect(seen.size).toBe(1200);
  });

  it('draws every base62 character (no alphabet gaps)', () => {
    const used = new Set<string>();
    for (let i = 0; i < 300; i++) for (const char of generateApiKey().key.slice(8, 40)) used.add(char);
    expect(used.size).toBe(62);
  });

  it('refuses a Basic key with the generated shape and a wrong checksum before any lookup or limiter work', async () => {
    const { verifier, calls } = counted();
    for (const key of [...vectors.wrongChecksum, corrupt(generateApiKey().key)]) {
      const result = await verifier.verify({
        method: 'GET',
        target: '/',
        headers: { authorization: basicAuthorization(key) },
      });
      expect(codeOf(result)).toBe('INVALID_API_KEY');
    }
    expect(calls).toEqual({ keys: 0, decisions: 0 });
    // A key of the right checksum is looked up as usual (unknown here: the same answer, after one lookup).
    const result = await verifier.verify({
      method: 'GET',
      target: '/',
      headers: { authorization: basicAuthorization(vectors.valid[0]!.key) },
    });
    expect(codeOf(result)).toBe('INVALID_API_KEY');
    expect(calls.keys).toBe(1);
  });

  it('refuses a key pair whose public or secret key has a wrong checksum before any lookup', async () => {
    const { verifier, calls } = counted();
    const pair = generateKeyPair('live');
    for (const [publicKey, secretKey] of [
      [corrupt(pair.publicKey), pair.secretKey],
      [pair.publicKey, corrupt(pair.secretKey)],
    ]) {
      const result = await verifier.verify({
        method: 'GET',
        target: '/',
        headers: { authorization: `Bearer ${publicKey}`, 'x-api-secret': secretKey! },
      });
      expect(codeOf(result)).toBe('INVALID_API_KEY');
    }
    expect(calls).toEqual({ keys: 0, decisions: 0 });
  });

  it('keeps accepting keys of other shapes (demo keys, keys made elsewhere) and generated ones', async () => {
    const generated = generateKeyPair('test');
    const basic = generateApiKey('live');
    const verifier = createVerifier({
      keys: {
        tenants: [{ id: 'acme' }],
        keys: [
          { id: 'demo', tenant: 'acme', key: 'pk_live_DemoBasicKeyForKeygate0001' },
          { id: 'elsewhere', tenant: 'acme', key: 'legacy-key-0123456789' },
          { id: 'basic', tenant: 'acme', keyHash: basic.keyHash, environment: 'live' },
          { id: 'pair', tenant: 'acme', ...generated },
        ],
      },
    });
    for (const key of ['pk_live_DemoBasicKeyForKeygate0001', 'legacy-key-0123456789', basic.key]) {
      expect(
        codeOf(
          await verifier.verify({ method: 'GET', target: '/', headers: { authorization: basicAuthorization(key) } }),
        ),
      ).toBe('ok');
    }
    const headers = { authorization: `Bearer ${generated.publicKey}`, 'x-api-secret': generated.secretKey };
    expect(codeOf(await verifier.verify({ method: 'GET', target: '/', headers }))).toBe('ok');
  });

  it('stops at start-up on a keys file whose generated-shape key has a wrong checksum, naming entry and field', () => {
    const pair = generateKeyPair('live');
    const file = (entry: Record<string, string>) => ({
      tenants: [{ id: 'acme' }],
      keys: [{ id: 'k1', tenant: 'acme', ...entry }],
    });
    const cases: [Record<string, string>, string][] = [
      [{ key: vectors.wrongChecksum[0]! }, 'key'],
      [{ publicKey: corrupt(pair.publicKey), secretKey: pair.secretKey }, 'publicKey'],
      [{ publicKey: pair.publicKey, secretKey: corrupt(pair.secretKey) }, 'secretKey'],
    ];
    for (const [entry, field] of cases) {
      expect(() => parseKeysFile(file(entry))).toThrow(KeysFileError);
      expect(() => parseKeysFile(file(entry))).toThrow(
        `keys[0] ("k1"): field "${field}" has the shape of a generated key but its checksum is wrong`,
      );
    }
  });
});

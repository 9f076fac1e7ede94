import { createHash, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateApiKey, generateKeyPair, type KeyRecord, type KeysFile, type KeyStore } from '@keygate/core';

/** Builds the store under test holding exactly these keys (the keys-file shape, which the CLI also imports). */
type Factory = (keys: KeysFile) => KeyStore | Promise<KeyStore>;

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const EXPIRES = '2031-05-06T07:08:09.000Z';
const SECRET_ENDS = '2030-01-01T00:00:00.000Z';

/** One of each kind of key a store must give back, with fresh ids and tenants so stores may share one backend. */
function fixture() {
  const run = randomUUID().slice(0, 8);
  const acme = `acme_${run}`;
  const globex = `globex_${run}`;
  const id = (name: string) => `${name}_${run}`;
  const scoped = generateApiKey('live').key;
  const plain = generateApiKey('test').key;
  const revoked = generateApiKey('live').key;
  const suspended = generateApiKey('live').key;
  const hashed = generateApiKey('test').key;
  const pair = generateKeyPair('live');
  const rotating = generateKeyPair('test');
  const nextSecret = generateKeyPair('test').secretKey;
  const keys: KeysFile = {
    tenants: [
      { id: acme, status: 'active' },
      { id: globex, status: 'suspended' },
    ],
    keys: [
      {
        id: id('scoped'),
        tenant: acme,
        key: scoped,
        scopes: ['payments:read', 'payments:write'],
        rateLimit: { limit: 7, windowSeconds: 30 },
        expiresAt: EXPIRES,
      },
      { id: id('plain'), tenant: acme, key: plain },
      { id: id('revoked'), tenant: acme, key: revoked, revoked: true },
      { id: id('suspended'), tenant: globex, key: suspended },
      { id: id('hashed'), tenant: acme, keyHash: `sha256:${sha256Hex(hashed)}`, environment: 'test', scopes: [] },
      { id: id('pair'), tenant: acme, publicKey: pair.publicKey, secretKey: pair.secretKey, scopes: ['refunds:write'] },
      {
        id: id('rotating'),
        tenant: acme,
        publicKey: rotating.publicKey,
        secretKeys: [{ secretKey: nextSecret }, { secretKey: rotating.secretKey, notAfter: SECRET_ENDS }],
      },
    ],
  };
  return { keys, id, acme, globex, scoped, plain, revoked, suspended, hashed, pair, rotating, nextSecret };
}

/** A pair's secrets as `[secretKey, notAfter]`, whichever of the two record shapes the store answers with. */
function secretsOf(record: KeyRecord | undefined): [string | undefined, number | undefined][] {
  if (record?.secrets !== undefined) return record.secrets.map((secret) => [secret.secretKey, secret.notAfter]);
  return [[record?.secretKey, undefined]];
}

/**
 * What every `KeyStore` promises (see `KeyStore` in the core's types): Basic keys found by the SHA-256 hex of the
 * key, pairs by their public key, each with its tenant's status joined in; `undefined` (never an error) for a key
 * it does not hold; scopes absent meaning unrestricted and `[]` meaning none; a revoked key never handed back as
 * usable. keygate's `MemoryKeyStore` and `CachedKeyStore` pass it.
 * @example
 * import { describeKeyStoreContract } from '@keygate/testing/contract';
 * describeKeyStoreContract('MyKeyStore', async (keys) => { await importKeys(db, keys); return new MyKeyStore(db); });
 */
export function describeKeyStoreContract(name: string, makeStore: Factory): void {
  describe(`KeyStore contract: ${name}`, () => {
    const open = async () => {
      const data = fixture();
      return { ...data, store: await makeStore(data.keys) };
    };

    it('finds a Basic key by the SHA-256 hex of the key, with every field of its record', async () => {
      const { store, scoped, id, acme } = await open();
      expect(await store.findByKeyHash(sha256Hex(scoped))).toMatchObject({
        id: id('scoped'),
        tenantId: acme,
        tenantStatus: 'active',
        kind: 'basic',
        environment: 'live',
        scopes: ['payments:read', 'payments:write'],
        rateLimit: { limit: 7, windowSeconds: 30 },
        expiresAt: Date.parse(EXPIRES),
      });
    });

    it('tells unrestricted (no scopes) from no scopes at all ([])', async () => {
      const { store, plain, hashed } = await open();
      const unrestricted = await store.findByKeyHash(sha256Hex(plain));
      expect(unrestricted?.kind).toBe('basic');
      expect(unrestricted?.scopes).toBeUndefined();
      expect(unrestricted?.revoked ?? false).toBe(false);
      expect(unrestricted?.expiresAt).toBeUndefined();
      const none = await store.findByKeyHash(sha256Hex(hashed));
      expect(none).toMatchObject({ kind: 'basic', environment: 'test', scopes: [] });
    });

    it('answers undefined, never an error, for keys it does not hold', async () => {
      const { store, pair } = await open();
      expect(await store.findByKeyHash(sha256Hex(generateApiKey().key))).toBeUndefined();
      expect(await store.findByKeyHash('0'.repeat(64))).toBeUndefined();
      expect(await store.findByPublicKey(generateKeyPair().publicKey)).toBeUndefined();
      // The two lookups never cross: a pair's public key is not a Basic key, nor its secret a public key.
      expect(await store.findByKeyHash(sha256Hex(pair.publicKey))).toBeUndefined();
      expect(await store.findByPublicKey(pair.secretKey)).toBeUndefined();
    });

    it('never hands back a revoked key as usable', async () => {
      const { store, revoked } = await open();
      const record = await store.findByKeyHash(sha256Hex(revoked));
      expect(record === undefined || record.revoked === true).toBe(true);
    });

    it("joins the tenant's status, so a suspended tenant is told apart from an unknown key", async () => {
      const { store, suspended, globex } = await open();
      expect(await store.findByKeyHash(sha256Hex(suspended))).toMatchObject({
        tenantId: globex,
        tenantStatus: 'suspended',
      });
    });

    it('finds a key pair by its public key, with its secret', async () => {
      const { store, pair, id, acme } = await open();
      const record = await store.findByPublicKey(pair.publicKey);
      expect(record).toMatchObject({ id: id('pair'), tenantId: acme, tenantStatus: 'active', kind: 'keypair' });
      expect(record?.environment).toBe('live');
      expect(record?.scopes).toEqual(['refunds:write']);
      expect(secretsOf(record).map(([secret]) => secret)).toEqual([pair.secretKey]);
    });

    it('gives back every secret of a pair during a rotation, each with its end', async () => {
      const { store, rotating, nextSecret } = await open();
      const record = await store.findByPublicKey(rotating.publicKey);
      expect(record?.environment).toBe('test');
      expect(secretsOf(record).sort()).toEqual(
        [
          [nextSecret, undefined],
          [rotating.secretKey, Date.parse(SECRET_ENDS)],
        ].sort(),
      );
    });

    it('finds tenants by id when it has findTenant (JWTs name their tenant)', async (context) => {
      const { store, acme, globex } = await open();
      if (store.findTenant === undefined) return context.skip('no findTenant: a JWT tenant is the issuer’s word');
      expect(await store.findTenant(acme)).toMatchObject({ id: acme, status: 'active' });
      expect(await store.findTenant(globex)).toMatchObject({ id: globex, status: 'suspended' });
      expect(await store.findTenant(`unknown_${randomUUID()}`)).toBeUndefined();
    });

    it('answers 50 concurrent lookups of one key alike', async () => {
      const { store, scoped, pair, id } = await open();
      const found = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          i % 2 ? store.findByKeyHash(sha256Hex(scoped)) : store.findByPublicKey(pair.publicKey),
        ),
      );
      expect(found.map((record) => record?.id)).toEqual(
        Array.from({ length: 50 }, (_, i) => (i % 2 ? id('scoped') : id('pair'))),
      );
    });
  });
}

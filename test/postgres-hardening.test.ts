import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { generateApiKey, generateKeyPair } from '@keygate/core';
import {
  EncryptionKeyError,
  migrate,
  PostgresKeyStore,
  type PostgresKeyStoreOptions,
  SCHEMA_VERSION,
  SecretSealer,
} from '@keygate/postgres';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { databaseUrl, describePostgres, ENCRYPTION_KEY, freshSchema, within } from './support/postgres.js';

type Schema = Awaited<ReturnType<typeof freshSchema>>;

describePostgres('hardening')('PostgreSQL store under attack', () => {
  let db: Schema;
  beforeAll(async () => {
    db = await freshSchema();
  });
  afterAll(() => db?.close());

  it('quotes, semicolons, $1, braces and backslashes in tenants, key ids and scopes are data, never SQL', async () => {
    const hostile = [`a'b`, `x"; DROP TABLE keys; --`, '$1', 'ü\\n{}', `'); SELECT pg_sleep(5); --`];
    const scopes = ['a,b', '"q"', '{x}', 'back\\slash', 'NULL', ' sp '];
    for (const tenant of hostile) await db.admin.createTenant(tenant);
    const store = await db.open();
    for (const [i, tenant] of hostile.entries()) {
      const { key, keyHash } = generateApiKey('live');
      const hash = keyHash.replace('sha256:', '');
      const id = `${hostile[(i + 1) % hostile.length]}#${i}`;
      await db.admin.createKey({ id, tenant, environment: 'live', hint: key.slice(-4), keyHash: hash, scopes });
      expect(await store.findByKeyHash(hash)).toMatchObject({ id, tenantId: tenant, scopes });
      const pair = generateKeyPair('test');
      await db.admin.createKey({ id: `${id}-pair`, tenant, environment: 'test', hint: 'abcd', ...pair, scopes });
      expect((await store.findByPublicKey(pair.publicKey))?.secrets).toEqual([{ secretKey: pair.secretKey }]);
      await db.admin.revokeKey(id);
      expect(await within(2000, async () => (await store.findByKeyHash(hash))?.revoked === true)).toBeLessThan(2000);
    }
    const listed = await db.admin.listKeys(hostile[0]);
    expect(listed.map((key) => key.scopes)).toEqual([scopes, scopes]);
    await expect(migrate(db.sql, 'bad"name')).rejects.toThrow(/schema/);
  });

  it('KEYGATE_ENCRYPTION_KEY not base64, of 31 or 33 bytes, base64url or hex → refused naming it, its value not echoed', () => {
    for (const bad of [
      randomBytes(31).toString('base64'),
      randomBytes(33).toString('base64'),
      'not base64 at all!!',
      randomBytes(32)
        .toString('base64url')
        .replace(/^[^-_]*$/, '-$&'),
      randomBytes(32).toString('hex'),
    ]) {
      let error: unknown;
      try {
        SecretSealer.fromEnvironment({ KEYGATE_ENCRYPTION_KEY: bad });
      } catch (caught) {
        error = caught;
      }
      expect(error, bad).toBeInstanceOf(EncryptionKeyError);
      expect(String(error)).toContain('KEYGATE_ENCRYPTION_KEY must be the base64 of exactly 32 bytes');
      expect(String(error)).not.toContain(bad);
    }
    expect(() =>
      SecretSealer.fromEnvironment({ KEYGATE_ENCRYPTION_KEY: ENCRYPTION_KEY, KEYGATE_PREVIOUS_ENCRYPTION_KEYS: 'abc' }),
    ).toThrow(/KEYGATE_PREVIOUS_ENCRYPTION_KEYS must be/);
  });

  it('a sealed secret: a fresh nonce each time; one bit changed anywhere, cut short or opened for another id → refused', () => {
    const sealer = new SecretSealer(ENCRYPTION_KEY);
    const sealed = sealer.seal('k1', 'sk_test_secret');
    expect(sealer.seal('k1', 'sk_test_secret').equals(sealed)).toBe(false);
    for (let i = 0; i < sealed.length; i++) {
      const altered = Buffer.from(sealed);
      altered[i]! ^= 1;
      expect(() => sealer.open('k1', altered), `byte ${i}`).toThrow();
    }
    expect(() => sealer.open('k1', sealed.subarray(0, sealed.length - 1))).toThrow();
    expect(() => sealer.open('k1 ', sealed)).toThrow();
    expect(sealer.open('k1', sealed)).toBe('sk_test_secret');
  });

  it('the encryption key shows neither in util.inspect nor in JSON of the sealer or of an open store', async () => {
    const raw = Buffer.from(ENCRYPTION_KEY, 'base64');
    const leaks = (text: string) =>
      [raw.toString('hex').match(/../g)!.join(' '), raw.toString('base64'), JSON.stringify([...raw]).slice(1, -1)].some(
        (form) => text.includes(form),
      );
    const sealer = new SecretSealer(ENCRYPTION_KEY, [randomBytes(32).toString('base64')]);
    expect(leaks(inspect(sealer, { depth: 10, showHidden: true }))).toBe(false);
    expect(leaks(JSON.stringify(sealer))).toBe(false);
    expect(sealer.open('k', sealer.seal('k', 'still works'))).toBe('still works');

    // An open store holds the key, decrypted pair secrets in its cache, and maybe a password in its connection string.
    await db.admin.createTenant('shown');
    const pair = generateKeyPair('test');
    await db.admin.createKey({ id: 'shown1', tenant: 'shown', environment: 'test', hint: 'abcd', ...pair });
    const url = new URL(db.url);
    url.password = 'pw-in-the-url';
    const store = await db.open({ connectionString: url.toString() });
    await new Promise((done) => setTimeout(done, 300)); // the creation's notification, so the answer gets cached
    expect((await store.findByPublicKey(pair.publicKey))?.secrets).toEqual([{ secretKey: pair.secretKey }]);
    expect(store.cacheSize).toBe(1);
    for (const text of [
      inspect(store, { depth: 20 }),
      inspect({ keys: store }, { depth: 20 }),
      JSON.stringify(store),
    ]) {
      expect(leaks(text)).toBe(false);
      expect(text).not.toContain(pair.secretKey);
      expect(text).not.toContain('pw-in-the-url');
    }
    expect(inspect(store)).toMatch(/PostgresKeyStore/);
  });

  it('encryptionKey and previousEncryptionKeys each default to their own variable (one given, the other from the environment)', async () => {
    await db.admin.createTenant('rekeyed');
    const pair = generateKeyPair('test'); // sealed under ENCRYPTION_KEY
    await db.admin.createKey({ id: 'rekeyed1', tenant: 'rekeyed', environment: 'test', hint: 'abcd', ...pair });
    const next = randomBytes(32).toString('base64');
    const saved = {
      current: process.env.KEYGATE_ENCRYPTION_KEY,
      previous: process.env.KEYGATE_PREVIOUS_ENCRYPTION_KEYS,
    };
    const open = (options: Partial<PostgresKeyStoreOptions>) =>
      PostgresKeyStore.open({ connectionString: databaseUrl, schema: db.schema, ...options });
    try {
      // The new key from the environment, the old one given as an option (a rotation configured in code).
      process.env.KEYGATE_ENCRYPTION_KEY = next;
      delete process.env.KEYGATE_PREVIOUS_ENCRYPTION_KEYS;
      const fromOption = await open({ previousEncryptionKeys: [ENCRYPTION_KEY] });
      expect((await fromOption.findByPublicKey(pair.publicKey))?.secrets).toEqual([{ secretKey: pair.secretKey }]);
      await fromOption.close();
      // The new key given as an option, the old one from KEYGATE_PREVIOUS_ENCRYPTION_KEYS.
      process.env.KEYGATE_ENCRYPTION_KEY = randomBytes(32).toString('base64');
      process.env.KEYGATE_PREVIOUS_ENCRYPTION_KEYS = ENCRYPTION_KEY;
      const fromEnvironment = await open({ encryptionKey: next });
      expect((await fromEnvironment.findByPublicKey(pair.publicKey))?.secrets).toEqual([{ secretKey: pair.secretKey }]);
      await fromEnvironment.close();
      await expect(open({ previousEncryptionKeys: ENCRYPTION_KEY as never })).rejects.toThrow(
        /"previousEncryptionKeys" must be an array/,
      );
    } finally {
      for (const [name, value] of [
        ['KEYGATE_ENCRYPTION_KEY', saved.current],
        ['KEYGATE_PREVIOUS_ENCRYPTION_KEYS', saved.previous],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('NOTIFY payloads name keys, never a secret or a Basic key', async () => {
    const listener = new pg.Client({ connectionString: databaseUrl });
    await listener.connect();
    const payloads: string[] = [];
    listener.on('notification', (message) => payloads.push(message.payload ?? ''));
    await listener.query(`LISTEN "keygate_${db.schema}"`);
    await db.admin.createTenant('notify');
    const { key, keyHash } = generateApiKey('live');
    await db.admin.createKey({
      id: 'n1',
      tenant: 'notify',
      environment: 'live',
      hint: key.slice(-4),
      keyHash: keyHash.replace('sha256:', ''),
    });
    const pair = generateKeyPair('test');
    await db.admin.createKey({ id: 'n2', tenant: 'notify', environment: 'test', hint: 'abcd', ...pair });
    const next = generateKeyPair('test');
    await db.admin.rotatePair('n2', next.secretKey, new Date(Date.now() + 1000));
    await within(2000, () => payloads.length >= 5);
    await listener.end();
    expect(payloads.length).toBeGreaterThanOrEqual(5);
    const all = payloads.join('\n');
    for (const secret of [key, key.slice(8), pair.secretKey, next.secretKey]) expect(all).not.toContain(secret);
  });

  it('a schema at a newer version than this release: the store and migrate refuse it, saying so', async () => {
    const other = await freshSchema();
    try {
      await other.sql.query(`INSERT INTO "${other.schema}".keygate_migrations (version) VALUES ($1)`, [
        SCHEMA_VERSION + 1,
      ]);
      await expect(other.open()).rejects.toThrow(/newer than this release's .*upgrade keygate/);
      await expect(migrate(other.sql, other.schema)).rejects.toThrow(/newer than this release's .*upgrade keygate/);
    } finally {
      await other.close();
    }
  });
});

import { createHash, randomBytes } from 'node:crypto';
import { basicAuthorization, createVerifier, generateApiKey, generateKeyPair } from '@keygate/core';
import { migrate, PostgresKeyAdmin, PostgresKeyStore, SCHEMA_VERSION } from '@keygate/postgres';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  addBasicKey,
  addKeyPair,
  databaseUrl,
  describePostgres,
  ENCRYPTION_KEY,
  freshSchema,
  within,
} from './support/postgres.js';

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Looks `lookup` up once the notifications of earlier writes have landed (each cancels the lookups under way, so an
 * answer read while one is pending is not cached), and checks that the answer is now cached: a second lookup sends
 * no query. A test of "a change reaches the cache" is only worth something when the cache held the old answer.
 */
async function cachedAnswer<T>(store: PostgresKeyStore, lookup: () => T | Promise<T>): Promise<T> {
  await new Promise((done) => setTimeout(done, 300));
  const answer = await lookup();
  const queries = store.lookup.queries;
  await lookup();
  expect(store.lookup.queries, 'the answer should be cached').toBe(queries);
  return answer;
}

type Schema = Awaited<ReturnType<typeof freshSchema>>;

describePostgres('store')('PostgresKeyStore on a real PostgreSQL', () => {
  let db: Schema;
  beforeAll(async () => {
    db = await freshSchema();
    await db.admin.createTenant('acme');
  });
  afterAll(() => db?.close());

  it('migrate: creates the schema at the current version, then applies nothing; two at once both succeed', async () => {
    const pool = new pg.Pool({ connectionString: databaseUrl });
    const schema = `kg_${randomBytes(6).toString('hex')}`;
    try {
      const [a, b] = await Promise.all([migrate(pool, schema), migrate(pool, schema)]);
      expect([a.version, b.version]).toEqual([SCHEMA_VERSION, SCHEMA_VERSION]);
      expect([...a.applied, ...b.applied]).toEqual([1]); // one of them did the work, the other found it done
      expect(await migrate(pool, schema)).toEqual({ version: SCHEMA_VERSION, applied: [] });
      const { rows } = await pool.query(`SELECT version FROM "${schema}".keygate_migrations`);
      expect(rows).toEqual([{ version: 1 }]);
    } finally {
      await pool.end();
    }
  });

  it('refuses to open a schema that was not migrated, saying what to run', async () => {
    await expect(PostgresKeyStore.open({ connectionString: databaseUrl, schema: 'kg_never_migrated' })).rejects.toThrow(
      /keygate db migrate/,
    );
  });

  it('finds a Basic key by its hash with every field: tenant, status, environment, scopes, limit, expiry', async () => {
    const store = await db.open();
    const { id, keyHash } = await addBasicKey(db.admin, 'acme', {
      scopes: ['payments:read'],
      rateLimit: { limit: 5, windowSeconds: 1.5 },
      expiresAt: '2030-01-02T03:04:05Z',
    });
    expect(await store.findByKeyHash(keyHash)).toEqual({
      id,
      tenantId: 'acme',
      tenantStatus: 'active',
      kind: 'basic',
      environment: 'live',
      revoked: false,
      scopes: ['payments:read'],
      rateLimit: { limit: 5, windowSeconds: 1.5 },
      expiresAt: Date.parse('2030-01-02T03:04:05Z'),
    });
    expect(await store.findByKeyHash('0'.repeat(64))).toBeUndefined();
    expect(await store.findByPublicKey('pk_test_unknown')).toBeUndefined();
  });

  it('finds a pair by its public key with its secret decrypted; a rotation adds a secret and ends the old one', async () => {
    const store = await db.open();
    const { id, publicKey, secretKey } = await addKeyPair(db.admin, 'acme');
    // Cached first, so the rotation (a key_secrets change, notified by key id only) must reach the cache.
    expect(await cachedAnswer(store, () => store.findByPublicKey(publicKey))).toMatchObject({
      id,
      kind: 'keypair',
      environment: 'test',
      secrets: [{ secretKey }],
    });
    const until = new Date(Date.now() + 60_000);
    const next = `sk_test_${randomBytes(16).toString('hex')}`;
    expect(await db.admin.rotatePair(id, next, until)).toEqual({ publicKey, previousValidUntil: until });
    const seen = await within(1000, async () => ((await store.findByPublicKey(publicKey))?.secrets?.length ?? 0) === 2);
    expect(seen).toBeLessThan(1000);
    expect((await store.findByPublicKey(publicKey))?.secrets).toEqual([
      { secretKey: next },
      { secretKey, notAfter: until.getTime() },
    ]);
  });

  it('revoke, suspend and create reach a running store within 1 s through LISTEN/NOTIFY (TTL 30 s)', async () => {
    const store = await db.open();
    await db.admin.createTenant('beta');
    const { id, keyHash } = await addBasicKey(db.admin, 'beta');
    expect((await cachedAnswer(store, () => store.findByKeyHash(keyHash)))?.revoked).toBe(false);
    await db.admin.revokeKey(id);
    expect(await within(1000, async () => (await store.findByKeyHash(keyHash))?.revoked === true)).toBeLessThan(1000);

    const other = await addBasicKey(db.admin, 'beta');
    expect((await cachedAnswer(store, () => store.findByKeyHash(other.keyHash)))?.tenantStatus).toBe('active');
    await db.admin.setTenantStatus('beta', 'suspended');
    expect(
      await within(1000, async () => (await store.findByKeyHash(other.keyHash))?.tenantStatus === 'suspended'),
    ).toBeLessThan(1000);
    await db.admin.setTenantStatus('beta', 'active');

    // "Not found" was cached; the key created under that hash is found within 1 s all the same.
    const { key, keyHash: hash } = generateApiKey('live');
    const bare = hash.replace('sha256:', '');
    expect(await cachedAnswer(store, () => store.findByKeyHash(bare))).toBeUndefined();
    await db.admin.createKey({
      id: `key_new_${bare.slice(0, 8)}`,
      tenant: 'beta',
      environment: 'live',
      hint: key.slice(-4),
      keyHash: bare,
    });
    expect(await within(1000, async () => (await store.findByKeyHash(bare)) !== undefined)).toBeLessThan(1000);

    // The same for a pair: "not found" cached for its public key, then the pair is created.
    const pair = generateKeyPair('test');
    expect(await cachedAnswer(store, () => store.findByPublicKey(pair.publicKey))).toBeUndefined();
    await db.admin.createKey({
      id: `key_pair_${bare.slice(0, 8)}`,
      tenant: 'beta',
      environment: 'test',
      hint: 'abcd',
      ...pair,
    });
    expect(await within(1000, async () => (await store.findByPublicKey(pair.publicKey)) !== undefined)).toBeLessThan(
      1000,
    );
  });

  it('a rotated Basic key: the new key is found, the old one gets expiresAt', async () => {
    const store = await db.open();
    const old = await addBasicKey(db.admin, 'acme', { scopes: ['a'] });
    expect(await cachedAnswer(store, () => store.findByKeyHash(old.keyHash))).toBeDefined();
    const until = new Date(Date.now() + 3_600_000);
    const next = {
      id: `key_${randomBytes(4).toString('hex')}`,
      keyHash: sha256Hex(`pk_live_next${old.id}`),
      hint: 'next',
    };
    expect(await db.admin.rotateBasic(old.id, next, until)).toEqual({ previousValidUntil: until });
    expect(await store.findByKeyHash(next.keyHash)).toMatchObject({ id: next.id, tenantId: 'acme', scopes: ['a'] });
    expect(
      await within(1000, async () => (await store.findByKeyHash(old.keyHash))?.expiresAt === until.getTime()),
    ).toBeLessThan(1000);
  });

  it('a cold miss costs one query; concurrent misses of one key share it; a hit costs none', async () => {
    const store = await db.open();
    const { keyHash } = await addBasicKey(db.admin, 'acme');
    await new Promise((done) => setTimeout(done, 200)); // the creation's notification, which cancels lookups under way
    const before = store.lookup.queries;
    const answers = await Promise.all(Array.from({ length: 20 }, () => store.findByKeyHash(keyHash)));
    expect(new Set(answers.map((answer) => answer?.id)).size).toBe(1);
    expect(store.lookup.queries - before).toBe(1);
    await store.findByKeyHash(keyHash);
    expect(store.lookup.queries - before).toBe(1);
  });

  it('no column of any table holds a plain secret, a plain Basic key, or their hex/base64', async () => {
    const basic = await addBasicKey(db.admin, 'acme');
    const pair = await addKeyPair(db.admin, 'acme');
    await db.admin.rotatePair(pair.id, `sk_test_${randomBytes(16).toString('hex')}`, new Date(Date.now() + 1000));
    const { rows: tables } = await db.sql.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1',
      [db.schema],
    );
    expect(tables.map((t) => t.table_name).sort()).toEqual(['key_secrets', 'keygate_migrations', 'keys', 'tenants']);
    const forbidden = [basic.key, pair.secretKey].flatMap((secret) => [
      secret,
      secret.slice(8), // the random part alone
      Buffer.from(secret).toString('hex'),
      Buffer.from(secret).toString('base64'),
    ]);
    let cells = 0;
    for (const { table_name } of tables) {
      // Every column as text (bytea as hex, arrays and timestamps in their text form).
      const { rows } = await db.sql.query(`SELECT * FROM "${db.schema}"."${table_name}"`);
      for (const row of rows) {
        for (const value of Object.values(row)) {
          cells++;
          const text = Buffer.isBuffer(value)
            ? `${value.toString('hex')} ${value.toString('base64')} ${value.toString('latin1')}`
            : JSON.stringify(value);
          for (const secret of forbidden) expect(text).not.toContain(secret);
        }
      }
    }
    expect(cells).toBeGreaterThan(20);
    // The Basic key is there only as its SHA-256.
    const { rows } = await db.sql.query(`SELECT key_hash FROM "${db.schema}".keys WHERE id = $1`, [basic.id]);
    expect(rows[0].key_hash).toBe(sha256Hex(basic.key));
  });

  it("a ciphertext copied to another key's row does not decrypt there: the lookup fails (503), never a 401 or a wrong secret", async () => {
    const store = await db.open();
    const victim = await addKeyPair(db.admin, 'acme');
    const donor = await addKeyPair(db.admin, 'acme');
    await db.sql.query(
      `UPDATE "${db.schema}".key_secrets SET sealed = (SELECT sealed FROM "${db.schema}".key_secrets WHERE key_id = $2) WHERE key_id = $1`,
      [victim.id, donor.id],
    );
    await expect(async () => await store.findByPublicKey(victim.publicKey)).rejects.toThrow(/sealed for another key/);
    const errors: unknown[] = [];
    const verifier = createVerifier({ keys: store, onStoreError: (error) => errors.push(error) });
    const result = await verifier.verify({
      method: 'GET',
      target: '/',
      headers: { authorization: `Bearer ${victim.publicKey}`, 'x-api-secret': donor.secretKey },
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'AUTH_UNAVAILABLE' } });
    expect(String(errors[0])).not.toContain(donor.secretKey);
    // The donor is untouched.
    expect((await store.findByPublicKey(donor.publicKey))?.secrets).toEqual([{ secretKey: donor.secretKey }]);
  });

  it('KEYGATE_ENCRYPTION_KEY: pairs present and no key, a wrong key or a wrong length → refuses to start naming it', async () => {
    await addKeyPair(db.admin, 'acme');
    const saved = process.env.KEYGATE_ENCRYPTION_KEY;
    delete process.env.KEYGATE_ENCRYPTION_KEY;
    try {
      const open = (options: object) =>
        PostgresKeyStore.open({ connectionString: databaseUrl, schema: db.schema, ...options });
      await expect(open({})).rejects.toThrow(/KEYGATE_ENCRYPTION_KEY is not set/);
      await expect(open({ encryptionKey: randomBytes(32).toString('base64') })).rejects.toThrow(
        /KEYGATE_ENCRYPTION_KEY does not open/,
      );
      const short = randomBytes(16).toString('base64');
      await expect(open({ encryptionKey: short })).rejects.toThrow(
        /KEYGATE_ENCRYPTION_KEY must be the base64 of exactly 32 bytes \(it holds 16\)/,
      );
      await expect(open({ encryptionKey: short })).rejects.not.toThrow(short);
      // The CLI side refuses to create a pair without it.
      const admin = PostgresKeyAdmin.connect({ connectionString: databaseUrl, schema: db.schema, env: {} });
      try {
        await expect(
          admin.createKey({
            id: 'k_nokey',
            tenant: 'acme',
            environment: 'test',
            hint: 'abcd',
            publicKey: 'pk_test_x',
            secretKey: 'sk_test_x',
          }),
        ).rejects.toThrow(/KEYGATE_ENCRYPTION_KEY is not set/);
      } finally {
        await admin.close();
      }
    } finally {
      if (saved !== undefined) process.env.KEYGATE_ENCRYPTION_KEY = saved;
    }
  });

  it('encryption key rotation: secrets sealed under the previous key open, and `reseal` moves them to the new one', async () => {
    const db = await freshSchema();
    await db.admin.createTenant('acme');
    const pair = await addKeyPair(db.admin, 'acme');
    const next = randomBytes(32).toString('base64');
    const admin = PostgresKeyAdmin.connect({
      connectionString: databaseUrl,
      schema: db.schema,
      env: { KEYGATE_ENCRYPTION_KEY: next, KEYGATE_PREVIOUS_ENCRYPTION_KEYS: ENCRYPTION_KEY },
    });
    try {
      const both = await db.open({ encryptionKey: next, previousEncryptionKeys: [ENCRYPTION_KEY] });
      expect((await both.findByPublicKey(pair.publicKey))?.secrets).toEqual([{ secretKey: pair.secretKey }]);
      const { resealed } = await admin.reseal();
      expect(resealed).toBeGreaterThan(0);
      expect((await admin.reseal()).resealed).toBe(0);
      const onlyNew = await db.open({ encryptionKey: next, previousEncryptionKeys: [] });
      expect((await onlyNew.findByPublicKey(pair.publicKey))?.secrets).toEqual([{ secretKey: pair.secretKey }]);
      await expect(
        PostgresKeyStore.open({ connectionString: databaseUrl, schema: db.schema, encryptionKey: ENCRYPTION_KEY }),
      ).rejects.toThrow(/does not open/);
    } finally {
      await admin.close();
      await db.close();
    }
  });

  it('LISTEN connection killed: the store subscribes again and clears its cache, so a revocation is effective', async () => {
    const store = await db.open({ cache: { ttlMs: 30_000 } });
    const { id, keyHash } = await addBasicKey(db.admin, 'acme');
    expect((await cachedAnswer(store, () => store.findByKeyHash(keyHash)))?.revoked).toBe(false);
    const listeners = await db.sql.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN \"keygate_' || $1 || '\"'",
      [db.schema],
    );
    expect(listeners.rowCount).toBeGreaterThan(0);
    await db.admin.revokeKey(id); // possibly while nobody listens: the notification may be lost
    expect(await within(3000, async () => (await store.findByKeyHash(keyHash))?.revoked === true)).toBeLessThan(3000);
    expect(await within(3000, () => store.listening)).toBeLessThan(3000);
  });

  it('a revocation made while LISTEN is down (its notification lost) is seen once LISTEN is back: the cache is cleared then', async () => {
    // The store connects as a role of its own, so that its connections can be refused (NOLOGIN) while the change is made.
    const role = `kg_listen_${randomBytes(4).toString('hex')}`;
    await db.sql.query(`CREATE ROLE ${role} LOGIN`);
    await db.sql.query(`GRANT USAGE ON SCHEMA "${db.schema}" TO ${role}`);
    await db.sql.query(`GRANT SELECT ON ALL TABLES IN SCHEMA "${db.schema}" TO ${role}`);
    const url = new URL(db.url);
    url.username = role;
    url.password = '';
    const store = await db.open({ connectionString: url.toString(), cache: { ttlMs: 30_000 } });
    try {
      const { id, keyHash } = await addBasicKey(db.admin, 'acme');
      expect((await cachedAnswer(store, () => store.findByKeyHash(keyHash)))?.revoked).toBe(false);
      await db.sql.query(`ALTER ROLE ${role} NOLOGIN`);
      await db.sql.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [role]);
      expect(await within(3000, () => !store.listening)).toBeLessThan(3000);
      await db.admin.revokeKey(id); // nobody listens: this notification is lost
      await new Promise((done) => setTimeout(done, 300));
      expect((await store.findByKeyHash(keyHash))?.revoked).toBe(false); // still the cached answer
      await db.sql.query(`ALTER ROLE ${role} LOGIN`);
      expect(await within(3000, async () => (await store.findByKeyHash(keyHash))?.revoked === true)).toBeLessThan(3000);
    } finally {
      await store.close();
      await db.sql.query(`DROP OWNED BY ${role}`);
      await db.sql.query(`DROP ROLE ${role}`);
    }
  });

  it("with the app's pool (no statement_timeout of the store's own), a blocked miss fails within queryTimeoutMs", async () => {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 3 });
    pool.on('error', () => {});
    const store = await PostgresKeyStore.open({
      pool,
      schema: db.schema,
      encryptionKey: ENCRYPTION_KEY,
      queryTimeoutMs: 500,
    });
    const locker = await db.sql.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE "${db.schema}".keys IN ACCESS EXCLUSIVE MODE`);
      const started = performance.now();
      // More misses than the pool has connections: the ones waiting for a connection are bounded too.
      const outcomes = await Promise.allSettled(
        Array.from({ length: 5 }, () => store.findByKeyHash(randomBytes(32).toString('hex'))),
      );
      const took = performance.now() - started;
      expect(outcomes.map((outcome) => outcome.status)).toEqual(Array(5).fill('rejected'));
      expect(String((outcomes[0] as PromiseRejectedResult).reason)).toMatch(/no answer from PostgreSQL within 500 ms/);
      expect(took).toBeLessThan(1500);
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
      await store.close();
      await pool.end();
    }
  });

  it('notification lost (a change made with triggers off): the cache TTL still bounds how long a revoked key works', async () => {
    const store = await db.open({ cache: { ttlMs: 1000 } });
    const { id, keyHash } = await addBasicKey(db.admin, 'acme');
    await new Promise((done) => setTimeout(done, 200)); // the creation's notification, which cancels lookups under way
    expect((await store.findByKeyHash(keyHash))?.revoked).toBe(false);
    const client = await db.sql.connect();
    try {
      await client.query("SET session_replication_role = 'replica'"); // no trigger fires: no NOTIFY
      await client.query(`UPDATE "${db.schema}".keys SET revoked = true WHERE id = $1`, [id]);
    } finally {
      await client.query("SET session_replication_role = 'origin'");
      client.release();
    }
    await new Promise((done) => setTimeout(done, 300));
    expect((await store.findByKeyHash(keyHash))?.revoked).toBe(false); // still cached: nothing was notified
    expect(await within(2500, async () => (await store.findByKeyHash(keyHash))?.revoked === true)).toBeLessThan(2500);
  });

  it('through a verifier: the Basic key is accepted, then refused as revoked', async () => {
    const store = await db.open();
    const { id, key } = await addBasicKey(db.admin, 'acme');
    const verifier = createVerifier({ keys: store });
    const input = { method: 'GET', target: '/', headers: { authorization: basicAuthorization(key) } };
    expect(await verifier.verify(input)).toMatchObject({ ok: true, auth: { keyId: id, tenantId: 'acme' } });
    await db.admin.revokeKey(id);
    expect(await within(1000, async () => !(await verifier.verify(input)).ok)).toBeLessThan(1000);
    expect(await verifier.verify(input)).toMatchObject({ ok: false, error: { code: 'INVALID_API_KEY' } });
  });
});

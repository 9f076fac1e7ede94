import { randomBytes } from 'node:crypto';
import { generateApiKey, generateKeyPair } from '@keygate/core';
import { PostgresKeyAdmin, PostgresKeyStore, type PostgresKeyStoreOptions } from '@keygate/postgres';
import pg from 'pg';
import { describe, inject } from 'vitest';

/** URL of the PostgreSQL the global setup started (or KEYGATE_TEST_DATABASE_URL); '' when there is none. */
export const databaseUrl = inject('databaseUrl');
/** `describe`, or `describe.skip` with a visible message when there is no PostgreSQL (local runs only). */
export function describePostgres(name: string): typeof describe | typeof describe.skip {
  if (databaseUrl) return describe;
  console.warn(
    `\n[keygate] PostgreSQL tests SKIPPED (${name}): no PostgreSQL. Install postgresql or set KEYGATE_TEST_DATABASE_URL.\n`,
  );
  return describe.skip;
}

/** A test encryption key (base64 of 32 bytes). */
export const ENCRYPTION_KEY = randomBytes(32).toString('base64');

/** A migrated schema of its own, with an admin writing to it and a way to open stores on it; closed by `close`. */
export async function freshSchema(url = databaseUrl): Promise<{
  schema: string;
  url: string;
  admin: PostgresKeyAdmin;
  sql: pg.Pool;
  open(options?: Partial<PostgresKeyStoreOptions>): Promise<PostgresKeyStore>;
  close(): Promise<void>;
}> {
  const schema = `kg_${randomBytes(6).toString('hex')}`;
  const admin = PostgresKeyAdmin.connect({
    connectionString: url,
    schema,
    env: { KEYGATE_ENCRYPTION_KEY: ENCRYPTION_KEY },
  });
  await admin.migrate();
  const sql = new pg.Pool({ connectionString: url, max: 4 });
  sql.on('error', () => {});
  const stores: PostgresKeyStore[] = [];
  return {
    schema,
    url,
    admin,
    sql,
    open: async (options = {}) => {
      const store = await PostgresKeyStore.open({
        connectionString: url,
        schema,
        encryptionKey: ENCRYPTION_KEY,
        ...options,
      });
      stores.push(store);
      return store;
    },
    close: async () => {
      await Promise.all(stores.map((store) => store.close().catch(() => {})));
      await admin.close().catch(() => {});
      await sql.end().catch(() => {});
    },
  };
}

/** Creates a tenant's Basic key (returns the key) through the admin, as the CLI does. */
export async function addBasicKey(
  admin: PostgresKeyAdmin,
  tenant: string,
  extra: { scopes?: string[]; rateLimit?: { limit: number; windowSeconds: number }; expiresAt?: string } = {},
): Promise<{ id: string; key: string; keyHash: string }> {
  const { key, keyHash } = generateApiKey('live');
  const id = `key_${randomBytes(6).toString('hex')}`;
  const hash = keyHash.replace(/^sha256:/, '');
  await admin.createKey({ id, tenant, environment: 'live', hint: key.slice(-4), keyHash: hash, ...extra });
  return { id, key, keyHash: hash };
}

/** Creates a tenant's key pair through the admin. */
export async function addKeyPair(
  admin: PostgresKeyAdmin,
  tenant: string,
): Promise<{ id: string; publicKey: string; secretKey: string }> {
  const { publicKey, secretKey } = generateKeyPair('test');
  const id = `key_${randomBytes(6).toString('hex')}`;
  await admin.createKey({ id, tenant, environment: 'test', hint: publicKey.slice(-4), publicKey, secretKey });
  return { id, publicKey, secretKey };
}

/** Polls `check` every 20 ms until it is true; the ms it took, or Infinity after `withinMs`. */
export async function within(withinMs: number, check: () => boolean | Promise<boolean>): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < withinMs) {
    if (await check()) return performance.now() - started;
    await new Promise((done) => setTimeout(done, 20));
  }
  return Infinity;
}

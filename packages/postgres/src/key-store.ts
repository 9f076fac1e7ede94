import { type Awaitable, CachedKeyStore, type KeyRecord, type KeyStore, type TenantRecord } from '@keygate/core';
import { inspect } from 'node:util';
import type pg from 'pg';
import { ChangeListener, type Change } from './change-listener.js';
import { EncryptionKeyError, ENCRYPTION_KEY_VARIABLE, SecretSealer } from './encryption.js';
import { PostgresLookup, withTimeout } from './lookup.js';
import { requireSchema } from './migrations.js';
import { channelOf, poolFrom, schemaName } from './schema.js';

/** Options of `PostgresKeyStore.open`. */
export interface PostgresKeyStoreOptions {
  /** The application's pool (left open by `close`; one of its connections is held for `LISTEN`). */
  pool?: pg.Pool | undefined;
  /** Or a connection string: the store makes its own pool and ends it on `close`. */
  connectionString?: string | undefined;
  /** Schema holding the tables (made by `keygate db migrate`). Default `keygate`. */
  schema?: string | undefined;
  /** Base64 of 32 bytes that opens the pair secrets. Default `$KEYGATE_ENCRYPTION_KEY`. */
  encryptionKey?: string | undefined;
  /** Earlier encryption keys still accepted while secrets are re-sealed. Default `$KEYGATE_PREVIOUS_ENCRYPTION_KEYS`. */
  previousEncryptionKeys?: readonly string[] | undefined;
  /**
   * Longest wait for one lookup, connection included; past it the lookup fails and the request gets 503
   * `AUTH_UNAVAILABLE`. Default 2000 ms.
   */
  queryTimeoutMs?: number | undefined;
  /** The cache in front of the queries (`CachedKeyStore`): `max` (10 000), `negativeMax` (`max`), `ttlMs` (30 000), `negativeTtlMs`. */
  cache?: { max?: number; negativeMax?: number; ttlMs?: number; negativeTtlMs?: number } | undefined;
  /** Told of a lost `LISTEN` connection or a failed resubscription (retried on its own). Default: ignored. */
  onListenError?: ((error: Error) => void) | undefined;
}

const KNOWN = new Set([
  'pool',
  'connectionString',
  'schema',
  'encryptionKey',
  'previousEncryptionKeys',
  'queryTimeoutMs',
  'cache',
  'onListenError',
]);

/**
 * Keys in PostgreSQL: a `KeyStore` whose lookups go through core's `CachedKeyStore` (bounded, found and not-found
 * answers, one query for concurrent misses) and whose cache follows every change in the database within about a
 * second through `LISTEN/NOTIFY`, within `cache.ttlMs` if a notification is lost.
 */
export class PostgresKeyStore implements KeyStore {
  private constructor(
    private readonly cache: CachedKeyStore,
    /** The uncached lookups (its `queries` counts the queries sent). */
    readonly lookup: PostgresLookup,
    private readonly listener: ChangeListener,
    private readonly pool: pg.Pool,
    private readonly ownsPool: boolean,
  ) {}

  /**
   * Connects, checks the schema is migrated, refuses to start when pairs are stored and their secrets cannot be
   * opened (no or wrong `KEYGATE_ENCRYPTION_KEY`), and subscribes to changes.
   */
  static async open(options: PostgresKeyStoreOptions): Promise<PostgresKeyStore> {
    if (typeof options !== 'object' || options === null)
      throw new TypeError('@keygate/postgres: options must be an object');
    for (const name of Object.keys(options))
      if (!KNOWN.has(name)) throw new TypeError(`@keygate/postgres: unknown option "${name}"`);
    const schema = schemaName(options.schema);
    const queryTimeoutMs = options.queryTimeoutMs ?? 2000;
    if (!Number.isSafeInteger(queryTimeoutMs) || queryTimeoutMs < 1)
      throw new TypeError('@keygate/postgres: option "queryTimeoutMs" must be a positive integer');
    const sealer = SecretSealer.fromEnvironment(process.env, {
      current: options.encryptionKey,
      previous: options.previousEncryptionKeys,
    });
    const { pool, owned } = poolFrom({
      pool: options.pool,
      connectionString: options.connectionString,
      connectionTimeoutMs: queryTimeoutMs,
      statementTimeoutMs: queryTimeoutMs,
    });
    let listener: ChangeListener | undefined;
    try {
      await withTimeout(requireSchema(pool, schema), queryTimeoutMs * 2);
      await checkSecretsOpen(pool, schema, sealer, queryTimeoutMs);
      const lookup = new PostgresLookup(pool, schema, sealer, queryTimeoutMs);
      const cached = new CachedKeyStore(lookup, options.cache ?? {});
      const onListenError = options.onListenError ?? (() => {});
      listener = new ChangeListener(pool, channelOf(schema), {
        onChange: (change) => applyChange(cached, change),
        // Notifications sent while the connection was down are lost: start again from the database.
        onResubscribed: () => cached.clear(),
        onError: onListenError,
      });
      await withTimeout(listener.start(), queryTimeoutMs * 2);
      return new PostgresKeyStore(cached, lookup, listener, pool, owned);
    } catch (error) {
      await listener?.close(); // a subscription still under way after the timeout drops its connection
      if (owned) await pool.end().catch(() => {});
      throw error;
    }
  }

  findByKeyHash(keyHash: string): KeyRecord | undefined | Promise<KeyRecord | undefined> {
    return this.cache.findByKeyHash(keyHash);
  }

  findByPublicKey(publicKey: string): KeyRecord | undefined | Promise<KeyRecord | undefined> {
    return this.cache.findByPublicKey(publicKey);
  }

  /**
   * A tenant by id, for JWTs naming their tenant: one primary-key query each time, not cached (as core's
   * `CachedKeyStore` does), so a suspension reaches JWTs at once; while the database is down it fails (503).
   */
  findTenant(tenantId: string): Awaitable<TenantRecord | undefined> {
    return this.cache.findTenant(tenantId);
  }

  /** Drops every cached answer (`verifier.reload()` calls it). */
  reload(): void {
    this.cache.clear();
  }

  /** Whether the `LISTEN` connection is up (changes reach this instance within a second). */
  get listening(): boolean {
    return this.listener.listening;
  }

  /** Answers held in the cache. */
  get cacheSize(): number {
    return this.cache.size;
  }

  /**
   * What `console.log`/`util.inspect` and `JSON.stringify` show of the store: its state, never its cache (decrypted
   * pair secrets), its pool (a connection string may hold a password) or its encryption key.
   */
  toJSON(): { listening: boolean; cacheSize: number } {
    return { listening: this.listening, cacheSize: this.cacheSize };
  }

  [inspect.custom](): string {
    return `PostgresKeyStore ${inspect(this.toJSON())}`;
  }

  /** Stops listening; ends the pool when the store made it. */
  async close(): Promise<void> {
    await this.listener.close();
    if (this.ownsPool) await this.pool.end();
  }
}

function applyChange(cache: CachedKeyStore, change: Change): void {
  if ('tenant' in change) {
    cache.clear(); // a tenant's status is in each of its keys' records
    return;
  }
  cache.invalidate(change.key);
  if (typeof change.keyHash === 'string') cache.forget({ keyHash: change.keyHash });
  if (typeof change.publicKey === 'string') cache.forget({ publicKey: change.publicKey });
}

/** With pairs stored, the encryption key must be set and open one of their secrets (the newest). */
async function checkSecretsOpen(
  pool: pg.Pool,
  schema: string,
  sealer: SecretSealer | undefined,
  timeoutMs: number,
): Promise<void> {
  const { rows } = await withTimeout(
    pool.query<{ key_id: string; sealed: Buffer }>(
      `SELECT key_id, sealed FROM "${schema}".key_secrets ORDER BY id DESC LIMIT 1`,
    ),
    timeoutMs,
  );
  const sample = rows[0];
  if (sample === undefined) return;
  if (sealer === undefined) {
    throw new EncryptionKeyError(
      `${ENCRYPTION_KEY_VARIABLE} is not set, and schema "${schema}" holds key pairs whose secrets it encrypts: set it to the key they were created with`,
    );
  }
  try {
    sealer.open(sample.key_id, sample.sealed);
  } catch (error) {
    throw new EncryptionKeyError(
      `${ENCRYPTION_KEY_VARIABLE} does not open the key-pair secrets in schema "${schema}" (${(error as Error).message})`,
    );
  }
}

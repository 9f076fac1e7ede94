import { type KeyRecord, type KeysFile, parseKeysFile } from '@keygate/core';
import type pg from 'pg';
import { EncryptionKeyError, ENCRYPTION_KEY_VARIABLE, SecretSealer } from './encryption.js';
import { migrate } from './migrations.js';
import { poolFrom, schemaName } from './schema.js';

/** Why an administrative change was refused; `subject` is the tenant or key id concerned. */
export type KeyAdminFailure =
  | 'unknown-tenant'
  | 'tenant-exists'
  | 'unknown-key'
  | 'key-exists'
  | 'key-revoked'
  | 'no-environment';

export class KeyAdminError extends Error {
  override readonly name = 'KeyAdminError';
  constructor(
    readonly failure: KeyAdminFailure,
    readonly subject: string,
  ) {
    super(`${failure}: ${subject}`);
  }
}

/** A key to store. Basic keys come as their SHA-256 (hex) only; a pair's secret is sealed before it is written. */
export interface NewKey {
  id: string;
  tenant: string;
  environment: 'live' | 'test' | null;
  hint: string | null;
  keyHash?: string | undefined;
  publicKey?: string | undefined;
  secretKey?: string | undefined;
  /** Instead of `secretKey`: several secrets, newest first, each with an optional end (Unix ms). */
  secrets?: ReadonlyArray<{ secretKey: string; notAfter?: number | undefined }> | undefined;
  revoked?: boolean | undefined;
  scopes?: readonly string[] | undefined;
  rateLimit?: { limit: number; windowSeconds: number } | undefined;
  /** ISO 8601. */
  expiresAt?: string | undefined;
}

/** One key as `keygate keys list` shows it (never a secret). */
export interface KeyListing {
  id: string;
  tenant: string;
  environment: 'live' | 'test' | null;
  kind: 'basic' | 'keypair';
  scopes: string[] | null;
  revoked: boolean;
  expiresAt: string | null;
  hint: string | null;
}

/**
 * Writes to the key tables (what the CLI's `--database` target runs). Every write is one transaction; the
 * triggers notify the running stores.
 */
export class PostgresKeyAdmin {
  private readonly schema: string;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly owned: boolean,
    schema: string,
    private readonly sealer: SecretSealer | undefined,
  ) {
    this.schema = schema;
  }

  static connect(options: {
    connectionString?: string;
    pool?: pg.Pool;
    schema?: string | undefined;
    env?: NodeJS.ProcessEnv;
  }): PostgresKeyAdmin {
    const schema = schemaName(options.schema);
    const sealer = SecretSealer.fromEnvironment(options.env); // a malformed key throws here, naming the variable
    const { pool, owned } = poolFrom({
      pool: options.pool,
      connectionString: options.connectionString,
      connectionTimeoutMs: 5000,
    });
    return new PostgresKeyAdmin(pool, owned, schema, sealer);
  }

  async close(): Promise<void> {
    if (this.owned) await this.pool.end();
  }

  migrate(): Promise<{ version: number; applied: number[] }> {
    return migrate(this.pool, this.schema);
  }

  async createTenant(id: string): Promise<{ id: string; status: 'active' | 'suspended' }> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO "${this.schema}".tenants (id) VALUES ($1) ON CONFLICT (id) DO NOTHING`,
      [id],
    );
    if (rowCount === 0) throw new KeyAdminError('tenant-exists', id);
    return { id, status: 'active' };
  }

  async setTenantStatus(
    id: string,
    status: 'active' | 'suspended',
  ): Promise<{ id: string; status: 'active' | 'suspended' }> {
    const { rowCount } = await this.pool.query(`UPDATE "${this.schema}".tenants SET status = $2 WHERE id = $1`, [
      id,
      status,
    ]);
    if (rowCount === 0) throw new KeyAdminError('unknown-tenant', id);
    return { id, status };
  }

  async tenantExists(id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(`SELECT 1 FROM "${this.schema}".tenants WHERE id = $1`, [id]);
    return rowCount !== 0;
  }

  /** Refuses a pair without `KEYGATE_ENCRYPTION_KEY` before anything is written. */
  requireSealer(): SecretSealer {
    if (this.sealer === undefined) {
      throw new EncryptionKeyError(
        `${ENCRYPTION_KEY_VARIABLE} is not set: key-pair secrets are stored encrypted under it (make one with: openssl rand -base64 32)`,
      );
    }
    return this.sealer;
  }

  async createKey(key: NewKey): Promise<void> {
    await this.transaction(async (client) => {
      await this.insertKey(client, key);
    });
  }

  /**
   * Copies a keys file's tenants and keys in one transaction (the way from a keys file to PostgreSQL): the file is
   * validated as a server would load it; tenants already present are kept as they are; a key id already present
   * refuses the whole import. Clear Basic keys are stored as their hash only; pair secrets are sealed.
   */
  async importKeys(input: KeysFile | unknown, source = 'keys to import'): Promise<{ tenants: number; keys: number }> {
    const loaded = parseKeysFile(input, source);
    const data = input as KeysFile; // what parseKeysFile has just validated
    const found = new Map<string, { record: KeyRecord; keyHash?: string; publicKey?: string }>();
    for (const [keyHash, record] of loaded.byKeyHash) found.set(record.id, { record, keyHash });
    for (const [publicKey, record] of loaded.byPublicKey) found.set(record.id, { record, publicKey });
    return this.transaction(async (client) => {
      let tenants = 0;
      for (const tenant of data.tenants ?? []) {
        const { rowCount } = await client.query(
          `INSERT INTO "${this.schema}".tenants (id, status) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`,
          [tenant.id, tenant.status ?? 'active'],
        );
        tenants += rowCount ?? 0;
      }
      for (const entry of data.keys) {
        const { record, keyHash, publicKey } = found.get(entry.id)!;
        const secrets = record.secrets ?? (record.secretKey === undefined ? [] : [{ secretKey: record.secretKey }]);
        await this.insertKey(client, {
          id: entry.id,
          tenant: entry.tenant,
          environment: record.environment,
          hint: entry.hint ?? (entry.key ?? entry.publicKey)?.slice(-4) ?? null,
          keyHash,
          publicKey,
          secrets: secrets.map((secret) => ({ secretKey: secret.secretKey!, notAfter: secret.notAfter })),
          scopes: record.scopes,
          rateLimit: record.rateLimit,
          expiresAt: entry.expiresAt,
          revoked: record.revoked === true,
        });
      }
      return { tenants, keys: data.keys.length };
    });
  }

  async listKeys(tenant?: string): Promise<KeyListing[]> {
    if (tenant !== undefined && !(await this.tenantExists(tenant))) throw new KeyAdminError('unknown-tenant', tenant);
    const { rows } = await this.pool.query<Omit<KeyListing, 'expiresAt'> & { expires_at: Date | null }>(
      `SELECT id, tenant_id AS tenant, environment, kind, scopes, revoked, expires_at, hint
       FROM "${this.schema}".keys WHERE $1::text IS NULL OR tenant_id = $1 ORDER BY created_at, id`,
      [tenant ?? null],
    );
    // The fields in the order of the design's `keys list --json` (the keys file target's order).
    return rows.map((row) => ({
      id: row.id,
      tenant: row.tenant,
      environment: row.environment,
      kind: row.kind,
      scopes: row.scopes,
      revoked: row.revoked,
      expiresAt: row.expires_at?.toISOString() ?? null,
      hint: row.hint,
    }));
  }

  /** A key's kind and environment; an unknown id is refused. */
  async keyKind(id: string): Promise<{ kind: 'basic' | 'keypair'; environment: 'live' | 'test' | null }> {
    const { rows } = await this.pool.query<{ kind: 'basic' | 'keypair'; environment: 'live' | 'test' | null }>(
      `SELECT kind, environment FROM "${this.schema}".keys WHERE id = $1`,
      [id],
    );
    if (rows[0] === undefined) throw new KeyAdminError('unknown-key', id);
    return rows[0];
  }

  async revokeKey(id: string): Promise<void> {
    const { rowCount } = await this.pool.query(`UPDATE "${this.schema}".keys SET revoked = true WHERE id = $1`, [id]);
    if (rowCount === 0) throw new KeyAdminError('unknown-key', id);
  }

  /**
   * A pair gets `secretKey` as a new secret; its other live secrets end at `until` at the latest, ended ones are
   * removed. Returns the public key and when the last previous secret ends.
   */
  async rotatePair(
    id: string,
    secretKey: string,
    until: Date,
  ): Promise<{ publicKey: string; previousValidUntil: Date }> {
    const sealer = this.requireSealer();
    return this.transaction(async (client) => {
      const key = await this.lockKey(client, id);
      if (key.public_key === null) throw new TypeError(`key "${id}" is not a pair`);
      const s = this.schema;
      await client.query(`DELETE FROM "${s}".key_secrets WHERE key_id = $1 AND not_after <= now()`, [id]);
      const kept = await client.query<{ not_after: Date }>(
        `UPDATE "${s}".key_secrets SET not_after = LEAST(COALESCE(not_after, $2), $2) WHERE key_id = $1 RETURNING not_after`,
        [id, until],
      );
      await client.query(`INSERT INTO "${s}".key_secrets (key_id, sealed) VALUES ($1, $2)`, [
        id,
        sealer.seal(id, secretKey),
      ]);
      const ends = kept.rows.map((row) => row.not_after.getTime());
      return {
        publicKey: key.public_key,
        previousValidUntil: new Date(ends.length > 0 ? Math.max(...ends) : Date.now()),
      };
    });
  }

  /** A Basic key is replaced by `next` (same tenant, scopes, limit); the old one expires at `until` at the latest. */
  async rotateBasic(
    id: string,
    next: { id: string; keyHash: string; hint: string },
    until: Date,
  ): Promise<{ previousValidUntil: Date }> {
    return this.transaction(async (client) => {
      const key = await this.lockKey(client, id);
      if (key.environment === null) throw new KeyAdminError('no-environment', id);
      await this.insertKey(client, {
        id: next.id,
        tenant: key.tenant_id,
        environment: key.environment,
        hint: next.hint,
        keyHash: next.keyHash,
        scopes: key.scopes ?? undefined,
        rateLimit:
          key.rate_limit === null
            ? undefined
            : { limit: key.rate_limit, windowSeconds: key.rate_limit_window_seconds! },
      });
      const { rows } = await client.query<{ expires_at: Date }>(
        `UPDATE "${this.schema}".keys SET expires_at = LEAST(COALESCE(expires_at, $2), $2) WHERE id = $1 RETURNING expires_at`,
        [id, until],
      );
      return { previousValidUntil: rows[0]!.expires_at };
    });
  }

  /**
   * Re-seals every pair secret not sealed under the current `KEYGATE_ENCRYPTION_KEY` (opening it with a key of
   * `KEYGATE_PREVIOUS_ENCRYPTION_KEYS`); returns how many were re-sealed. One transaction.
   */
  async reseal(): Promise<{ resealed: number }> {
    const sealer = this.requireSealer();
    return this.transaction(async (client) => {
      const { rows } = await client.query<{ id: string; key_id: string; sealed: Buffer }>(
        `SELECT id, key_id, sealed FROM "${this.schema}".key_secrets FOR UPDATE`,
      );
      let resealed = 0;
      for (const row of rows) {
        if (sealer.isCurrent(row.sealed)) continue;
        const sealed = sealer.seal(row.key_id, sealer.open(row.key_id, row.sealed));
        await client.query(`UPDATE "${this.schema}".key_secrets SET sealed = $2 WHERE id = $1`, [row.id, sealed]);
        resealed++;
      }
      return { resealed };
    });
  }

  private async insertKey(client: pg.PoolClient, key: NewKey): Promise<void> {
    const s = this.schema;
    const tenant = await client.query(`SELECT 1 FROM "${s}".tenants WHERE id = $1`, [key.tenant]);
    if (tenant.rowCount === 0) throw new KeyAdminError('unknown-tenant', key.tenant);
    const secrets = key.secrets ?? (key.secretKey === undefined ? [] : [{ secretKey: key.secretKey }]);
    const sealer = secrets.length > 0 ? this.requireSealer() : undefined;
    const inserted = await client.query(
      `INSERT INTO "${s}".keys (id, tenant_id, kind, environment, key_hash, public_key, scopes, rate_limit, rate_limit_window_seconds, expires_at, hint, revoked)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING`,
      [
        key.id,
        key.tenant,
        key.publicKey === undefined ? 'basic' : 'keypair',
        key.environment,
        key.keyHash ?? null,
        key.publicKey ?? null,
        key.scopes ?? null,
        key.rateLimit?.limit ?? null,
        key.rateLimit?.windowSeconds ?? null,
        key.expiresAt ?? null,
        key.hint,
        key.revoked === true,
      ],
    );
    if (inserted.rowCount === 0) throw new KeyAdminError('key-exists', key.id);
    // Oldest first: lookups list a pair's secrets newest first, as the keys file does.
    for (const secret of [...secrets].reverse()) {
      await client.query(`INSERT INTO "${s}".key_secrets (key_id, sealed, not_after) VALUES ($1, $2, $3)`, [
        key.id,
        sealer!.seal(key.id, secret.secretKey),
        secret.notAfter === undefined ? null : new Date(secret.notAfter),
      ]);
    }
  }

  private async lockKey(client: pg.PoolClient, id: string) {
    const { rows } = await client.query<{
      tenant_id: string;
      environment: 'live' | 'test' | null;
      public_key: string | null;
      scopes: string[] | null;
      rate_limit: number | null;
      rate_limit_window_seconds: number | null;
      revoked: boolean;
    }>(
      `SELECT tenant_id, environment, public_key, scopes, rate_limit, rate_limit_window_seconds, revoked FROM "${this.schema}".keys WHERE id = $1 FOR UPDATE`,
      [id],
    );
    const key = rows[0];
    if (key === undefined) throw new KeyAdminError('unknown-key', id);
    if (key.revoked) throw new KeyAdminError('key-revoked', id);
    return key;
  }

  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw error;
    } finally {
      client.release(broken);
    }
  }
}

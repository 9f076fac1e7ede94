import type { KeyRecord, KeyStore, PairSecret, TenantRecord } from '@keygate/core';
import type pg from 'pg';
import { EncryptionKeyError, ENCRYPTION_KEY_VARIABLE, type SecretSealer } from './encryption.js';

interface KeyRow {
  id: string;
  tenant_id: string;
  tenant_status: 'active' | 'suspended';
  kind: 'basic' | 'keypair';
  environment: 'live' | 'test' | null;
  scopes: string[] | null;
  rate_limit: number | null;
  rate_limit_window_seconds: number | null;
  expires_ms: number | null;
  revoked: boolean;
  /** Pairs: `[{ sealed (base64), notAfter (Unix ms or null) }]`; `[]` for Basic keys. */
  secrets: Array<{ sealed: string; notAfter: number | null }>;
}

const selectKey = (s: string, where: string) => `
  SELECT k.id, k.tenant_id, t.status AS tenant_status, k.kind, k.environment, k.scopes, k.rate_limit,
         k.rate_limit_window_seconds, (extract(epoch FROM k.expires_at) * 1000)::float8 AS expires_ms, k.revoked,
         COALESCE((SELECT json_agg(json_build_object('sealed', encode(x.sealed, 'base64'),
                                                     'notAfter', (extract(epoch FROM x.not_after) * 1000)::float8) ORDER BY x.id DESC)
                   FROM "${s}".key_secrets x WHERE x.key_id = k.id), '[]'::json) AS secrets
  FROM "${s}".keys k JOIN "${s}".tenants t ON t.id = k.tenant_id
  WHERE ${where}`;

/**
 * The uncached store: one query per lookup (the key, its tenant's status and its sealed secrets together), each
 * bounded by `timeoutMs` from asking the pool for a connection to the last row. Pair secrets are decrypted here, so
 * a cached record holds them decrypted and they are decrypted once per cache fill.
 */
export class PostgresLookup implements KeyStore {
  private readonly byHash: { name: string; text: string };
  private readonly byPublicKey: { name: string; text: string };
  private readonly tenant: { name: string; text: string };
  /** Queries sent (what the bench counts: a cold miss is one). */
  queries = 0;

  constructor(
    private readonly pool: pg.Pool,
    schema: string,
    private readonly sealer: SecretSealer | undefined,
    private readonly timeoutMs: number,
  ) {
    this.byHash = { name: `keygate_${schema}_by_hash`, text: selectKey(schema, 'k.key_hash = $1') };
    this.byPublicKey = { name: `keygate_${schema}_by_public_key`, text: selectKey(schema, 'k.public_key = $1') };
    this.tenant = {
      name: `keygate_${schema}_tenant`,
      text: `SELECT id, status FROM "${schema}".tenants WHERE id = $1`,
    };
  }

  async findByKeyHash(keyHash: string): Promise<KeyRecord | undefined> {
    return this.find(this.byHash, keyHash);
  }

  async findByPublicKey(publicKey: string): Promise<KeyRecord | undefined> {
    return this.find(this.byPublicKey, publicKey);
  }

  /** A tenant by id (what a JWT's tenant claim is checked against). */
  async findTenant(tenantId: string): Promise<TenantRecord | undefined> {
    this.queries++;
    const result = await withTimeout(
      this.pool.query<TenantRecord>({ ...this.tenant, values: [tenantId] }),
      this.timeoutMs,
    );
    return result.rows[0];
  }

  private async find(statement: { name: string; text: string }, value: string): Promise<KeyRecord | undefined> {
    this.queries++;
    const result = await withTimeout(this.pool.query<KeyRow>({ ...statement, values: [value] }), this.timeoutMs);
    const row = result.rows[0];
    return row === undefined ? undefined : this.record(row);
  }

  private record(row: KeyRow): KeyRecord {
    // Every field set, in the order the keys file's records have them: one object shape for the verifier.
    const record: KeyRecord = {
      id: row.id,
      tenantId: row.tenant_id,
      tenantStatus: row.tenant_status,
      kind: row.kind,
      environment: row.environment,
      scopes: row.scopes ?? undefined,
      revoked: row.revoked,
      expiresAt: row.expires_ms ?? undefined,
      rateLimit:
        row.rate_limit !== null && row.rate_limit_window_seconds !== null
          ? { limit: row.rate_limit, windowSeconds: row.rate_limit_window_seconds }
          : undefined,
    };
    if (row.kind === 'keypair') record.secrets = row.secrets.map((secret) => this.open(row.id, secret));
    return record;
  }

  private open(keyId: string, secret: { sealed: string; notAfter: number | null }): PairSecret {
    if (this.sealer === undefined) {
      throw new EncryptionKeyError(
        `${ENCRYPTION_KEY_VARIABLE} is not set, so the secrets of key pair "${keyId}" cannot be decrypted`,
      );
    }
    const opened: PairSecret = { secretKey: this.sealer.open(keyId, Buffer.from(secret.sealed, 'base64')) };
    if (secret.notAfter !== null) opened.notAfter = secret.notAfter;
    return opened;
  }
}

/** A query that has not answered within `ms` rejects (the verifier answers 503); the pool ends it on its own. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`@keygate/postgres: no answer from PostgreSQL within ${ms} ms`)), ms);
  });
  promise.catch(() => {}); // a late failure after the timeout has nobody waiting for it
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

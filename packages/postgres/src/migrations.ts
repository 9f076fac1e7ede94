import type pg from 'pg';
import { channelOf, schemaName } from './schema.js';

/** Each migration is applied once, in order, and recorded in `<schema>.keygate_migrations`. */
const MIGRATIONS: ReadonlyArray<(schema: string, channel: string) => string> = [
  (s, channel) => `
    CREATE TABLE "${s}".tenants (
      id text PRIMARY KEY CHECK (id <> ''),
      status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE "${s}".keys (
      id text PRIMARY KEY CHECK (id <> ''),
      tenant_id text NOT NULL REFERENCES "${s}".tenants (id),
      kind text NOT NULL CHECK (kind IN ('basic', 'keypair')),
      environment text CHECK (environment IN ('live', 'test')),
      -- Basic keys: SHA-256 of the key (lower-case hex), never the key. Pairs: the public key (an identifier).
      key_hash text UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
      public_key text UNIQUE,
      scopes text[],
      rate_limit integer CHECK (rate_limit >= 1),
      rate_limit_window_seconds double precision CHECK (rate_limit_window_seconds > 0),
      expires_at timestamptz,
      revoked boolean NOT NULL DEFAULT false,
      hint text CHECK (length(hint) <= 4),
      created_at timestamptz NOT NULL DEFAULT now(),
      CHECK ((kind = 'basic') = (key_hash IS NOT NULL) AND (kind = 'keypair') = (public_key IS NOT NULL)),
      CHECK ((rate_limit IS NULL) = (rate_limit_window_seconds IS NULL))
    );
    CREATE INDEX keys_tenant_id ON "${s}".keys (tenant_id);
    -- A pair's secrets, sealed with AES-256-GCM (the key id bound as associated data); several during a rotation.
    CREATE TABLE "${s}".key_secrets (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      key_id text NOT NULL REFERENCES "${s}".keys (id) ON DELETE CASCADE,
      sealed bytea NOT NULL,
      not_after timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX key_secrets_key_id ON "${s}".key_secrets (key_id);
    -- Every change notifies the running stores, which drop what they cached (LISTEN "${channel}").
    CREATE FUNCTION "${s}".keygate_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      row_data record;
    BEGIN
      IF TG_OP = 'DELETE' THEN row_data := OLD; ELSE row_data := NEW; END IF;
      IF TG_TABLE_NAME = 'tenants' THEN
        PERFORM pg_notify('${channel}', json_build_object('tenant', row_data.id)::text);
      ELSIF TG_TABLE_NAME = 'keys' THEN
        PERFORM pg_notify('${channel}', json_build_object('key', row_data.id, 'keyHash', row_data.key_hash, 'publicKey', row_data.public_key)::text);
      ELSE
        PERFORM pg_notify('${channel}', json_build_object('key', row_data.key_id)::text);
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER tenants_notify AFTER INSERT OR UPDATE OR DELETE ON "${s}".tenants FOR EACH ROW EXECUTE FUNCTION "${s}".keygate_notify();
    CREATE TRIGGER keys_notify AFTER INSERT OR UPDATE OR DELETE ON "${s}".keys FOR EACH ROW EXECUTE FUNCTION "${s}".keygate_notify();
    CREATE TRIGGER key_secrets_notify AFTER INSERT OR UPDATE OR DELETE ON "${s}".key_secrets FOR EACH ROW EXECUTE FUNCTION "${s}".keygate_notify();
  `,
];

/** The schema version this release reads and writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the schema to `SCHEMA_VERSION` in one transaction. Safe to run again (applied versions are skipped) and
 * from several processes at once: a transaction-scoped advisory lock on the schema's name serialises them, and the
 * later ones find the work done.
 */
export async function migrate(
  pool: pg.Pool,
  schema: string = 'keygate',
): Promise<{ version: number; applied: number[] }> {
  const s = schemaName(schema);
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    await client.query("SELECT pg_advisory_xact_lock(hashtextextended('keygate migrate ' || $1, 0))", [s]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${s}"`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS "${s}".keygate_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query<{ version: number | null }>(
      `SELECT max(version) AS version FROM "${s}".keygate_migrations`,
    );
    const current = rows[0]?.version ?? 0;
    if (current > SCHEMA_VERSION)
      throw new Error(
        `schema "${s}" is at version ${current}, newer than this release's ${SCHEMA_VERSION}: upgrade keygate`,
      );
    const applied: number[] = [];
    for (let version = current + 1; version <= SCHEMA_VERSION; version++) {
      await client.query(MIGRATIONS[version - 1]!(s, channelOf(s)));
      await client.query(`INSERT INTO "${s}".keygate_migrations (version) VALUES ($1)`, [version]);
      applied.push(version);
    }
    await client.query('COMMIT');
    return { version: SCHEMA_VERSION, applied };
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
    throw error;
  } finally {
    client.release(broken);
  }
}

/** The schema's version, or 0 when it was never migrated. */
export async function schemaVersion(pool: pg.Pool, schema: string): Promise<number> {
  const s = schemaName(schema);
  const { rows } = await pool.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [
    `"${s}".keygate_migrations`,
  ]);
  if (!rows[0]?.exists) return 0;
  const result = await pool.query<{ version: number | null }>(
    `SELECT max(version) AS version FROM "${s}".keygate_migrations`,
  );
  return result.rows[0]?.version ?? 0;
}

/** Throws unless the schema is exactly at `SCHEMA_VERSION`, saying what to run. */
export async function requireSchema(pool: pg.Pool, schema: string): Promise<void> {
  const version = await schemaVersion(pool, schema);
  if (version === SCHEMA_VERSION) return;
  if (version > SCHEMA_VERSION)
    throw new Error(
      `@keygate/postgres: schema "${schema}" is at version ${version}, newer than this release's ${SCHEMA_VERSION}: upgrade keygate`,
    );
  throw new Error(
    `@keygate/postgres: schema "${schema}" is at version ${version}, not ${SCHEMA_VERSION}: run \`keygate db migrate\` first`,
  );
}

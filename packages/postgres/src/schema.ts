import pg from 'pg';

/** Where the tables live: a schema name (default `keygate`), quoted into SQL once it is checked. */
export function schemaName(schema: unknown = 'keygate'): string {
  if (typeof schema !== 'string' || !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new TypeError(
      '@keygate/postgres: the schema name (option "schema"; KEYGATE_DATABASE_SCHEMA for the CLI and the examples) must be a lower-case SQL name (a-z, 0-9, _; at most 63 characters)',
    );
  }
  return schema;
}

/** The `LISTEN` channel of one schema (the triggers notify on it). */
export function channelOf(schema: string): string {
  return `keygate_${schema}`.slice(0, 63);
}

/** The `pg.Pool` given, or one made from a connection string (then owned: ended by `close`). */
export function poolFrom(options: {
  pool?: pg.Pool | undefined;
  connectionString?: string | undefined;
  connectionTimeoutMs: number;
  statementTimeoutMs?: number | undefined;
}): {
  pool: pg.Pool;
  owned: boolean;
} {
  if (options.pool !== undefined) {
    if (!(options.pool instanceof pg.Pool) && typeof (options.pool as { query?: unknown }).query !== 'function') {
      throw new TypeError('@keygate/postgres: option "pool" must be a pg.Pool');
    }
    return { pool: options.pool, owned: false };
  }
  if (typeof options.connectionString !== 'string' || options.connectionString === '') {
    throw new TypeError('@keygate/postgres: give "pool" (a pg.Pool) or "connectionString" (postgres://…)');
  }
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    connectionTimeoutMillis: options.connectionTimeoutMs,
    // The server cancels a statement the store has stopped waiting for, so a blocked query frees its connection.
    statement_timeout: options.statementTimeoutMs,
    max: 10,
  });
  // An idle connection that dies (the database restarts) is dropped by the pool; the next query opens a new one.
  pool.on('error', () => {});
  return { pool, owned: true };
}

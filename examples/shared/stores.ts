import type { KeygateOptions } from '@keygate/core';
import { PostgresKeyStore } from '@keygate/postgres';
import { RedisDecisionStore } from '@keygate/redis';
import { Redis } from 'ioredis';

/** With `REDIS_URL`, rate limits and used signatures move to Redis so several instances share them. */
export async function sharedStore(
  redisUrl: string | undefined,
): Promise<{ options: Pick<KeygateOptions, 'store'>; close: () => Promise<void> }> {
  if (!redisUrl) return { options: {}, close: async () => {} };
  // No offline queue: while Redis is down, requests get the fail-closed 503 at once instead of queueing.
  const client = new Redis(redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  client.on('error', () => {}); // reported per request through onStoreError; avoid an unhandled 'error' event
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new Error(`REDIS_URL: cannot connect to Redis at ${redisHost(redisUrl)} (${(error as Error).message})`);
  }
  return {
    options: { store: new RedisDecisionStore({ client }) },
    close: async () => {
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/** `host:port` of a `redis://` URL, never its password. */
function redisHost(redisUrl: string): string {
  try {
    const url = new URL(redisUrl);
    if (url.protocol === 'redis:' || url.protocol === 'rediss:') return `${url.hostname}:${url.port || 6379}`;
  } catch {
    // reported below
  }
  return '(REDIS_URL is not a redis:// or rediss:// URL)';
}

/**
 * With `KEYGATE_DATABASE_URL`, keys come from PostgreSQL (schema made by `pnpm keygate db migrate`; pair secrets
 * opened with `KEYGATE_ENCRYPTION_KEY`): a key revoked with the CLI is refused within a second.
 */
export async function databaseKeys(
  databaseUrl: string | undefined,
): Promise<{ options: Partial<Pick<KeygateOptions, 'keys'>>; close: () => Promise<void> }> {
  if (!databaseUrl) return { options: {}, close: async () => {} };
  let store: PostgresKeyStore;
  try {
    store = await PostgresKeyStore.open({
      connectionString: databaseUrl,
      schema: process.env.KEYGATE_DATABASE_SCHEMA || undefined,
    });
  } catch (error) {
    throw new Error(`KEYGATE_DATABASE_URL: ${(error as Error).message}`);
  }
  return { options: { keys: store }, close: () => store.close() };
}

import type { KeygateOptions } from '@keygate/core';
import { createRedisStores } from '@keygate/redis';
import { Redis } from 'ioredis';

/** With `REDIS_URL`, the limiter and replay stores move to Redis so several instances share them. */
export function sharedStores(redisUrl: string | undefined): { options: Partial<KeygateOptions>; close: () => Promise<void> } {
  if (!redisUrl) return { options: {}, close: async () => {} };
  const client = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  client.on('error', () => {}); // reported per request through onStoreError; avoid an unhandled 'error' event
  const { rateLimitStore, replayStore } = createRedisStores({ client });
  return {
    options: { rateLimitStore, replayStore },
    close: async () => {
      await client.quit().catch(() => client.disconnect());
    },
  };
}

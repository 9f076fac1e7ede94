import type { RedisStoreOptions } from './options.js';
import { RedisRateLimitStore } from './rate-limit-store.js';
import { RedisReplayStore } from './replay-store.js';

export interface RedisStores {
  rateLimitStore: RedisRateLimitStore;
  replayStore: RedisReplayStore;
}

/** Both stores on one client, with the same prefix and timeout. */
export function createRedisStores(options: RedisStoreOptions): RedisStores {
  return { rateLimitStore: new RedisRateLimitStore(options), replayStore: new RedisReplayStore(options) };
}

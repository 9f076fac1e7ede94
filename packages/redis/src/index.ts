export { RedisRateLimitStore } from './rate-limit-store.js';
export { RedisReplayStore } from './replay-store.js';
export { createRedisStores, type RedisStores } from './create-stores.js';
export { RedisStoreError } from './errors.js';
export type { RedisStoreOptions } from './options.js';

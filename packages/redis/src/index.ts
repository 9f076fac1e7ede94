export { RedisDecisionStore } from './decision-store.js';
export { RedisStoreError } from './errors.js';
export type { RedisStoreOptions } from './options.js';

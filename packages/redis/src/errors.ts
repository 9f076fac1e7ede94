/**
 * A Redis store call failed: Redis answered with an error, the connection failed, or no answer came within
 * `timeoutMs`. The original error, if any, is the `cause`. A store never uses this to say "over the limit".
 */
export class RedisStoreError extends Error {
  override readonly name = 'RedisStoreError';
}

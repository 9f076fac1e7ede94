import type { RateLimitResult, RateLimitStore } from '@keygate/core';
import { RedisStoreError } from './errors.js';
import { resolveOptions, type RedisStoreOptions } from './options.js';
import { slidingLogHit } from './sliding-log-script.js';
import { callRedis } from './call-redis.js';

/**
 * The shared rate-limit store: an exact sliding-window log per key in Redis, decided by one Lua script
 * per request (one round trip), so any number of instances share each key's limit exactly.
 */
export class RedisRateLimitStore implements RateLimitStore {
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly run: ReturnType<typeof slidingLogHit>;

  constructor(options: RedisStoreOptions) {
    const config = resolveOptions('RedisRateLimitStore', options);
    this.prefix = `${config.prefix}rl:`;
    this.timeoutMs = config.timeoutMs;
    this.run = slidingLogHit(config.client);
  }

  async hit(key: string, limit: number, windowMs: number, now: number): Promise<RateLimitResult> {
    checkArguments(limit, windowMs, now);
    const reply = await callRedis('rate-limit hit', this.timeoutMs, () =>
      this.run(this.prefix + key, limit, windowMs, now),
    );
    return parseReply(reply);
  }
}

// The script stores times as integer strings; fractions would be rounded by Lua's number formatting.
function checkArguments(limit: number, windowMs: number, now: number): void {
  const invalid = (rule: string) => new TypeError(`RedisRateLimitStore.hit: ${rule}`);
  if (!Number.isSafeInteger(limit) || limit < 1) throw invalid('limit must be a positive integer');
  if (!Number.isSafeInteger(windowMs) || windowMs < 1) throw invalid('windowMs must be a positive integer');
  if (!Number.isSafeInteger(now) || now < 0) throw invalid('now must be Unix time in whole milliseconds');
}

function parseReply(reply: unknown): RateLimitResult {
  if (Array.isArray(reply) && reply.length === 3 && reply.every((value) => typeof value === 'number')) {
    const [allowed, remaining, resetAt] = reply as [number, number, number];
    return { allowed: allowed === 1, remaining, resetAt };
  }
  throw new RedisStoreError(`Redis rate-limit hit returned an unexpected reply: ${JSON.stringify(reply)}`);
}

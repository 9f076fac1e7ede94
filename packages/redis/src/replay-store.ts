import type { Redis } from 'ioredis';
import type { ReplayStore } from '@keygate/core';
import { resolveOptions, type RedisStoreOptions } from './options.js';
import { callRedis } from './call-redis.js';

/** The shared replay store: one `SET NX PX` per signature, so exactly one instance accepts it. */
export class RedisReplayStore implements ReplayStore {
  private readonly client: Redis;
  private readonly prefix: string;
  private readonly timeoutMs: number;

  constructor(options: RedisStoreOptions) {
    const config = resolveOptions('RedisReplayStore', options);
    this.client = config.client;
    this.prefix = `${config.prefix}replay:`;
    this.timeoutMs = config.timeoutMs;
  }

  async remember(id: string, ttlMs: number): Promise<boolean> {
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
      throw new TypeError('RedisReplayStore.remember: ttlMs must be a positive number');
    }
    // PX takes whole milliseconds; rounding up keeps the id at least as long as asked.
    const reply = await callRedis('replay remember', this.timeoutMs, () =>
      this.client.set(this.prefix + id, '1', 'PX', Math.ceil(ttlMs), 'NX'),
    );
    return reply === 'OK';
  }
}

import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisStores, RedisRateLimitStore, RedisReplayStore } from '../src/index.js';
import type { RedisStoreOptions } from '../src/index.js';

// Never connects: every check below happens before a command is sent.
const client = new Redis({ lazyConnect: true });
afterAll(() => client.disconnect());

describe('Redis store options', () => {
  const invalid: [string, unknown, RegExp][] = [
    ['no options', undefined, /RedisRateLimitStore: options must be an object/],
    ['no client', {}, /RedisRateLimitStore: client must be an ioredis client/],
    ['a client that is not ioredis', { client: { get() {} } }, /client must be an ioredis client/],
    ['a prefix that is not a string', { client, prefix: 7 }, /prefix must be a string/],
    ['a zero timeout', { client, timeoutMs: 0 }, /timeoutMs must be an integer/],
    ['a fractional timeout', { client, timeoutMs: 1.5 }, /timeoutMs must be an integer/],
    ['a timeout setTimeout cannot honour', { client, timeoutMs: 2 ** 31 }, /timeoutMs must be an integer/],
  ];

  it.each(invalid)('rejects %s with a TypeError naming the field', (_, options, message) => {
    const build = () => new RedisRateLimitStore(options as RedisStoreOptions);
    expect(build).toThrow(TypeError);
    expect(build).toThrow(message);
  });

  it('names the store that was being built', () => {
    expect(() => new RedisReplayStore({ client, timeoutMs: -1 })).toThrow('RedisReplayStore: timeoutMs');
    expect(() => createRedisStores({ client, prefix: null as unknown as string })).toThrow('RedisRateLimitStore: prefix');
  });

  it('accepts the defaults and an empty prefix', () => {
    expect(createRedisStores({ client })).toEqual({
      rateLimitStore: expect.any(RedisRateLimitStore),
      replayStore: expect.any(RedisReplayStore),
    });
    expect(() => new RedisRateLimitStore({ client, prefix: '', timeoutMs: 50 })).not.toThrow();
  });

  it('rejects hit arguments the script cannot store exactly, before calling Redis', async () => {
    const store = new RedisRateLimitStore({ client });
    await expect(store.hit('k', 0, 1000, 1)).rejects.toThrow(/limit must be a positive integer/);
    await expect(store.hit('k', 5, 0.5, 1)).rejects.toThrow(/windowMs must be a positive integer/);
    await expect(store.hit('k', 5, 1000, 1.5)).rejects.toThrow(/now must be Unix time in whole milliseconds/);
    await expect(new RedisReplayStore({ client }).remember('id', 0)).rejects.toThrow(/ttlMs must be a positive number/);
    expect(client.status).toBe('wait');
  });
});

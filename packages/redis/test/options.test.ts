import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisDecisionStore } from '../src/index.js';
import type { RedisStoreOptions } from '../src/index.js';

// Never connects: every check below happens before a command is sent.
const client = new Redis({ lazyConnect: true });
afterAll(() => client.disconnect());

describe('RedisDecisionStore options', () => {
  const invalid: [string, unknown, RegExp][] = [
    ['no options', undefined, /RedisDecisionStore: options must be an object/],
    ['no client', {}, /RedisDecisionStore: client must be an ioredis client/],
    ['a client that is not ioredis', { client: { get() {} } }, /client must be an ioredis client/],
    ['a prefix that is not a string', { client, prefix: 7 }, /prefix must be a string/],
    ['a prefix with "{"', { client, prefix: 'app{' }, /prefix must not contain "\{" or "\}"/],
    ['a prefix with "}"', { client, prefix: 'app}:' }, /prefix must not contain "\{" or "\}"/],
    ['a zero timeout', { client, timeoutMs: 0 }, /timeoutMs must be an integer/],
    ['a fractional timeout', { client, timeoutMs: 1.5 }, /timeoutMs must be an integer/],
    ['a timeout setTimeout cannot honour', { client, timeoutMs: 2 ** 31 }, /timeoutMs must be an integer/],
  ];

  it.each(invalid)('rejects %s with a TypeError naming the field', (_, options, message) => {
    const build = () => new RedisDecisionStore(options as RedisStoreOptions);
    expect(build).toThrow(TypeError);
    expect(build).toThrow(message);
  });

  it('accepts the defaults and an empty prefix', () => {
    expect(() => new RedisDecisionStore({ client })).not.toThrow();
    expect(() => new RedisDecisionStore({ client, prefix: '', timeoutMs: 50 })).not.toThrow();
  });

  it('rejects admissions the script cannot store exactly, before calling Redis', async () => {
    const store = new RedisDecisionStore({ client });
    const now = 1_732_500_000_000;
    const limit = { limit: 5, windowMs: 1000 };
    const signature = { id: 'abc', expiresAt: now + 1000 };
    const cases: [Parameters<RedisDecisionStore['decide']>[0], RegExp][] = [
      [{ key: '', now, limit }, /key must be a non-empty string/],
      [{ key: 'k', now: 1.5, limit }, /now must be Unix time in whole milliseconds/],
      [{ key: 'k', now: -1, signature }, /now must be Unix time in whole milliseconds/],
      [{ key: 'k', now, limit: { limit: 0, windowMs: 1000 } }, /limit.limit must be a positive integer/],
      [{ key: 'k', now, limit: { limit: 5, windowMs: 0.5 } }, /limit.windowMs must be a positive integer/],
      [{ key: 'k', now, signature: { id: '', expiresAt: now } }, /signature.id must be a non-empty string/],
      [{ key: 'k', now, signature: { id: 'a', expiresAt: Number.POSITIVE_INFINITY } }, /signature.expiresAt must be/],
      // Checked even when the store has nothing to ask Redis.
      [{ key: '', now }, /key must be a non-empty string/],
    ];
    for (const [admission, message] of cases) {
      await expect(store.decide(admission)).rejects.toThrow(TypeError);
      await expect(store.decide(admission)).rejects.toThrow(message);
    }
    expect(client.status).toBe('wait');
  });
});

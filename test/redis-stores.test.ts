import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { MemoryRateLimitStore, MemoryReplayStore } from '@keygate/core';
import { createRedisStores, RedisRateLimitStore, RedisReplayStore, RedisStoreError } from '@keygate/redis';
import { freePort, startRedisServer, type RedisServer } from './support/redis-server.js';
import { describeRateLimitStoreContract, describeReplayStoreContract } from './support/store-contract.js';

/** Bytes `MEMORY USAGE` reports for one key at limit 60 with a full window; the README quotes this bound. */
const README_BYTES_PER_KEY = 800;
const WINDOW = 60_000;

describeRateLimitStoreContract('MemoryRateLimitStore', () => new MemoryRateLimitStore());
describeReplayStoreContract('MemoryReplayStore', () => new MemoryReplayStore());

const redisUrl = inject('redisUrl');
const describeRedis = redisUrl ? describe : describe.skip;
if (!redisUrl) console.warn('\n[keygate] Redis store tests SKIPPED: no Redis. Install redis-server or set REDIS_URL.\n');

/** Own keys only, so test files and runs sharing one Redis do not collide. */
const prefix = `keygate-test:${randomUUID()}:`;

/** A client for a Redis that may go away: errors are expected, so they are not logged as unhandled. */
function quietClient(url: string, options: RedisOptions = {}): Redis {
  const client = new Redis(url, options);
  client.on('error', () => {});
  return client;
}

/** Resolves with how long `call` took to reject; fails if it resolves. */
async function timeRejection(call: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const start = performance.now();
  const error: unknown = await call().then(
    () => new Error('expected the call to reject'),
    (reason: unknown) => reason,
  );
  return { error, ms: performance.now() - start };
}

/** A deterministic pseudo-random sequence (mulberry32), so a failing run can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describeRedis('Redis stores on a shared Redis', () => {
  let client: Redis;
  let second: Redis;

  beforeAll(() => {
    client = new Redis(redisUrl);
    second = new Redis(redisUrl);
  });

  afterAll(async () => {
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(...keys);
    await Promise.all([client.quit(), second.quit()]);
  });

  describeRateLimitStoreContract('RedisRateLimitStore', () => new RedisRateLimitStore({ client, prefix }));
  describeReplayStoreContract('RedisReplayStore', () => new RedisReplayStore({ client, prefix }));

  it('two instances (two clients) share one limit exactly: 500 concurrent hits admit exactly `limit`', async () => {
    const instances = [new RedisRateLimitStore({ client, prefix }), new RedisRateLimitStore({ client: second, prefix })];
    const key = `shared-${randomUUID()}`;
    const now = Date.now();
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) => (instances[i % 2] as RedisRateLimitStore).hit(key, 60, WINDOW, now + (i % 7))),
    );
    expect(results.filter((result) => result.allowed)).toHaveLength(60);
  });

  it('two instances with one clock decide exactly as the in-memory store does', async () => {
    const instances = [new RedisRateLimitStore({ client, prefix }), new RedisRateLimitStore({ client: second, prefix })];
    const reference = new MemoryRateLimitStore();
    const key = `differential-${randomUUID()}`;
    const next = random(42);
    let now = Date.now();
    for (let i = 0; i < 600; i++) {
      now += Math.floor(next() * 400);
      const instance = instances[i % 2] as RedisRateLimitStore;
      expect(await instance.hit(key, 10, 5000, now)).toEqual(await reference.hit(key, 10, 5000, now));
    }
  });

  it('tolerates clock skew: with clocks up to s apart, at most `limit` admissions in any window - 2s of real time', async () => {
    const skew = 100;
    const limit = 5;
    const windowMs = 3000;
    // Three instances: one ahead, one behind, one on time.
    const instances = [
      { store: new RedisRateLimitStore({ client, prefix }), offset: skew },
      { store: new RedisRateLimitStore({ client: second, prefix }), offset: -skew },
      { store: new RedisRateLimitStore({ client, prefix }), offset: 0 },
    ];
    const key = `skew-${randomUUID()}`;
    const next = random(7);
    const admitted: number[] = [];
    let refused = 0;
    let real = Date.now();
    for (let i = 0; i < 1500; i++) {
      real += Math.floor(next() * 150);
      const { store, offset } = instances[Math.floor(next() * 3)] as (typeof instances)[number];
      const result = await store.hit(key, limit, windowMs, real + offset);
      if (result.allowed) admitted.push(real);
      else refused++;
    }
    expect(refused).toBeGreaterThan(100);
    expect(admitted.length).toBeGreaterThan(100);
    const span = windowMs - 2 * skew;
    for (const [j, at] of admitted.entries()) {
      const inSpan = admitted.slice(0, j + 1).filter((earlier) => earlier > at - span);
      expect(inSpan.length).toBeLessThanOrEqual(limit);
    }
  });

  it('gives every key a TTL, so Redis memory stays bounded', async () => {
    const { rateLimitStore, replayStore } = createRedisStores({ client, prefix });
    const id = randomUUID();
    await rateLimitStore.hit(id, 60, WINDOW, Date.now());
    await replayStore.remember(id, 30_000);
    const rateTtl = await client.pttl(`${prefix}rl:${id}`);
    const replayTtl = await client.pttl(`${prefix}replay:${id}`);
    expect(rateTtl).toBeGreaterThan(WINDOW - 5000);
    expect(rateTtl).toBeLessThanOrEqual(WINDOW);
    expect(replayTtl).toBeGreaterThan(25_000);
    expect(replayTtl).toBeLessThanOrEqual(30_000);
  });

  it('records a lagging clock at the newest admission, so the log stays sorted and outlives it', async () => {
    const ahead = new RedisRateLimitStore({ client, prefix });
    const behind = new RedisRateLimitStore({ client: second, prefix });
    const key = `lag-${randomUUID()}`;
    const now = Date.now();
    expect(await ahead.hit(key, 3, WINDOW, now + 5000)).toEqual({ allowed: true, remaining: 2, resetAt: now + 5000 + WINDOW });
    expect(await behind.hit(key, 3, WINDOW, now)).toEqual({ allowed: true, remaining: 1, resetAt: now + 5000 + WINDOW });
    expect(await client.lrange(`${prefix}rl:${key}`, 0, -1)).toEqual([String(now + 5000), String(now + 5000)]);
    // The key must live until the newest time leaves the window on the lagging clock too.
    expect(await client.pttl(`${prefix}rl:${key}`)).toBeGreaterThan(WINDOW + 4000);
  });

  it('rejects with a RedisStoreError carrying the cause when Redis answers with an error', async () => {
    const store = new RedisRateLimitStore({ client, prefix });
    const id = randomUUID();
    await client.set(`${prefix}rl:${id}`, 'not a list');
    const { error } = await timeRejection(() => store.hit(id, 5, WINDOW, Date.now()));
    expect(error).toBeInstanceOf(RedisStoreError);
    expect((error as RedisStoreError).message).toMatch(/^Redis rate-limit hit failed: WRONGTYPE/);
    expect((error as RedisStoreError).cause).toBeInstanceOf(Error);
  });
});

describeRedis('Redis stores on their own redis-server', () => {
  let server: RedisServer;
  let client: Redis;

  beforeAll(async () => {
    server = await startRedisServer(await freePort());
    client = quietClient(server.url, { retryStrategy: () => 100 });
  });

  afterAll(async () => {
    client.disconnect();
    await server.stop();
  });

  it(`uses at most ${README_BYTES_PER_KEY} bytes per key at limit 60 with a full window (as the README says)`, async () => {
    const store = new RedisRateLimitStore({ client });
    const start = Date.now() - WINDOW + 1000;
    for (let i = 0; i < 60; i++) expect((await store.hit('key_3', 60, WINDOW, start + i * 1000)).allowed).toBe(true);
    expect((await store.hit('key_3', 60, WINDOW, start + 59_500)).allowed).toBe(false);

    const bytes = await client.memory('USAGE', 'keygate:rl:key_3', 'SAMPLES', 0);
    expect(bytes).toBeLessThanOrEqual(README_BYTES_PER_KEY);
    const readme = readFileSync(new URL('../packages/redis/README.md', import.meta.url), 'utf8');
    expect(readme).toContain(`at most ${README_BYTES_PER_KEY} bytes`);
    // The exact figure depends on the Redis build; the README quotes the one it names.
    const version = /redis_version:(\S+)/.exec(await client.info('server'))?.[1];
    if (version !== undefined && readme.includes(`Redis ${version} `)) expect(readme).toContain(`**${bytes} bytes**`);
  });

  it('keeps working after SCRIPT FLUSH (EVALSHA answers NOSCRIPT, ioredis falls back to EVAL)', async () => {
    const store = new RedisRateLimitStore({ client });
    const key = randomUUID();
    const now = Date.now();
    await store.hit(key, 3, WINDOW, now);
    await store.hit(key, 3, WINDOW, now);
    const noscript = async () => Number(/errorstat_NOSCRIPT:count=(\d+)/.exec(await client.info('errorstats'))?.[1] ?? 0);
    const before = await noscript();

    await client.script('FLUSH');
    expect(await store.hit(key, 3, WINDOW, now)).toEqual({ allowed: true, remaining: 0, resetAt: now + WINDOW });
    expect(await noscript()).toBe(before + 1);
    expect((await store.hit(key, 3, WINDOW, now)).allowed).toBe(false);
  });

  it('clears its timeout timer after every call', async () => {
    const { rateLimitStore, replayStore } = createRedisStores({ client, timeoutMs: 54_321 });
    const set = vi.spyOn(globalThis, 'setTimeout');
    const clear = vi.spyOn(globalThis, 'clearTimeout');
    try {
      for (let i = 0; i < 10; i++) {
        await rateLimitStore.hit(randomUUID(), 5, WINDOW, Date.now());
        await replayStore.remember(randomUUID(), 1000);
      }
      const ours = set.mock.calls.flatMap((call, i) => (call[1] === 54_321 ? [set.mock.results[i]?.value] : []));
      expect(ours).toHaveLength(20);
      const cleared = new Set(clear.mock.calls.map((call) => call[0]));
      expect(ours.filter((timer) => !cleared.has(timer))).toEqual([]);
    } finally {
      set.mockRestore();
      clear.mockRestore();
    }
  });

  it('rejects within timeoutMs while Redis is down, and works again once it is back (no restart)', async () => {
    const timeoutMs = 300;
    const { rateLimitStore, replayStore } = createRedisStores({ client, timeoutMs });
    expect((await rateLimitStore.hit(randomUUID(), 5, WINDOW, Date.now())).allowed).toBe(true);

    await server.stop();
    for (const call of [() => rateLimitStore.hit(randomUUID(), 5, WINDOW, Date.now()), () => replayStore.remember(randomUUID(), 1000)]) {
      const { error, ms } = await timeRejection(call);
      expect(error).toBeInstanceOf(RedisStoreError);
      expect((error as Error).message).toMatch(/^Redis (rate-limit hit|replay remember) (timed out|failed)/);
      expect(ms).toBeLessThan(timeoutMs + 200);
    }
    // While reconnecting, ioredis queues the command: the store gives up at timeoutMs.
    const queued = await timeRejection(() => rateLimitStore.hit(randomUUID(), 5, WINDOW, Date.now()));
    expect((queued.error as Error).message).toBe('Redis rate-limit hit timed out: no answer within timeoutMs (300 ms)');
    expect(queued.ms).toBeGreaterThanOrEqual(timeoutMs - 5);
    expect(queued.ms).toBeLessThan(timeoutMs + 200);

    server = await startRedisServer(server.port);
    if (client.status !== 'ready') await once(client, 'ready');
    expect(await rateLimitStore.hit('after-restart', 5, WINDOW, Date.now())).toMatchObject({ allowed: true, remaining: 4 });
    expect(await replayStore.remember(randomUUID(), 1000)).toBe(true);
  });
});

describe('Redis stores against a server that never answers', () => {
  it('rejects within timeoutMs instead of hanging', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const address = silent.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    const client = quietClient(`redis://127.0.0.1:${address.port}`);
    try {
      const { rateLimitStore, replayStore } = createRedisStores({ client, timeoutMs: 200 });
      const results = await Promise.all([
        timeRejection(() => rateLimitStore.hit('k', 5, WINDOW, Date.now())),
        timeRejection(() => replayStore.remember('id', 1000)),
      ]);
      for (const { error, ms } of results) {
        expect(error).toBeInstanceOf(RedisStoreError);
        expect((error as Error).message).toMatch(/^Redis .* timed out: no answer within timeoutMs \(200 ms\)$/);
        expect(ms).toBeGreaterThanOrEqual(195);
        expect(ms).toBeLessThan(400);
      }
    } finally {
      client.disconnect();
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it('fails fast when the client does not queue (enableOfflineQueue: false)', async () => {
    const client = quietClient(`redis://127.0.0.1:${await freePort()}`, { enableOfflineQueue: false, retryStrategy: () => 1000 });
    try {
      const store = new RedisRateLimitStore({ client, timeoutMs: 5000 });
      const { error, ms } = await timeRejection(() => store.hit('k', 5, WINDOW, Date.now()));
      expect(error).toBeInstanceOf(RedisStoreError);
      expect((error as Error).message).toMatch(/^Redis rate-limit hit failed: /);
      expect(ms).toBeLessThan(1000);
    } finally {
      client.disconnect();
    }
  });
});

/**
 * Failed-credential throttling (`failedAuthLimit`) through the real adapters on Express 5, Express 4, Koa 3 and
 * Koa 2: the N+1th failure from one address is 429 TOO_MANY_FAILED_ATTEMPTS before any key lookup, only 401s
 * count, the window ends on the verifier's clock, store failures fail closed, and on Redis two instances share
 * the count.
 */
import { randomUUID } from 'node:crypto';
import { MemoryDecisionStore, MemoryKeyStore, type KeyStore, type KeygateOptions } from '@keygate/core';
import { RedisDecisionStore } from '@keygate/redis';
import { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { BASIC, PAIRS, basic, keysFile, outcome, pairHeaders } from './support/fixtures.js';
import { buildApp, frameworks, type AppSetup, type Framework, type TestKeygateOptions } from './support/servers.js';

const silent = { warn: () => {}, error: () => {} };

/** A key store that counts its lookups: throttled requests must never reach it. */
function countingKeyStore(): KeyStore & { lookups: number } {
  const inner = new MemoryKeyStore(keysFile);
  const store = {
    lookups: 0,
    findByKeyHash: (hash: string) => {
      store.lookups += 1;
      return inner.findByKeyHash(hash);
    },
    findByPublicKey: (publicKey: string) => {
      store.lookups += 1;
      return inner.findByPublicKey(publicKey);
    },
  };
  return store;
}

function build(fw: Framework, options: Partial<KeygateOptions>, setup: AppSetup = {}) {
  const keys = countingKeyStore();
  const app = buildApp(
    fw,
    { keys, logger: silent, failedAuthLimit: { limit: 3, windowSeconds: 60 }, ...options } as TestKeygateOptions,
    setup,
  );
  return {
    app,
    keys,
    get: (headers: Record<string, string>, from = '198.51.100.1') =>
      request(app.handler).get('/echo').set('x-forwarded-for', from).set(headers),
  };
}

describe.each(frameworks)('failed-credential throttling — $name', (fw) => {
  it('the 4th bad credential from one address (limit 3) → 429 with Retry-After, and no key lookup', async () => {
    const { get, keys } = build(fw, {});
    for (let i = 0; i < 3; i++) expect(outcome(await get(basic(BASIC.unknown)))).toBe('401 INVALID_API_KEY');
    expect(keys.lookups).toBe(3);
    const refused = await get(basic(BASIC.unknown));
    expect(outcome(refused)).toBe('429 TOO_MANY_FAILED_ATTEMPTS');
    expect(refused.headers['retry-after']).toBe('60');
    expect(refused.headers['x-request-id']).toBe(refused.body.requestId);
    // Even a good key is refused now, still without any lookup: the address is throttled, whatever it sends.
    expect(outcome(await get(basic(BASIC.valid)))).toBe('429 TOO_MANY_FAILED_ATTEMPTS');
    expect(keys.lookups).toBe(3);
  });

  it('every kind of 401 counts: missing, malformed, revoked, wrong secret', async () => {
    const { get } = build(fw, {});
    expect(outcome(await get({}))).toBe('401 INVALID_API_KEY');
    expect(outcome(await get({ authorization: 'Basic ***' }))).toBe('401 INVALID_API_KEY');
    expect(outcome(await get(basic(BASIC.revoked)))).toBe('401 INVALID_API_KEY');
    expect(
      outcome(await get(pairHeaders({ publicKey: PAIRS.test.publicKey, secretKey: PAIRS.readOnly.secretKey }))),
    ).toBe('429 TOO_MANY_FAILED_ATTEMPTS');
  });

  it('successes, 403 and 429 do not count', async () => {
    const { app, get } = build(fw, { failedAuthLimit: { limit: 2, windowSeconds: 60 } });
    for (let i = 0; i < 3; i++) expect((await get(basic(BASIC.valid))).status).toBe(200);
    for (let i = 0; i < 3; i++) {
      const forbidden = await request(app.handler)
        .post('/payments')
        .set('x-forwarded-for', '198.51.100.1')
        .set(basic(BASIC.readOnly))
        .send({});
      expect(outcome(forbidden)).toBe('403 INSUFFICIENT_SCOPE');
    }
    for (let i = 0; i < 4; i++) await get(basic(BASIC.limited)); // 2 admitted, then 429 RATE_LIMIT_EXCEEDED
    expect(outcome(await get(basic(BASIC.limited)))).toBe('429 RATE_LIMIT_EXCEEDED');
    expect(outcome(await get(basic(BASIC.unknown)))).toBe('401 INVALID_API_KEY');
    expect(outcome(await get(basic(BASIC.unknown)))).toBe('401 INVALID_API_KEY');
    expect(outcome(await get(basic(BASIC.unknown)))).toBe('429 TOO_MANY_FAILED_ATTEMPTS');
    // Untrusted X-Forwarded-For is ignored: every request above came from the one test client address.
    expect(outcome(await get(basic(BASIC.valid), '198.51.100.2'))).toBe('429 TOO_MANY_FAILED_ATTEMPTS');
  });

  it('behind a trusted proxy, X-Forwarded-For separates the clients; untrusted, everyone shares one address', async () => {
    const trusted = build(fw, { failedAuthLimit: { limit: 1, windowSeconds: 60 } }, { trustProxy: true });
    await trusted.get(basic(BASIC.unknown), '203.0.113.1');
    expect(outcome(await trusted.get(basic(BASIC.unknown), '203.0.113.1'))).toBe('429 TOO_MANY_FAILED_ATTEMPTS');
    expect((await trusted.get(basic(BASIC.valid), '203.0.113.2')).status).toBe(200);
    const untrusted = build(fw, { failedAuthLimit: { limit: 1, windowSeconds: 60 } });
    await untrusted.get(basic(BASIC.unknown), '203.0.113.1');
    expect(outcome(await untrusted.get(basic(BASIC.valid), '203.0.113.2'))).toBe('429 TOO_MANY_FAILED_ATTEMPTS');
  });

  it('the window ends on the verifier’s clock: a throttled address may try again after windowSeconds', async () => {
    let now = 1_800_000_000_000;
    const { get } = build(fw, { now: () => now, failedAuthLimit: { limit: 1, windowSeconds: 30 } });
    expect(outcome(await get(basic(BASIC.unknown)))).toBe('401 INVALID_API_KEY');
    now += 20_000;
    const refused = await get(basic(BASIC.unknown));
    expect(outcome(refused)).toBe('429 TOO_MANY_FAILED_ATTEMPTS');
    expect(refused.headers['retry-after']).toBe('10');
    now += 10_000;
    expect((await get(basic(BASIC.valid))).status).toBe(200);
    expect(outcome(await get(basic(BASIC.unknown)))).toBe('401 INVALID_API_KEY');
  });

  it('a store that fails → 503 AUTH_UNAVAILABLE (fail closed) and reported; with failOpen the in-process count takes over', async () => {
    const broken = new MemoryDecisionStore();
    broken.failures = () => {
      throw new Error('store down');
    };
    const errors: unknown[] = [];
    const closed = build(fw, { store: broken, onStoreError: (error) => errors.push(error) });
    expect(outcome(await closed.get(basic(BASIC.valid)))).toBe('503 AUTH_UNAVAILABLE');
    expect(closed.keys.lookups).toBe(0);
    expect(errors).toHaveLength(1);
    const open = build(fw, { store: broken, failOpen: true, failedAuthLimit: { limit: 1, windowSeconds: 60 } });
    expect((await open.get(basic(BASIC.valid))).status).toBe(200);
  });
});

const redisUrl = inject('redisUrl');
const describeRedis = redisUrl ? describe : describe.skip;

describeRedis('failed-credential throttling on Redis', () => {
  const clients: Redis[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.quit()));
  });

  it('two instances (Express and Koa) share one address’s count: 2 failures on one, the 3rd on the other → 429', async () => {
    const prefix = `keygate-test:${randomUUID()}:`;
    const store = () => {
      const client = new Redis(redisUrl!);
      clients.push(client);
      return new RedisDecisionStore({ client, prefix });
    };
    const options = { store: store(), failedAuthLimit: { limit: 2, windowSeconds: 60 } };
    const expressApp = build(frameworks[0]!, options, { trustProxy: true });
    const koaApp = build(frameworks[2]!, { ...options, store: store() }, { trustProxy: true });
    expect(outcome(await expressApp.get(basic(BASIC.unknown)))).toBe('401 INVALID_API_KEY');
    expect(outcome(await koaApp.get(basic(BASIC.unknown)))).toBe('401 INVALID_API_KEY');
    const refused = await koaApp.get(basic(BASIC.valid));
    expect(outcome(refused)).toBe('429 TOO_MANY_FAILED_ATTEMPTS');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(59);
    expect(outcome(await expressApp.get(basic(BASIC.valid)))).toBe('429 TOO_MANY_FAILED_ATTEMPTS');
    expect(koaApp.keys.lookups + expressApp.keys.lookups).toBe(2);
    // Another address is counted apart.
    expect((await expressApp.get(basic(BASIC.valid), '198.51.100.99')).status).toBe(200);
  });

  it('the Redis count ends with its window (by the callers’ clock) and survives nothing longer', async () => {
    const client = new Redis(redisUrl!);
    clients.push(client);
    const store = new RedisDecisionStore({ client, prefix: `keygate-test:${randomUUID()}:` });
    const now = Date.now();
    expect(await store.failures('192.0.2.1', now)).toEqual({ count: 0, resetAt: 0 });
    expect(await store.countFailure('192.0.2.1', now, 1000)).toEqual({ count: 1, resetAt: now + 1000 });
    expect(await store.countFailure('192.0.2.1', now + 500, 1000)).toEqual({ count: 2, resetAt: now + 1000 });
    expect(await store.failures('192.0.2.1', now + 999)).toEqual({ count: 2, resetAt: now + 1000 });
    expect(await store.failures('192.0.2.1', now + 1000)).toEqual({ count: 0, resetAt: 0 });
    expect(await store.countFailure('192.0.2.1', now + 1000, 1000)).toEqual({ count: 1, resetAt: now + 2000 });
    // Addresses with braces or percent signs cannot reach another address's count (or a key's log).
    expect(await store.failures('{192.0.2.1}', now + 1000)).toEqual({ count: 0, resetAt: 0 });
  });
});

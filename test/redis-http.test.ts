import { randomUUID } from 'node:crypto';
import { bodyParser } from '@koa/bodyparser';
import { basicAuthorization, signRequest, type KeygateOptions, type KeysFile } from '@keygate/core';
import { keygate as expressKeygate } from '@keygate/express';
import { keygate as koaKeygate } from '@keygate/koa';
import { RedisDecisionStore } from '@keygate/redis';
import express from 'express';
import { Redis } from 'ioredis';
import Koa from 'koa';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startExample, type ExampleProcess } from './support/example-process.js';
import { freePort, startRedisServer, type RedisServer } from './support/redis-server.js';

const redisUrl = inject('redisUrl');
const describeRedis = redisUrl ? describe : describe.skip;
if (!redisUrl) console.warn('\n[keygate] Redis HTTP tests SKIPPED: no Redis. Install redis-server or set REDIS_URL.\n');

const KEY = 'pk_live_SharedRedisKey0000000001';
const PUBLIC = 'pk_test_SharedRedisPublic000001';
const SECRET = 'sk_test_SharedRedisSecret000001';
const keys: KeysFile = {
  tenants: [{ id: 'acme', status: 'active' }],
  keys: [
    { id: 'key_basic', tenant: 'acme', key: KEY },
    { id: 'key_pair', tenant: 'acme', publicKey: PUBLIC, secretKey: SECRET },
  ],
};

/** Key-pair headers of a request signed now. */
function signedHeaders(method: string, path: string, body: string, version: 'v1' | 'v2'): Record<string, string> {
  return {
    authorization: `Bearer ${PUBLIC}`,
    'x-api-secret': SECRET,
    ...signRequest({ method, path, body, secret: SECRET, version }),
  };
}

/** Resolves once `seen` has stopped growing for 100 ms (MONITOR reports asynchronously). */
async function waitForQuiet(seen: unknown[]): Promise<void> {
  let length = -1;
  while (length !== seen.length) {
    length = seen.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function client(url: string): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => 100,
  });
  redis.on('error', () => {});
  await redis.connect();
  return redis;
}

/** One Express and one Koa instance of the same API sharing one Redis (each with its own client). */
async function instances(url: string, prefix: string, options: Partial<KeygateOptions> = {}) {
  const clients = [await client(url), await client(url)] as const;
  const shared = (index: 0 | 1): KeygateOptions => ({
    keys,
    logger: { warn: () => {}, error: () => {} }, // store failures are expected here
    store: new RedisDecisionStore({ client: clients[index], prefix, timeoutMs: 500 }),
    ...options,
  });
  const expressApp = express();
  expressApp.use(expressKeygate(shared(0)));
  expressApp.use(express.json());
  expressApp.all('/{*path}', (req, res) => res.json({ keyId: req.auth?.keyId, body: req.body ?? null }));
  const koaApp = new Koa();
  koaApp.use(koaKeygate(shared(1)));
  koaApp.use(bodyParser());
  koaApp.use((ctx) => (ctx.body = { keyId: ctx.state.auth?.keyId, body: ctx.request.body ?? null }));
  return {
    express: request(expressApp),
    koa: request(koaApp.callback()),
    close: () => Promise.all(clients.map((redis) => redis.quit().catch(() => redis.disconnect()))),
  };
}

describeRedis('Express and Koa instances on one Redis', () => {
  const prefix = () => `keygate-http:${randomUUID()}:`;

  it('share one limit: 61 requests across both → 60 admitted, then 429 with Retry-After', async () => {
    const apps = await instances(redisUrl, prefix());
    try {
      const statuses: number[] = [];
      let last;
      for (let i = 0; i < 61; i++) {
        last = await (i % 2 === 0 ? apps.express : apps.koa).get('/v1/x').set('authorization', basicAuthorization(KEY));
        statuses.push(last.status);
        if (i < 60) expect(last.headers['x-ratelimit-remaining']).toBe(String(59 - i));
      }
      expect(statuses.filter((status) => status === 200)).toHaveLength(60);
      expect(statuses[60]).toBe(429);
      expect(last!.body.error.code).toBe('RATE_LIMIT_EXCEEDED');
      const retryAfter = Number(last!.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(Number(last!.headers['x-ratelimit-reset']) - Math.floor(Date.now() / 1000)).toBeGreaterThanOrEqual(
        retryAfter - 1,
      );
    } finally {
      await apps.close();
    }
  });

  it('admit exactly the limit among 300 concurrent requests split across both instances', async () => {
    const apps = await instances(redisUrl, prefix(), { rateLimit: { limit: 50, windowSeconds: 60 } });
    try {
      const responses = await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          (i % 2 === 0 ? apps.express : apps.koa).get('/v1/x').set('authorization', basicAuthorization(KEY)),
        ),
      );
      expect(responses.filter((response) => response.status === 200)).toHaveLength(50);
      expect(responses.filter((response) => response.status === 429)).toHaveLength(250);
    } finally {
      await apps.close();
    }
  });

  it.each(['v1', 'v2'] as const)('reject a signed request (%s) replayed to the other instance', async (version) => {
    const apps = await instances(redisUrl, prefix());
    try {
      const body = JSON.stringify({ amount: 100, currency: 'USD' });
      const headers = { ...signedHeaders('POST', '/v1/payments', body, version), 'content-type': 'application/json' };
      const first = await apps.express.post('/v1/payments').set(headers).send(body);
      expect(first.status).toBe(200);
      expect(first.body).toEqual({ keyId: 'key_pair', body: { amount: 100, currency: 'USD' } });
      const replay = await apps.koa.post('/v1/payments').set(headers).send(body);
      expect(replay.status).toBe(401);
      expect(replay.body.error.code).toBe('REPLAYED_REQUEST');
    } finally {
      await apps.close();
    }
  });

  it('a replay uses no quota, and a signed request refused with 429 is admitted when re-sent after Retry-After', async () => {
    const apps = await instances(redisUrl, prefix(), { rateLimit: { limit: 2, windowSeconds: 1 } });
    try {
      const [a, b, c] = ['/v1/x?n=a', '/v1/x?n=b', '/v1/x?n=c'].map((path) => signedHeaders('GET', path, '', 'v2'));
      const first = await apps.express.get('/v1/x?n=a').set(a!);
      expect([first.status, first.headers['x-ratelimit-remaining']]).toEqual([200, '1']);
      expect((await apps.koa.get('/v1/x?n=a').set(a!)).body.error.code).toBe('REPLAYED_REQUEST');
      const second = await apps.koa.get('/v1/x?n=b').set(b!);
      expect([second.status, second.headers['x-ratelimit-remaining']]).toEqual([200, '0']);

      const refused = await apps.express.get('/v1/x?n=c').set(c!);
      expect(refused.status).toBe(429);
      await new Promise((resolve) => setTimeout(resolve, Number(refused.headers['retry-after']) * 1000 + 50));
      expect((await apps.koa.get('/v1/x?n=c').set(c!)).status).toBe(200);
      expect((await apps.express.get('/v1/x?n=c').set(c!)).body.error.code).toBe('REPLAYED_REQUEST');
    } finally {
      await apps.close();
    }
  });
});

describeRedis('one round trip to Redis per request', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(() => server.stop());

  it('sends Redis exactly one command (EVALSHA) per signed or limited request, through both adapters', async () => {
    const apps = await instances(server.url, 'keygate-trips:');
    const observer = await client(server.url);
    const monitor = await observer.monitor();
    const sent: string[] = [];
    // MONITOR names each command's source: a client's address, or "lua" when the script ran it.
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source !== 'lua') sent.push(args[0]!.toLowerCase());
    });
    try {
      // The first call of each client loads the script (EVALSHA → NOSCRIPT → EVAL); count from then on.
      await apps.express.get('/v1/x').set('authorization', basicAuthorization(KEY));
      await apps.koa.get('/v1/x').set('authorization', basicAuthorization(KEY));
      await waitForQuiet(sent);
      sent.length = 0;

      const signed = signedHeaders('POST', '/v1/payments', '{}', 'v2');
      const statuses = [
        (await apps.express.post('/v1/payments').set(signed).send('{}')).status,
        (await apps.koa.post('/v1/payments').set(signed).send('{}')).status,
        (
          await apps.koa
            .post('/v1/payments')
            .set(signedHeaders('POST', '/v1/payments', '{}', 'v1'))
            .send('{}')
        ).status,
        (await apps.express.get('/v1/x').set('authorization', basicAuthorization(KEY))).status,
      ];
      expect(statuses).toEqual([200, 401, 200, 200]);
      await waitForQuiet(sent);
      expect(sent).toEqual(['evalsha', 'evalsha', 'evalsha', 'evalsha']);
    } finally {
      monitor.disconnect();
      observer.disconnect();
      await apps.close();
    }
  });
});

describeRedis('Redis stopped mid-run', () => {
  let server: RedisServer;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    server = await startRedisServer(port);
  });
  afterAll(() => server.stop());

  it('fails closed with 503 (or open with 200 when chosen), never a crash, a 500 or a hang, and recovers after restart', async () => {
    const url = `redis://127.0.0.1:${port}`;
    const closed = await instances(url, 'keygate-outage:');
    const open = await instances(url, 'keygate-outage-open:', { failOpen: true });
    const get = (app: (typeof closed)['express']) => app.get('/v1/x').set('authorization', basicAuthorization(KEY));
    try {
      expect((await get(closed.express)).status).toBe(200);
      expect((await get(closed.koa)).status).toBe(200);

      await server.stop();
      for (const app of [closed.express, closed.koa]) {
        const started = Date.now();
        const response = await get(app);
        expect(Date.now() - started).toBeLessThan(2_000);
        expect(response.status).toBe(503);
        expect(response.body).toMatchObject({ success: false, error: { code: 'AUTH_UNAVAILABLE' } });
        expect(response.headers['x-request-id']).toBe(response.body.requestId);
      }
      expect((await get(open.express)).status).toBe(200);
      expect((await get(open.koa)).status).toBe(200);

      server = await startRedisServer(port);
      const deadline = Date.now() + 10_000;
      let statuses: number[] = [];
      while (Date.now() < deadline) {
        statuses = [(await get(closed.express)).status, (await get(closed.koa)).status];
        if (statuses.every((status) => status === 200)) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(statuses).toEqual([200, 200]);
    } finally {
      await Promise.all([closed.close(), open.close()]);
    }
  });
});

describeRedis('example servers with REDIS_URL', () => {
  let servers: ExampleProcess[] = [];
  let redis: Redis | undefined;
  afterAll(async () => {
    await redis?.quit();
    await Promise.all(servers.map((server) => server.stop()));
  });

  it('61 quick requests with one key → 60 × 200 and one 429, across two example servers', async () => {
    redis = await client(redisUrl);
    await redis.del('keygate:{key_basic_live}:rl');
    servers = await Promise.all([
      startExample('express', { REDIS_URL: redisUrl }),
      startExample('koa', { REDIS_URL: redisUrl }),
    ]);
    const auth = `Basic ${Buffer.from('pk_live_DemoBasicKeyForKeygate0001:').toString('base64')}`;
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < 61; i++) {
      const response = await fetch(`${servers[i % 2]!.baseUrl}/v1/wallets/service/balance`, {
        headers: { authorization: auth },
      });
      statuses.push(response.status);
      if (response.status === 429) refused = response;
      await response.arrayBuffer();
    }
    expect(statuses.filter((status) => status === 200)).toHaveLength(60);
    expect(statuses[60]).toBe(429);
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Shared through the store's documented key, `<prefix>{<key id>}:rl`.
    expect(await redis.llen('keygate:{key_basic_live}:rl')).toBe(60);
  });
});

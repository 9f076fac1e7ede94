import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { MemoryDecisionStore, type Admission, type Decision } from '@keygate/core';
import { RedisDecisionStore, RedisStoreError } from '@keygate/redis';
import { freePort, startRedisServer, type RedisServer } from './support/redis-server.js';
import { describeDecisionStoreContract } from './support/store-contract.js';
import { seededRandom } from './support/random.js';

/** Bytes `MEMORY USAGE` reports for one key's log at limit 60 with a full window; the README quotes this bound. */
const README_BYTES_PER_KEY = 800;
const WINDOW = 60_000;
const limited = (limit: number, windowMs = WINDOW) => ({ limit, windowMs });
const signed = (now: number) => ({ id: randomUUID(), expiresAt: now + 300_000 });

describeDecisionStoreContract('MemoryDecisionStore', () => new MemoryDecisionStore());

const redisUrl = inject('redisUrl');
const describeRedis = redisUrl ? describe : describe.skip;
if (!redisUrl)
  console.warn('\n[keygate] Redis store tests SKIPPED: no Redis. Install redis-server or set REDIS_URL.\n');

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

/** `INFO commandstats` as { command: calls }. */
async function commandCalls(client: Redis): Promise<Map<string, number>> {
  const info = await client.info('commandstats');
  return new Map(
    [...info.matchAll(/^cmdstat_(\S+):calls=(\d+),/gm)].map((match) => [match[1] as string, Number(match[2])]),
  );
}

describeRedis('RedisDecisionStore on a shared Redis', () => {
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

  describeDecisionStoreContract('RedisDecisionStore', () => new RedisDecisionStore({ client, prefix }));

  it('two instances (two clients) share one limit exactly: 500 concurrent requests admit exactly `limit`', async () => {
    const instances = [new RedisDecisionStore({ client, prefix }), new RedisDecisionStore({ client: second, prefix })];
    const key = `shared-${randomUUID()}`;
    const now = Date.now();
    const decisions = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        instances[i % 2]!.decide({ key, now: now + (i % 7), limit: limited(60), signature: signed(now) }),
      ),
    );
    expect(decisions.filter((decision) => decision.outcome === 'admitted')).toHaveLength(60);
  });

  it('two instances admit exactly one of 100 concurrent copies of one signed request', async () => {
    const instances = [new RedisDecisionStore({ client, prefix }), new RedisDecisionStore({ client: second, prefix })];
    const key = `copies-${randomUUID()}`;
    const now = Date.now();
    const signature = signed(now);
    const decisions = await Promise.all(
      Array.from({ length: 100 }, (_, i) => instances[i % 2]!.decide({ key, now, signature })),
    );
    expect(decisions.filter((decision) => decision.outcome === 'admitted')).toHaveLength(1);
    expect(decisions.filter((decision) => decision.outcome === 'replayed')).toHaveLength(99);
  });

  it('two instances with one clock decide exactly as the in-memory store does (limits, replays, 429s)', async () => {
    const instances = [new RedisDecisionStore({ client, prefix }), new RedisDecisionStore({ client: second, prefix })];
    const reference = new MemoryDecisionStore();
    const key = `differential-${randomUUID()}`;
    const next = seededRandom(42);
    const used: Admission['signature'][] = [];
    let now = Date.now();
    for (let i = 0; i < 600; i++) {
      now += Math.floor(next() * 400);
      // Unsigned, a new signature, or one used (or refused) before.
      const roll = next();
      const signature =
        roll < 0.2 ? undefined : roll < 0.8 || used.length === 0 ? signed(now) : used[Math.floor(next() * used.length)];
      if (signature !== undefined) used.push(signature);
      const admission: Admission = { key, now, limit: next() < 0.9 ? limited(10, 5000) : undefined, signature };
      expect(await instances[i % 2]!.decide(admission)).toEqual(await reference.decide(admission));
    }
  });

  it('tolerates clock skew: with clocks up to s apart, at most `limit` admissions in any window - 2s of real time', async () => {
    const skew = 100;
    const limit = 5;
    const windowMs = 3000;
    // Three instances: one ahead, one behind, one on time.
    const instances = [
      { store: new RedisDecisionStore({ client, prefix }), offset: skew },
      { store: new RedisDecisionStore({ client: second, prefix }), offset: -skew },
      { store: new RedisDecisionStore({ client, prefix }), offset: 0 },
    ];
    const key = `skew-${randomUUID()}`;
    const next = seededRandom(7);
    const admitted: number[] = [];
    let refused = 0;
    let real = Date.now();
    for (let i = 0; i < 1500; i++) {
      real += Math.floor(next() * 150);
      const { store, offset } = instances[Math.floor(next() * 3)]!;
      const decision = await store.decide({ key, now: real + offset, limit: limited(limit, windowMs) });
      if (decision.outcome === 'admitted') admitted.push(real);
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

  it('gives every key a TTL: the log its window, a signature expiresAt - now (rounded up, at least 1 ms)', async () => {
    const store = new RedisDecisionStore({ client, prefix });
    const key = randomUUID();
    const now = Date.now();
    await store.decide({ key, now, limit: limited(60), signature: { id: 'a', expiresAt: now + 30_000 } });
    await store.decide({ key, now, signature: { id: 'b', expiresAt: now - 5000 } });
    const logTtl = await client.pttl(`${prefix}{${key}}:rl`);
    const replayTtl = await client.pttl(`${prefix}{${key}}:replay:a`);
    expect(logTtl).toBeGreaterThan(WINDOW - 5000);
    expect(logTtl).toBeLessThanOrEqual(WINDOW);
    expect(replayTtl).toBeGreaterThan(25_000);
    expect(replayTtl).toBeLessThanOrEqual(30_000);
    // Already expired: remembered for 1 ms, never stored without a TTL.
    expect(await client.pttl(`${prefix}{${key}}:replay:b`)).toBeLessThanOrEqual(1);
  });

  it('records nothing for a replay or a 429: no count, no replay key', async () => {
    const store = new RedisDecisionStore({ client, prefix });
    const key = randomUUID();
    const now = Date.now();
    const first = signed(now);
    await store.decide({ key, now, limit: limited(2), signature: first });
    await store.decide({ key, now, limit: limited(2), signature: first });
    expect(await client.llen(`${prefix}{${key}}:rl`)).toBe(1);

    await store.decide({ key, now, limit: limited(2) });
    const refused = signed(now);
    expect((await store.decide({ key, now, limit: limited(2), signature: refused })).outcome).toBe('rate-limited');
    expect(await client.exists(`${prefix}{${key}}:replay:${refused.id}`)).toBe(0);
    expect(await client.llen(`${prefix}{${key}}:rl`)).toBe(2);
  });

  it('records a lagging clock at the newest admission, so the log stays sorted and outlives it', async () => {
    const ahead = new RedisDecisionStore({ client, prefix });
    const behind = new RedisDecisionStore({ client: second, prefix });
    const key = `lag-${randomUUID()}`;
    const now = Date.now();
    const admitted = (remaining: number, resetAt: number): Decision => ({
      outcome: 'admitted',
      rateLimit: { remaining, resetAt },
    });
    expect(await ahead.decide({ key, now: now + 5000, limit: limited(3) })).toEqual(admitted(2, now + 5000 + WINDOW));
    expect(await behind.decide({ key, now, limit: limited(3) })).toEqual(admitted(1, now + 5000 + WINDOW));
    expect(await client.lrange(`${prefix}{${key}}:rl`, 0, -1)).toEqual([String(now + 5000), String(now + 5000)]);
    // The key must live until the newest time leaves the window on the lagging clock too.
    expect(await client.pttl(`${prefix}{${key}}:rl`)).toBeGreaterThan(WINDOW + 4000);
  });

  it('rejects with a RedisStoreError carrying the cause when Redis answers with an error', async () => {
    const store = new RedisDecisionStore({ client, prefix });
    const key = randomUUID();
    await client.set(`${prefix}{${key}}:rl`, 'not a list');
    const { error } = await timeRejection(() => store.decide({ key, now: Date.now(), limit: limited(5) }));
    expect(error).toBeInstanceOf(RedisStoreError);
    expect((error as RedisStoreError).message).toMatch(/^Redis decide failed: .*WRONGTYPE/);
    expect((error as RedisStoreError).cause).toBeInstanceOf(Error);
  });
});

describeRedis('RedisDecisionStore on its own redis-server', () => {
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

  it('decides each request in exactly one round trip: one EVALSHA, every other command inside it (commandstats)', async () => {
    const store = new RedisDecisionStore({ client });
    const now = Date.now();
    const key = randomUUID();
    const signature = signed(now);
    // Loads the script (EVALSHA → NOSCRIPT → EVAL), so the counted calls below are the steady state.
    await store.decide({ key: 'warm-up', now, limit: limited(3), signature: signed(now) });

    const admissions: Admission[] = [
      { key, now, limit: limited(2), signature }, // admitted
      { key, now, limit: limited(2), signature }, // replayed
      { key, now, limit: limited(2), signature: signed(now) }, // admitted
      { key, now, limit: limited(2), signature: signed(now) }, // rate-limited
      { key, now, signature: signed(now) }, // admitted, not limited
      { key, now, limit: limited(2) }, // rate-limited, unsigned
    ];
    // MONITOR shows every command with its source: a client's address, or "lua" when a script ran it.
    const monitor = await client.monitor();
    const seen: { command: string; source: string }[] = [];
    monitor.on('monitor', (_time: string, args: string[], source: string) =>
      seen.push({ command: args[0]!.toLowerCase(), source }),
    );
    try {
      const before = await commandCalls(client);
      const outcomes = [];
      for (const admission of admissions) outcomes.push((await store.decide(admission)).outcome);
      const after = await commandCalls(client);
      const marker = randomUUID();
      await client.echo(marker);
      await vi.waitFor(() =>
        expect(seen.some(({ command, source }) => command === 'echo' && source !== 'lua')).toBe(true),
      );

      expect(outcomes).toEqual(['admitted', 'replayed', 'admitted', 'rate-limited', 'admitted', 'rate-limited']);
      const delta = (command: string) => (after.get(command) ?? 0) - (before.get(command) ?? 0);
      expect(delta('evalsha') + delta('eval')).toBe(admissions.length);
      // Every other command Redis counted ran inside the script: one command per decision reached Redis.
      const total = [...after.keys()]
        .filter((command) => command !== 'info')
        .reduce((sum, command) => sum + delta(command), 0);
      const fromScript = seen.filter(({ source }) => source === 'lua').length;
      expect(fromScript).toBeGreaterThan(admissions.length);
      expect(total - fromScript).toBe(admissions.length);
      const sent = seen.filter(({ source, command }) => source !== 'lua' && command !== 'info' && command !== 'echo');
      expect(sent.map(({ command }) => command)).toEqual(admissions.map(() => 'evalsha'));
    } finally {
      monitor.disconnect();
    }
  });

  it('asks nothing of Redis for a request with neither limit nor signature', async () => {
    const store = new RedisDecisionStore({ client });
    const before = await commandCalls(client);
    expect(await store.decide({ key: randomUUID(), now: Date.now() })).toEqual({ outcome: 'admitted' });
    const after = await commandCalls(client);
    expect([...after].filter(([command, calls]) => command !== 'info' && calls !== before.get(command))).toEqual([]);
  });

  it(`uses at most ${README_BYTES_PER_KEY} bytes per key at limit 60 with a full window (as the README says)`, async () => {
    const store = new RedisDecisionStore({ client });
    const start = Date.now() - WINDOW + 1000;
    for (let i = 0; i < 60; i++)
      expect((await store.decide({ key: 'key_3', now: start + i * 1000, limit: limited(60) })).outcome).toBe(
        'admitted',
      );
    expect((await store.decide({ key: 'key_3', now: start + 59_500, limit: limited(60) })).outcome).toBe(
      'rate-limited',
    );

    const bytes = await client.memory('USAGE', 'keygate:{key_3}:rl', 'SAMPLES', 0);
    expect(bytes).toBeLessThanOrEqual(README_BYTES_PER_KEY);
    const readme = readFileSync(new URL('../packages/redis/README.md', import.meta.url), 'utf8');
    expect(readme).toContain(`at most ${README_BYTES_PER_KEY} bytes`);
    // The exact figures depend on the Redis build; the README quotes the ones of the version it names.
    const version = /redis_version:(\S+)/.exec(await client.info('server'))?.[1];
    if (version !== undefined && readme.includes(`Redis ${version} `)) {
      expect(readme).toContain(`**${bytes} bytes**`);
      const signature = 'a'.repeat(64);
      await store.decide({
        key: 'key_3',
        now: Date.now(),
        signature: { id: signature, expiresAt: Date.now() + 300_000 },
      });
      const replayBytes = await client.memory('USAGE', `keygate:{key_3}:replay:${signature}`, 'SAMPLES', 0);
      expect(readme).toContain(`takes ${replayBytes} bytes`);
    }
  });

  it('keeps working after SCRIPT FLUSH (EVALSHA answers NOSCRIPT, ioredis falls back to EVAL)', async () => {
    const store = new RedisDecisionStore({ client });
    const key = randomUUID();
    const now = Date.now();
    await store.decide({ key, now, limit: limited(3) });
    await store.decide({ key, now, limit: limited(3) });
    const noscript = async () =>
      Number(/errorstat_NOSCRIPT:count=(\d+)/.exec(await client.info('errorstats'))?.[1] ?? 0);
    const before = await noscript();

    await client.script('FLUSH');
    expect(await store.decide({ key, now, limit: limited(3) })).toEqual({
      outcome: 'admitted',
      rateLimit: { remaining: 0, resetAt: now + WINDOW },
    });
    expect(await noscript()).toBe(before + 1);
    expect((await store.decide({ key, now, limit: limited(3) })).outcome).toBe('rate-limited');
  });

  it('clears its timeout timer after every call', async () => {
    const store = new RedisDecisionStore({ client, timeoutMs: 54_321 });
    const set = vi.spyOn(globalThis, 'setTimeout');
    const clear = vi.spyOn(globalThis, 'clearTimeout');
    try {
      for (let i = 0; i < 10; i++) {
        await store.decide({ key: randomUUID(), now: Date.now(), limit: limited(5) });
        await store.decide({ key: randomUUID(), now: Date.now(), signature: signed(Date.now()) });
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
    const store = new RedisDecisionStore({ client, timeoutMs });
    expect((await store.decide({ key: randomUUID(), now: Date.now(), limit: limited(5) })).outcome).toBe('admitted');

    await server.stop();
    for (const admission of [{ limit: limited(5) }, { signature: signed(Date.now()) }]) {
      const { error, ms } = await timeRejection(() =>
        store.decide({ key: randomUUID(), now: Date.now(), ...admission }),
      );
      expect(error).toBeInstanceOf(RedisStoreError);
      expect((error as Error).message).toMatch(/^Redis decide (timed out|failed)/);
      expect(ms).toBeLessThan(timeoutMs + 200);
    }
    // While reconnecting, ioredis queues the command: the store gives up at timeoutMs.
    const queued = await timeRejection(() => store.decide({ key: randomUUID(), now: Date.now(), limit: limited(5) }));
    expect((queued.error as Error).message).toBe('Redis decide timed out: no answer within timeoutMs (300 ms)');
    expect(queued.ms).toBeGreaterThanOrEqual(timeoutMs - 5);
    expect(queued.ms).toBeLessThan(timeoutMs + 200);

    server = await startRedisServer(server.port);
    if (client.status !== 'ready') await once(client, 'ready');
    expect(await store.decide({ key: 'after-restart', now: Date.now(), limit: limited(5) })).toMatchObject({
      rateLimit: { remaining: 4 },
    });
    expect((await store.decide({ key: 'after-restart', now: Date.now(), signature: signed(Date.now()) })).outcome).toBe(
      'admitted',
    );
  });
});

describeRedis('RedisDecisionStore on a Redis with appendonly yes (as the README recommends)', () => {
  it('still refuses a signature after Redis restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keygate-aof-'));
    let server = await startRedisServer(undefined, { dir, appendOnly: true });
    const client = quietClient(server.url, { retryStrategy: () => 100 });
    try {
      const store = new RedisDecisionStore({ client });
      const admission = { key: 'key_pair', now: Date.now(), limit: limited(5), signature: signed(Date.now()) };
      expect((await store.decide(admission)).outcome).toBe('admitted');
      await server.stop();
      server = await startRedisServer(server.port, { dir, appendOnly: true });
      if (client.status !== 'ready') await once(client, 'ready');
      expect(await store.decide(admission)).toEqual({ outcome: 'replayed' });
      expect(await store.decide({ ...admission, signature: signed(Date.now()) })).toMatchObject({
        rateLimit: { remaining: 3 },
      });
    } finally {
      client.disconnect();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeRedis('RedisDecisionStore on Redis Cluster (one node holding every slot)', () => {
  // Key ids and prefixes that could move a key's hash tag, and so split one decision's keys across slots.
  const awkwardKeyIds = ['key_1', '}', '{', '{}', '}{', 'a}b', '{a}', 'x{y}z', '%7B', '%', 'ключ'];
  let dir: string;
  let server: RedisServer;
  let cluster: Cluster;
  let plain: Redis;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keygate-cluster-'));
    server = await startRedisServer(undefined, { dir, cluster: true });
    plain = quietClient(server.url);
    await plain.cluster('ADDSLOTSRANGE', 0, 16383);
    await vi.waitFor(async () => expect(await plain.cluster('INFO')).toContain('cluster_state:ok'), { timeout: 5000 });
    cluster = new Cluster([{ host: '127.0.0.1', port: server.port }]);
    cluster.on('error', () => {});
  });

  afterAll(async () => {
    await cluster?.quit();
    plain?.disconnect();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('puts both keys of one decision in one slot, whatever the key id (CLUSTER KEYSLOT)', async () => {
    const store = new RedisDecisionStore({ client: plain, prefix: 'p:' });
    for (const key of awkwardKeyIds) {
      const now = Date.now();
      const signature = signed(now);
      expect((await store.decide({ key, now, limit: limited(5), signature })).outcome).toBe('admitted');
      const written = await plain.keys('p:*');
      expect(written).toHaveLength(2);
      const slots = await Promise.all(written.map((name) => plain.cluster('KEYSLOT', name)));
      expect(new Set(slots).size, `${key}: ${written.join(' ')}`).toBe(1);
      await plain.del(...written);
    }
  });

  it('decides through an ioredis Cluster client (a cross-slot script would be refused with CROSSSLOT)', async () => {
    // The check this relies on: two keys of different slots in one script are refused.
    await expect(plain.eval('return 1', 2, 'p:{a}:rl', 'p:{b}:rl')).rejects.toThrow(/CROSSSLOT/);
    const store = new RedisDecisionStore({ client: cluster });
    for (const key of awkwardKeyIds) {
      const now = Date.now();
      const signature = signed(now);
      expect(await store.decide({ key, now, limit: limited(2), signature })).toMatchObject({ outcome: 'admitted' });
      expect(await store.decide({ key, now, limit: limited(2), signature })).toEqual({ outcome: 'replayed' });
      expect(await store.decide({ key, now, limit: limited(2) })).toMatchObject({
        outcome: 'admitted',
        rateLimit: { remaining: 0 },
      });
    }
  });
});

describe('RedisDecisionStore against a server that never answers', () => {
  it('rejects within timeoutMs instead of hanging', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const address = silent.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    const client = quietClient(`redis://127.0.0.1:${address.port}`);
    try {
      const store = new RedisDecisionStore({ client, timeoutMs: 200 });
      const results = await Promise.all([
        timeRejection(() => store.decide({ key: 'k', now: Date.now(), limit: limited(5) })),
        timeRejection(() => store.decide({ key: 'k', now: Date.now(), signature: signed(Date.now()) })),
      ]);
      for (const { error, ms } of results) {
        expect(error).toBeInstanceOf(RedisStoreError);
        expect((error as Error).message).toBe('Redis decide timed out: no answer within timeoutMs (200 ms)');
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
    const client = quietClient(`redis://127.0.0.1:${await freePort()}`, {
      enableOfflineQueue: false,
      retryStrategy: () => 1000,
    });
    try {
      const store = new RedisDecisionStore({ client, timeoutMs: 5000 });
      const { error, ms } = await timeRejection(() => store.decide({ key: 'k', now: Date.now(), limit: limited(5) }));
      expect(error).toBeInstanceOf(RedisStoreError);
      expect((error as Error).message).toMatch(/^Redis decide failed: /);
      expect(ms).toBeLessThan(1000);
    } finally {
      client.disconnect();
    }
  });
});

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { RateLimitResult, RateLimitStore, ReplayStore } from '@keygate/core';

type Factory<S> = () => S | Promise<S>;

/** A realistic clock reading, so stores see timestamps of the size they see in production. */
const T0 = 1_732_500_000_000;
const WINDOW = 60_000;

function withCleanup<S extends { close?(): unknown }>(makeStore: Factory<S>): () => Promise<S> {
  const opened: S[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map(async (store) => store.close?.()));
  });
  return async () => {
    const store = await makeStore();
    opened.push(store);
    return store;
  };
}

/**
 * What every `RateLimitStore` promises: an exact sliding window. Each test uses fresh keys, so the factory
 * may return the same store (or stores sharing one backend) every time. Times are explicit; nothing sleeps.
 */
export function describeRateLimitStoreContract(name: string, makeStore: Factory<RateLimitStore>): void {
  describe(`RateLimitStore contract: ${name}`, () => {
    const open = withCleanup(makeStore);
    const freshKey = () => `contract-${randomUUID()}`;

    it('admits exactly `limit` requests, with exact remaining and resetAt, then refuses', async () => {
      const store = await open();
      const key = freshKey();
      const results: RateLimitResult[] = [];
      for (let i = 0; i < 6; i++) results.push(await store.hit(key, 5, WINDOW, T0 + i * 1000));
      expect(results).toEqual([
        { allowed: true, remaining: 4, resetAt: T0 + WINDOW },
        { allowed: true, remaining: 3, resetAt: T0 + WINDOW },
        { allowed: true, remaining: 2, resetAt: T0 + WINDOW },
        { allowed: true, remaining: 1, resetAt: T0 + WINDOW },
        { allowed: true, remaining: 0, resetAt: T0 + WINDOW },
        { allowed: false, remaining: 0, resetAt: T0 + WINDOW },
      ]);
    });

    it('frees a slot exactly when the oldest admission is `windowMs` old (a sliding, not fixed, window)', async () => {
      const store = await open();
      const key = freshKey();
      for (const offset of [0, 0, 0]) await store.hit(key, 5, WINDOW, T0 + offset);
      for (const offset of [30_000, 30_000]) await store.hit(key, 5, WINDOW, T0 + offset);

      expect(await store.hit(key, 5, WINDOW, T0 + WINDOW - 1)).toEqual({ allowed: false, remaining: 0, resetAt: T0 + WINDOW });
      // At t + window the three requests made at t have left: exactly three slots, not a fresh window.
      expect(await store.hit(key, 5, WINDOW, T0 + WINDOW)).toEqual({ allowed: true, remaining: 2, resetAt: T0 + 30_000 + WINDOW });
      expect(await store.hit(key, 5, WINDOW, T0 + WINDOW)).toEqual({ allowed: true, remaining: 1, resetAt: T0 + 30_000 + WINDOW });
      expect(await store.hit(key, 5, WINDOW, T0 + WINDOW)).toEqual({ allowed: true, remaining: 0, resetAt: T0 + 30_000 + WINDOW });
      expect(await store.hit(key, 5, WINDOW, T0 + WINDOW + 1)).toEqual({ allowed: false, remaining: 0, resetAt: T0 + 30_000 + WINDOW });
      expect(await store.hit(key, 5, WINDOW, T0 + 30_000 + WINDOW)).toEqual({
        allowed: true,
        remaining: 1,
        resetAt: T0 + 2 * WINDOW,
      });
    });

    it('a refused request is admitted when retried at the resetAt it was given', async () => {
      const store = await open();
      const key = freshKey();
      await store.hit(key, 2, 10_000, T0);
      await store.hit(key, 2, 10_000, T0 + 4000);
      const refused = await store.hit(key, 2, 10_000, T0 + 7000);
      expect(refused).toEqual({ allowed: false, remaining: 0, resetAt: T0 + 10_000 });
      expect((await store.hit(key, 2, 10_000, refused.resetAt - 1)).allowed).toBe(false);
      expect(await store.hit(key, 2, 10_000, refused.resetAt)).toEqual({ allowed: true, remaining: 0, resetAt: T0 + 14_000 });
    });

    it('does not count refused requests', async () => {
      const store = await open();
      const key = freshKey();
      await store.hit(key, 2, WINDOW, T0);
      await store.hit(key, 2, WINDOW, T0 + 10);
      for (let i = 1; i <= 20; i++) expect((await store.hit(key, 2, WINDOW, T0 + 10 + i)).allowed).toBe(false);
      // Had the refusals been counted, they would still fill the window here.
      expect(await store.hit(key, 2, WINDOW, T0 + WINDOW)).toEqual({ allowed: true, remaining: 0, resetAt: T0 + 10 + WINDOW });
      expect(await store.hit(key, 2, WINDOW, T0 + 10 + WINDOW)).toEqual({
        allowed: true,
        remaining: 0,
        resetAt: T0 + 2 * WINDOW,
      });
    });

    it('keeps keys independent', async () => {
      const store = await open();
      const [a, b] = [freshKey(), freshKey()];
      for (let i = 0; i < 3; i++) await store.hit(a, 3, WINDOW, T0);
      expect((await store.hit(a, 3, WINDOW, T0)).allowed).toBe(false);
      expect(await store.hit(b, 3, WINDOW, T0)).toEqual({ allowed: true, remaining: 2, resetAt: T0 + WINDOW });
      expect(await store.hit(b, 10, 1000, T0 + 5)).toEqual({ allowed: true, remaining: 8, resetAt: T0 + 1000 });
    });

    it('admits exactly `limit` of 500 concurrent requests for one key', async () => {
      const store = await open();
      const key = freshKey();
      const results = await Promise.all(Array.from({ length: 500 }, () => store.hit(key, 60, WINDOW, T0)));
      const admitted = results.filter((result) => result.allowed);
      expect(admitted).toHaveLength(60);
      expect(admitted.map((result) => result.remaining).sort((x, y) => x - y)).toEqual(Array.from({ length: 60 }, (_, i) => i));
      for (const refused of results.filter((result) => !result.allowed)) {
        expect(refused).toEqual({ allowed: false, remaining: 0, resetAt: T0 + WINDOW });
      }
    });
  });
}

/** What every `ReplayStore` promises: an id is accepted once per ttl, atomically. */
export function describeReplayStoreContract(name: string, makeStore: Factory<ReplayStore>): void {
  describe(`ReplayStore contract: ${name}`, () => {
    const open = withCleanup(makeStore);
    const freshId = () => `contract-${randomUUID()}`;

    it('returns true for a new id, then false while it is remembered', async () => {
      const store = await open();
      const id = freshId();
      expect(await store.remember(id, 60_000)).toBe(true);
      expect(await store.remember(id, 60_000)).toBe(false);
      expect(await store.remember(id, 60_000)).toBe(false);
      expect(await store.remember(freshId(), 60_000)).toBe(true);
    });

    it('forgets an id after its ttl', async () => {
      const store = await open();
      const id = freshId();
      expect(await store.remember(id, 50)).toBe(true);
      expect(await store.remember(id, 50)).toBe(false);
      await sleep(120);
      expect(await store.remember(id, 50)).toBe(true);
    });

    it('returns true to exactly one of 50 concurrent calls for one id', async () => {
      const store = await open();
      const id = freshId();
      const results = await Promise.all(Array.from({ length: 50 }, () => store.remember(id, 60_000)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });
  });
}

import { describe, expect, it } from 'vitest';
import {
  basicAuthorization, createVerifier, MemoryRateLimitStore, type KeygateOptions, type RateLimitStore, type ReplayStore,
} from '../src/index.js';
import { keysFile, manualClock, VECTOR_KEY, VECTOR_TIME } from './helpers.js';

const basic = { method: 'GET', target: '/', headers: { authorization: basicAuthorization(VECTOR_KEY) } };

function setup(options: Partial<KeygateOptions> = {}) {
  const clock = manualClock();
  return { clock, verifier: createVerifier({ keys: keysFile(), now: clock.now, onStoreError: () => {}, ...options }) };
}

describe('sliding-window rate limit', () => {
  it('admits 60 per 60 s by default, refuses the 61st with exact headers, and admits again as the window slides', async () => {
    const { verifier, clock } = setup();
    const start = VECTOR_TIME; // a whole second, so reset times are exact
    for (let i = 1; i <= 60; i++) {
      const result = await verifier.verify(basic);
      expect(result.ok).toBe(true);
      expect(result.headers).toMatchObject({
        'x-ratelimit-limit': '60',
        'x-ratelimit-remaining': String(60 - i),
        'x-ratelimit-reset': String((start + 60_000) / 1000), // the first admission frees its slot first
      });
      clock.advance(500); // 60 requests spread over 30 s
    }
    clock.set(start + 59_999);
    const refused = await verifier.verify(basic);
    expect(!refused.ok && refused.error.code).toBe('RATE_LIMIT_EXCEEDED');
    expect(!refused.ok && refused.error.status).toBe(429);
    expect(refused.headers).toMatchObject({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String((start + 60_000) / 1000), 'retry-after': '1' });

    clock.set(start + 60_000); // the first admission leaves the window: exactly one slot frees
    const again = await verifier.verify(basic);
    expect(again.ok && again.headers['x-ratelimit-remaining']).toBe('0');
    // The second admission is now the oldest.
    expect(again.headers['x-ratelimit-reset']).toBe(String(Math.ceil((start + 60_500) / 1000)));
    expect((await verifier.verify(basic)).ok).toBe(false);
  });

  it('never admits more than the limit inside any 60-second span', async () => {
    const { verifier, clock } = setup({ rateLimit: { limit: 5, windowSeconds: 60 } });
    const admitted: number[] = [];
    for (let t = 0; t < 240_000; t += 1_700) {
      clock.set(VECTOR_TIME + t);
      if ((await verifier.verify(basic)).ok) admitted.push(t);
    }
    for (let i = 0; i + 5 < admitted.length; i++) expect(admitted[i + 5]! - admitted[i]!).toBeGreaterThanOrEqual(60_000);
    expect(admitted.length).toBeGreaterThan(15);
  });

  it('Retry-After agrees with x-ratelimit-reset and waiting that long is enough', async () => {
    const { verifier, clock } = setup({ rateLimit: { limit: 1, windowSeconds: 10 } });
    clock.set(VECTOR_TIME + 250);
    expect((await verifier.verify(basic)).ok).toBe(true);
    clock.set(VECTOR_TIME + 3_700);
    const refused = await verifier.verify(basic);
    const retryAfter = Number(refused.headers['retry-after']);
    const reset = Number(refused.headers['x-ratelimit-reset']);
    expect(retryAfter).toBe(7); // the slot frees at +10.25 s, 6.55 s from now, rounded up
    expect(reset).toBe(Math.ceil((VECTOR_TIME + 10_250) / 1000));
    expect(reset - Math.floor(clock.now() / 1000)).toBeGreaterThanOrEqual(retryAfter);
    clock.advance(retryAfter * 1000);
    expect((await verifier.verify(basic)).ok).toBe(true);
  });

  it('refused and unauthenticated requests do not use the quota', async () => {
    const { verifier } = setup({ rateLimit: { limit: 2, windowSeconds: 60 } });
    expect((await verifier.verify(basic)).ok).toBe(true);
    expect((await verifier.verify(basic)).ok).toBe(true);
    for (let i = 0; i < 5; i++) expect((await verifier.verify(basic)).ok).toBe(false);
    const store = new MemoryRateLimitStore();
    const fresh = setup({ rateLimit: { limit: 2, windowSeconds: 60 }, rateLimitStore: store });
    await fresh.verifier.verify({ ...basic, headers: { authorization: basicAuthorization('pk_live_Nobody0000000000') } });
    expect(store.size).toBe(0);
  });

  it('uses the per-key override from the key record', async () => {
    const { verifier } = setup();
    const readOnly = { method: 'GET', target: '/', headers: { authorization: 'Bearer pk_test_ReadOnlyPublic000001', 'x-api-secret': 'sk_test_ReadOnlySecret000001' } };
    const first = await verifier.verify(readOnly);
    expect(first.headers['x-ratelimit-limit']).toBe('2');
    await verifier.verify(readOnly);
    const third = await verifier.verify(readOnly);
    expect(!third.ok && third.error.code).toBe('RATE_LIMIT_EXCEEDED');
    expect((await verifier.verify(basic)).headers['x-ratelimit-limit']).toBe('60');
  });

  it('admits exactly the limit among 500 concurrent requests', async () => {
    const { verifier } = setup();
    const results = await Promise.all(Array.from({ length: 500 }, () => verifier.verify(basic)));
    expect(results.filter((result) => result.ok)).toHaveLength(60);
    expect(results.filter((result) => !result.ok && result.error.code === 'RATE_LIMIT_EXCEEDED')).toHaveLength(440);
  });

  it('rateLimit: false turns the limiter off', async () => {
    const { verifier } = setup({ rateLimit: false });
    const result = await verifier.verify(basic);
    expect(result.headers['x-ratelimit-limit']).toBeUndefined();
  });
});

describe('memory store bound', () => {
  it('tracks at most maxKeys keys under 1e5 distinct keys', async () => {
    const store = new MemoryRateLimitStore({ maxKeys: 1000 });
    for (let i = 0; i < 100_000; i++) await store.hit(`key_${i}`, 60, 60_000, VECTOR_TIME);
    expect(store.size).toBe(1000);
  });
});

// A shared store fails by rejecting; an in-process one (answering synchronously) fails by throwing.
const rejecting: RateLimitStore & ReplayStore = {
  hit: () => Promise.reject(new Error('connection refused')),
  remember: () => Promise.reject(new Error('connection refused')),
};
const throwing: RateLimitStore & ReplayStore = {
  hit: () => {
    throw new Error('connection refused');
  },
  remember: () => {
    throw new Error('connection refused');
  },
};

describe.each([
  ['rejects', rejecting],
  ['throws', throwing],
])('store failure policy (a store that %s)', (_, broken) => {
  it('fails closed with 503 AUTH_UNAVAILABLE by default, and reports the error', async () => {
    const errors: unknown[] = [];
    const { verifier } = setup({ rateLimitStore: broken, onStoreError: (error) => errors.push(error) });
    const result = await verifier.verify(basic);
    expect(!result.ok && [result.error.status, result.error.code]).toEqual([503, 'AUTH_UNAVAILABLE']);
    expect(errors).toHaveLength(1);
  });

  it('fails open onto an in-process limiter that still enforces the limit', async () => {
    const { verifier } = setup({ rateLimitStore: broken, onStoreFailure: 'open', rateLimit: { limit: 2, windowSeconds: 60 } });
    expect((await verifier.verify(basic)).ok).toBe(true);
    expect((await verifier.verify(basic)).ok).toBe(true);
    const third = await verifier.verify(basic);
    expect(!third.ok && third.error.code).toBe('RATE_LIMIT_EXCEEDED');
  });

  it('recovers when the store answers again', async () => {
    let down = true;
    const memory = new MemoryRateLimitStore();
    const flaky: RateLimitStore = {
      hit: (...args) => {
        if (down) return broken.hit(...args);
        return memory.hit(...args);
      },
    };
    const { verifier } = setup({ rateLimitStore: flaky });
    expect((await verifier.verify(basic)).ok).toBe(false);
    down = false;
    expect((await verifier.verify(basic)).ok).toBe(true);
  });

  it('a key store that throws gives 503, never an exception', async () => {
    const { verifier } = setup({ keys: { findByKeyHash: () => Promise.reject(new Error('db down')), findByPublicKey: () => undefined } });
    const result = await verifier.verify(basic);
    expect(!result.ok && result.error.code).toBe('AUTH_UNAVAILABLE');
  });
});

describe('memory store byte bound', () => {
  it('keeps the logs within maxBytes at a high limit, forgetting least recently used keys', async () => {
    const store = new MemoryRateLimitStore({ maxBytes: 1024 * 1024 });
    for (let key = 0; key < 100; key++) {
      for (let i = 0; i < 2000; i++) await store.hit(`key_${key}`, 10_000, 60_000, VECTOR_TIME + i);
    }
    expect(store.calculatedSize).toBeLessThanOrEqual(1024 * 1024);
    // Each key is accounted at a full window: 10 000 × 8 bytes plus overhead.
    expect(store.size).toBe(Math.floor((1024 * 1024) / (80_000 + 450)));
  });
});

describe('limits too large for the memory bound', () => {
  it('are refused at start-up, naming the option or the key of the keys file', () => {
    expect(() => setup({ rateLimit: { limit: 9_000_000, windowSeconds: 60 } })).toThrow(
      /option "rateLimit.limit" is too large for the memory rate-limit store \(.*a limit of 9000000 needs 72000450 bytes per key, more than maxBytes \(67108864\)\): lower it, or pass rateLimitStore: new MemoryRateLimitStore\(\{ maxBytes \}\)/,
    );
    const file = keysFile();
    file.keys.push({ id: 'key_huge', tenant: 'acme', key: 'pk_live_HugeLimitKey0000000001', rateLimit: { limit: 10_000_000, windowSeconds: 60 } });
    expect(() => createVerifier({ keys: file })).toThrow(/key "key_huge": field "rateLimit.limit" is too large for the memory rate-limit store/);
    // The same limit fits a store given a larger bound.
    expect(() => createVerifier({ keys: file, rateLimitStore: new MemoryRateLimitStore({ maxBytes: 2 ** 30 }) })).not.toThrow();
    // A shared store takes any limit, but failing open falls back on a default-sized in-process limiter.
    const shared: RateLimitStore = { hit: () => Promise.reject(new Error('down')) };
    expect(() => createVerifier({ keys: file, rateLimitStore: shared })).not.toThrow();
    expect(() => createVerifier({ keys: file, rateLimitStore: shared, onStoreFailure: 'open' })).toThrow(
      /key "key_huge": field "rateLimit.limit" is too large for the in-process limiter that onStoreFailure "open" falls back on/,
    );
  });

  it('from a key store that cannot be listed, fail loudly per request (503 + reported error), never silently uncounted', async () => {
    const errors: unknown[] = [];
    const record = { id: 'key_db', tenantId: 'acme', tenantStatus: 'active', kind: 'basic', environment: 'live', rateLimit: { limit: 9_000_000, windowSeconds: 60 } } as const;
    const { verifier } = setup({ keys: { findByKeyHash: () => record, findByPublicKey: () => undefined }, onStoreError: (error) => errors.push(error) });
    const result = await verifier.verify(basic);
    expect(!result.ok && result.error.code).toBe('AUTH_UNAVAILABLE');
    expect(String(errors[0])).toMatch(/limit of 9000000 needs .* more than maxBytes/);
  });
});

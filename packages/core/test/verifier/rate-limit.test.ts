import { describe, expect, it } from 'vitest';
import {
  basicAuthorization,
  createVerifier,
  MemoryDecisionStore,
  type DecisionStore,
  type KeygateOptions,
} from '../../src/index.js';
import { codeOf, keysFile, manualClock, VECTOR_KEY, VECTOR_TIME } from '../helpers.js';

const basic = { method: 'GET', target: '/', headers: { authorization: basicAuthorization(VECTOR_KEY) } };

function setup(options: Partial<KeygateOptions> = {}) {
  const clock = manualClock();
  return {
    clock,
    verifier: createVerifier({
      keys: keysFile(),
      now: clock.now,
      logger: { warn: () => {}, error: () => {} },
      ...options,
    }),
  };
}

describe('sliding-window rate limit, decided through the verifier', () => {
  it('admits 60 per 60 s by default, refuses the 61st with exact headers, and admits again as the window slides', async () => {
    const { verifier, clock } = setup();
    const start = VECTOR_TIME; // a whole second, so reset times are exact
    for (let i = 1; i <= 60; i++) {
      const result = await verifier.verify(basic);
      expect(codeOf(result)).toBe('ok');
      expect(result.headers).toMatchObject({
        'x-ratelimit-limit': '60',
        'x-ratelimit-remaining': String(60 - i),
        'x-ratelimit-reset': String((start + 60_000) / 1000), // the first admission frees its slot first
      });
      clock.advance(500); // 60 requests spread over 30 s
    }
    clock.set(start + 59_999);
    const refused = await verifier.verify(basic);
    expect(codeOf(refused)).toBe('RATE_LIMIT_EXCEEDED');
    expect(refused.ok ? 'ok' : refused.error.status).toBe(429);
    expect(refused.headers).toMatchObject({
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String((start + 60_000) / 1000),
      'retry-after': '1',
    });

    clock.set(start + 60_000); // the first admission leaves the window: exactly one slot frees
    const again = await verifier.verify(basic);
    expect(codeOf(again)).toBe('ok');
    expect(again.headers['x-ratelimit-remaining']).toBe('0');
    // The second admission is now the oldest.
    expect(again.headers['x-ratelimit-reset']).toBe(String(Math.ceil((start + 60_500) / 1000)));
    expect(codeOf(await verifier.verify(basic))).toBe('RATE_LIMIT_EXCEEDED');
  });

  it('never admits more than the limit inside any 60-second span', async () => {
    const { verifier, clock } = setup({ rateLimit: { limit: 5, windowSeconds: 60 } });
    const admitted: number[] = [];
    for (let t = 0; t < 240_000; t += 1_700) {
      clock.set(VECTOR_TIME + t);
      if ((await verifier.verify(basic)).ok) admitted.push(t);
    }
    for (let i = 0; i + 5 < admitted.length; i++)
      expect(admitted[i + 5]! - admitted[i]!).toBeGreaterThanOrEqual(60_000);
    expect(admitted.length).toBeGreaterThan(15);
  });

  it('Retry-After agrees with x-ratelimit-reset and waiting that long is enough', async () => {
    const { verifier, clock } = setup({ rateLimit: { limit: 1, windowSeconds: 10 } });
    clock.set(VECTOR_TIME + 250);
    expect(codeOf(await verifier.verify(basic))).toBe('ok');
    clock.set(VECTOR_TIME + 3_700);
    const refused = await verifier.verify(basic);
    expect(codeOf(refused)).toBe('RATE_LIMIT_EXCEEDED');
    const retryAfter = Number(refused.headers['retry-after']);
    const reset = Number(refused.headers['x-ratelimit-reset']);
    expect(retryAfter).toBe(7); // the slot frees at +10.25 s, 6.55 s from now, rounded up
    expect(reset).toBe(Math.ceil((VECTOR_TIME + 10_250) / 1000));
    expect(reset - Math.floor(clock.now() / 1000)).toBeGreaterThanOrEqual(retryAfter);
    clock.advance(retryAfter * 1000);
    expect(codeOf(await verifier.verify(basic))).toBe('ok');
  });

  it('refused and unauthenticated requests do not use the quota', async () => {
    const { verifier } = setup({ rateLimit: { limit: 2, windowSeconds: 60 } });
    expect(codeOf(await verifier.verify(basic))).toBe('ok');
    expect(codeOf(await verifier.verify(basic))).toBe('ok');
    for (let i = 0; i < 5; i++) expect(codeOf(await verifier.verify(basic))).toBe('RATE_LIMIT_EXCEEDED');
    const store = new MemoryDecisionStore();
    const fresh = setup({ rateLimit: { limit: 2, windowSeconds: 60 }, store });
    const unknown = await fresh.verifier.verify({
      ...basic,
      headers: { authorization: basicAuthorization('pk_live_Nobody0000000000') },
    });
    expect(codeOf(unknown)).toBe('INVALID_API_KEY');
    expect(store.usage.keys).toBe(0);
  });

  it('uses the per-key override from the key record', async () => {
    const { verifier } = setup();
    const readOnly = {
      method: 'GET',
      target: '/',
      headers: { authorization: 'Bearer pk_test_ReadOnlyPublic000001', 'x-api-secret': 'sk_test_ReadOnlySecret000001' },
    };
    const first = await verifier.verify(readOnly);
    expect(first.headers['x-ratelimit-limit']).toBe('2');
    await verifier.verify(readOnly);
    expect(codeOf(await verifier.verify(readOnly))).toBe('RATE_LIMIT_EXCEEDED');
    expect((await verifier.verify(basic)).headers['x-ratelimit-limit']).toBe('60');
  });

  it('admits exactly the limit among 500 concurrent requests', async () => {
    const { verifier } = setup();
    const results = await Promise.all(Array.from({ length: 500 }, () => verifier.verify(basic)));
    const counts: Record<string, number> = {};
    for (const result of results) counts[codeOf(result)] = (counts[codeOf(result)] ?? 0) + 1;
    expect(counts).toEqual({ ok: 60, RATE_LIMIT_EXCEEDED: 440 });
  });

  it('rateLimit: false turns the limiter off', async () => {
    const { verifier } = setup({ rateLimit: false });
    const result = await verifier.verify(basic);
    expect(codeOf(result)).toBe('ok');
    expect(result.headers['x-ratelimit-limit']).toBeUndefined();
  });

  it('rateLimit: false still limits a key whose record has its own limit', async () => {
    const { verifier } = setup({ rateLimit: false });
    const readOnly = {
      method: 'GET',
      target: '/',
      headers: { authorization: 'Bearer pk_test_ReadOnlyPublic000001', 'x-api-secret': 'sk_test_ReadOnlySecret000001' },
    };
    expect((await Promise.all([1, 2, 3].map(() => verifier.verify(readOnly)))).map(codeOf)).toEqual([
      'ok',
      'ok',
      'RATE_LIMIT_EXCEEDED',
    ]);
  });
});

// Ported from the MemoryRateLimitStore tests: the limiter half of the MemoryDecisionStore keeps the same bounds.
describe('the memory store keeps its bounds', () => {
  const limit = (n: number) => ({ limit: n, windowMs: 60_000 });

  it('tracks at most maxKeys keys under 1e5 distinct keys', () => {
    const store = new MemoryDecisionStore({ maxKeys: 1000 });
    for (let i = 0; i < 100_000; i++) store.decide({ key: `key_${i}`, now: VECTOR_TIME, limit: limit(60) });
    expect(store.usage.keys).toBe(1000);
  });

  it('keeps the logs within maxBytes at a high limit, forgetting least recently used keys', () => {
    const store = new MemoryDecisionStore({ maxBytes: 1024 * 1024 });
    for (let key = 0; key < 100; key++) {
      for (let i = 0; i < 2000; i++) store.decide({ key: `key_${key}`, now: VECTOR_TIME + i, limit: limit(10_000) });
    }
    expect(store.usage.limiterBytes).toBeLessThanOrEqual(1024 * 1024);
    // Each key is accounted at a full window: 10 000 × 8 bytes plus overhead.
    expect(store.usage.keys).toBe(Math.floor((1024 * 1024) / (80_000 + 450)));
  });
});

describe('limits too large for the memory bound', () => {
  it('are refused at start-up, naming the option or the key of the keys file', () => {
    expect(() => setup({ rateLimit: { limit: 9_000_000, windowSeconds: 60 } })).toThrow(
      'keygate: option "rateLimit.limit" is too large for the memory store (MemoryDecisionStore: a limit of 9000000 needs 72000450 bytes per key, ' +
        'more than maxBytes (67108864)): lower it, or pass store: new MemoryDecisionStore({ maxBytes }) with a larger bound',
    );
    const file = keysFile();
    file.keys.push({
      id: 'key_huge',
      tenant: 'acme',
      key: 'pk_live_HugeLimitKey0000000001',
      rateLimit: { limit: 10_000_000, windowSeconds: 60 },
    });
    expect(() => createVerifier({ keys: file })).toThrow(
      /key "key_huge": field "rateLimit.limit" is too large for the memory store/,
    );
    // The same limit fits a store given a larger bound.
    expect(() => createVerifier({ keys: file, store: new MemoryDecisionStore({ maxBytes: 2 ** 30 }) })).not.toThrow();
    // A shared store takes any limit, but failing open falls back on a default-sized in-process store.
    const shared: DecisionStore = { decide: () => Promise.reject(new Error('down')) };
    expect(() => createVerifier({ keys: file, store: shared })).not.toThrow();
    expect(() => createVerifier({ keys: file, store: shared, failOpen: true })).toThrow(
      /key "key_huge": field "rateLimit.limit" is too large for the in-process store that failOpen falls back on/,
    );
  });

  it('from a key store that cannot be listed, fail loudly per request (503 + reported error), never silently uncounted', async () => {
    const errors: unknown[] = [];
    const record = {
      id: 'key_db',
      tenantId: 'acme',
      tenantStatus: 'active',
      kind: 'basic',
      environment: 'live',
      rateLimit: { limit: 9_000_000, windowSeconds: 60 },
    } as const;
    const { verifier } = setup({
      keys: { findByKeyHash: () => record, findByPublicKey: () => undefined },
      onStoreError: (error) => errors.push(error),
    });
    const result = await verifier.verify(basic);
    expect(codeOf(result)).toBe('AUTH_UNAVAILABLE');
    expect(String(errors[0])).toMatch(/limit of 9000000 needs .* more than maxBytes/);
  });
});

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  basicAuthorization,
  CachedKeyStore,
  createVerifier,
  MemoryKeyStore,
  type KeyRecord,
  type KeyStore,
} from '../../src/index.js';
import { codeOf, keysFile, manualClock, pairHeaders, signed, VECTOR_KEY, VECTOR_PUBLIC } from '../helpers.js';

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const VECTOR_HASH = sha256Hex(VECTOR_KEY);
const UNKNOWN_HASH = sha256Hex('pk_live_NoSuchKey0000000000001');

/**
 * An inner store over `keysFile()` that counts its calls, answers synchronously or after `delayMs`, can fail,
 * and can be changed under the cache (`replace`, `remove`).
 */
function innerStore(options: { delayMs?: number } = {}) {
  const memory = new MemoryKeyStore(keysFile());
  const changed = new Map<string, KeyRecord | undefined>();
  const calls = { byKeyHash: 0, byPublicKey: 0 };
  let failure: Error | undefined;
  const answer = (record: KeyRecord | undefined): KeyRecord | undefined | Promise<KeyRecord | undefined> => {
    const error = failure;
    if (options.delayMs === undefined) {
      if (error) throw error;
      return record;
    }
    return new Promise((resolve, reject) =>
      setTimeout(() => (error ? reject(error) : resolve(record)), options.delayMs),
    );
  };
  const store: KeyStore = {
    findByKeyHash(keyHash) {
      calls.byKeyHash++;
      return answer(changed.has(`h:${keyHash}`) ? changed.get(`h:${keyHash}`) : memory.findByKeyHash(keyHash));
    },
    findByPublicKey(publicKey) {
      calls.byPublicKey++;
      return answer(changed.has(`p:${publicKey}`) ? changed.get(`p:${publicKey}`) : memory.findByPublicKey(publicKey));
    },
  };
  return {
    store,
    calls,
    /** What the inner store answers from now on for a key hash (`h:…`) or public key (`p:…`). */
    replace: (lookup: string, record: KeyRecord | undefined) => void changed.set(lookup, record),
    fail: (error: Error | undefined) => void (failure = error),
  };
}

describe('CachedKeyStore', () => {
  it("never answers one lookup with the other's entry, whatever string a caller passes as a hash", async () => {
    const inner = innerStore();
    const cached = new CachedKeyStore(inner.store);
    expect((await cached.findByPublicKey(VECTOR_PUBLIC))?.id).toBe('key_pair');
    expect(await cached.findByKeyHash(`p:${VECTOR_PUBLIC}`)).toBeUndefined();
    expect((await cached.findByKeyHash(VECTOR_HASH))?.id).toBe('key_vector');
    expect(await cached.findByPublicKey(VECTOR_HASH)).toBeUndefined();
    expect(inner.calls).toEqual({ byKeyHash: 2, byPublicKey: 2 });
  });

  it('caches found and not-found answers per lookup: the inner store is asked once for each', async () => {
    const inner = innerStore();
    const cached = new CachedKeyStore(inner.store);
    for (let i = 0; i < 5; i++) {
      expect((await cached.findByKeyHash(VECTOR_HASH))?.id).toBe('key_vector');
      expect(await cached.findByKeyHash(UNKNOWN_HASH)).toBeUndefined();
      expect((await cached.findByPublicKey(VECTOR_PUBLIC))?.id).toBe('key_pair');
      expect(await cached.findByPublicKey('pk_test_NoSuchPublicKey00001')).toBeUndefined();
    }
    expect(inner.calls).toEqual({ byKeyHash: 2, byPublicKey: 2 });
    // A hit answers synchronously, as a value.
    expect(cached.findByKeyHash(VECTOR_HASH)).toMatchObject({ id: 'key_vector' });
  });

  it('sees a key revoked or deleted in the inner store once ttlMs has passed, and not-found answers end after negativeTtlMs', async () => {
    const clock = manualClock();
    const inner = innerStore({ delayMs: 1 });
    const cached = new CachedKeyStore(inner.store, { ttlMs: 30_000, negativeTtlMs: 5_000, now: clock.now });
    const record = (await cached.findByKeyHash(VECTOR_HASH))!;
    const pair = (await cached.findByPublicKey(VECTOR_PUBLIC))!;
    expect(await cached.findByKeyHash(UNKNOWN_HASH)).toBeUndefined();

    inner.replace(`h:${VECTOR_HASH}`, { ...record, revoked: true });
    inner.replace(`p:${VECTOR_PUBLIC}`, undefined);
    inner.replace(`h:${UNKNOWN_HASH}`, { ...record, id: 'key_new' });

    clock.advance(4_999);
    expect(await cached.findByKeyHash(UNKNOWN_HASH)).toBeUndefined();
    clock.advance(1); // negativeTtlMs reached: the new key appears
    expect((await cached.findByKeyHash(UNKNOWN_HASH))?.id).toBe('key_new');

    clock.set(clock.now() - 5_000 + 29_999); // 1 ms before ttlMs: still the cached, unrevoked answers
    expect((await cached.findByKeyHash(VECTOR_HASH))?.revoked).toBeUndefined();
    expect((await cached.findByPublicKey(VECTOR_PUBLIC))?.id).toBe(pair.id);
    clock.advance(1); // ttlMs reached
    expect((await cached.findByKeyHash(VECTOR_HASH))?.revoked).toBe(true);
    expect(await cached.findByPublicKey(VECTOR_PUBLIC)).toBeUndefined();
    expect(inner.calls).toEqual({ byKeyHash: 4, byPublicKey: 2 });
  });

  it('defaults: ttlMs 30 000 ms, negativeTtlMs = ttlMs', async () => {
    const clock = manualClock();
    const inner = innerStore();
    const cached = new CachedKeyStore(inner.store, { now: clock.now });
    await cached.findByKeyHash(VECTOR_HASH);
    await cached.findByKeyHash(UNKNOWN_HASH);
    clock.advance(29_999);
    await cached.findByKeyHash(VECTOR_HASH);
    await cached.findByKeyHash(UNKNOWN_HASH);
    expect(inner.calls.byKeyHash).toBe(2);
    clock.advance(1);
    await cached.findByKeyHash(VECTOR_HASH);
    await cached.findByKeyHash(UNKNOWN_HASH);
    expect(inner.calls.byKeyHash).toBe(4);
  });

  it('50 concurrent misses of one key share one inner lookup, and the in-flight lookup is forgotten once settled', async () => {
    const clock = manualClock();
    const inner = innerStore({ delayMs: 20 });
    const cached = new CachedKeyStore(inner.store, { now: clock.now });
    const answers = await Promise.all([
      ...Array.from({ length: 50 }, () => cached.findByKeyHash(VECTOR_HASH)),
      ...Array.from({ length: 50 }, () => cached.findByPublicKey(VECTOR_PUBLIC)),
      ...Array.from({ length: 50 }, () => cached.findByKeyHash(UNKNOWN_HASH)),
    ]);
    expect(answers.slice(0, 50).every((record) => record?.id === 'key_vector')).toBe(true);
    expect(answers.slice(50, 100).every((record) => record?.id === 'key_pair')).toBe(true);
    expect(answers.slice(100).every((record) => record === undefined)).toBe(true);
    expect(inner.calls).toEqual({ byKeyHash: 2, byPublicKey: 1 });
    clock.advance(30_000); // expired: a new miss asks again (the settled lookup is not served any more)
    expect((await cached.findByKeyHash(VECTOR_HASH))?.id).toBe('key_vector');
    expect(inner.calls.byKeyHash).toBe(3);
  });

  it('an inner failure reaches every waiter, is not cached, and the next lookup asks again', async () => {
    const inner = innerStore({ delayMs: 10 });
    const cached = new CachedKeyStore(inner.store);
    const down = new Error('database down');
    inner.fail(down);
    const settled = await Promise.allSettled(Array.from({ length: 20 }, () => cached.findByKeyHash(VECTOR_HASH)));
    expect(settled.map((result) => (result.status === 'rejected' ? result.reason : 'fulfilled'))).toEqual(
      Array(20).fill(down),
    );
    expect(inner.calls.byKeyHash).toBe(1);
    await expect(cached.findByKeyHash(VECTOR_HASH)).rejects.toBe(down); // asked again, not served a cached failure
    expect(inner.calls.byKeyHash).toBe(2);
    inner.fail(undefined);
    expect((await cached.findByKeyHash(VECTOR_HASH))?.id).toBe('key_vector');
    expect(inner.calls.byKeyHash).toBe(3);

    const sync = innerStore();
    const cachedSync = new CachedKeyStore(sync.store);
    sync.fail(down);
    expect(() => cachedSync.findByPublicKey(VECTOR_PUBLIC)).toThrow(down);
    sync.fail(undefined);
    expect(cachedSync.findByPublicKey(VECTOR_PUBLIC)).toMatchObject({ id: 'key_pair' });
    expect(sync.calls.byPublicKey).toBe(2);
  });

  it('invalidate(id) drops the key-hash and the public-key answers of that id, and only those', async () => {
    const inner = innerStore();
    const cached = new CachedKeyStore(inner.store);
    const record = (await cached.findByPublicKey(VECTOR_PUBLIC))!;
    // The same key id reached by a key hash too (a store may index one record both ways).
    inner.replace(`h:${VECTOR_HASH}`, record);
    expect((await cached.findByKeyHash(VECTOR_HASH))?.id).toBe('key_pair');
    expect((await cached.findByPublicKey('pk_live_LivePublic0000000001'))?.id).toBe('key_live_pair');
    expect(inner.calls).toEqual({ byKeyHash: 1, byPublicKey: 2 });

    inner.replace(`h:${VECTOR_HASH}`, { ...record, revoked: true });
    inner.replace(`p:${VECTOR_PUBLIC}`, { ...record, revoked: true });
    cached.invalidate('key_pair');
    expect((await cached.findByKeyHash(VECTOR_HASH))?.revoked).toBe(true);
    expect((await cached.findByPublicKey(VECTOR_PUBLIC))?.revoked).toBe(true);
    expect((await cached.findByPublicKey('pk_live_LivePublic0000000001'))?.id).toBe('key_live_pair');
    expect(inner.calls).toEqual({ byKeyHash: 2, byPublicKey: 3 });
    cached.invalidate('no_such_id');
    expect(inner.calls).toEqual({ byKeyHash: 2, byPublicKey: 3 });
  });

  it('invalidate(id) during an inner lookup: the lookup started before is not cached', async () => {
    const inner = innerStore({ delayMs: 10 });
    const cached = new CachedKeyStore(inner.store);
    const before = cached.findByKeyHash(VECTOR_HASH);
    cached.invalidate('key_vector');
    inner.replace(`h:${VECTOR_HASH}`, undefined);
    expect((await before)?.id).toBe('key_vector');
    expect(await cached.findByKeyHash(VECTOR_HASH)).toBeUndefined();
    expect(inner.calls.byKeyHash).toBe(2);
  });

  it('clear() drops every answer', async () => {
    const inner = innerStore();
    const cached = new CachedKeyStore(inner.store);
    await cached.findByKeyHash(VECTOR_HASH);
    await cached.findByKeyHash(UNKNOWN_HASH);
    expect(cached.size).toBe(2);
    cached.clear();
    expect(cached.size).toBe(0);
    await cached.findByKeyHash(VECTOR_HASH);
    await cached.findByKeyHash(UNKNOWN_HASH);
    expect(inner.calls.byKeyHash).toBe(4);
  });

  it('holds at most max answers, the least recently used leaving first, and keeps the id index in step', async () => {
    const inner = innerStore();
    const cached = new CachedKeyStore(inner.store, { max: 3 });
    const hashes = Array.from({ length: 10 }, (_, i) => sha256Hex(`unknown-${i}`));
    for (const hash of hashes) await cached.findByKeyHash(hash);
    expect(cached.size).toBe(3);
    expect(inner.calls.byKeyHash).toBe(10);
    await cached.findByKeyHash(hashes[9]!); // held
    expect(inner.calls.byKeyHash).toBe(10);
    await cached.findByKeyHash(hashes[0]!); // evicted long ago
    expect(inner.calls.byKeyHash).toBe(11);

    // Records evicted from the cache leave the id index: many distinct ids, index never above `max`.
    for (let i = 0; i < 100; i++)
      inner.replace(`h:${hashes[i % 10]}`, { ...(await inner.store.findByKeyHash(VECTOR_HASH))!, id: `id_${i}` });
    for (let i = 0; i < 100; i++) {
      cached.clear();
      await cached.findByKeyHash(hashes[i % 10]!);
    }
    const index = (cached as unknown as { byId: Map<string, Set<string>> }).byId;
    for (let i = 0; i < 10; i++) await cached.findByKeyHash(sha256Hex(`other-${i}`));
    expect(cached.size).toBe(4); // one found answer and the three most recent misses
    expect(index.size).toBe(1); // misses never push a found answer out
  });

  it("keeps not-found answers in a bound of their own: a flood of made-up keys never evicts a real client's key", async () => {
    const inner = innerStore();
    const cached = new CachedKeyStore(inner.store, { max: 2, negativeMax: 5 });
    expect(await cached.findByKeyHash(VECTOR_HASH)).toBeDefined();
    for (let i = 0; i < 1000; i++) await cached.findByKeyHash(sha256Hex(`guess-${i}`));
    expect(cached.size).toBe(6);
    const calls = inner.calls.byKeyHash;
    expect(await cached.findByKeyHash(VECTOR_HASH)).toBeDefined();
    expect(inner.calls.byKeyHash).toBe(calls); // still a hit
    await cached.findByKeyHash(sha256Hex('guess-999')); // the latest misses are held
    expect(inner.calls.byKeyHash).toBe(calls);
    await cached.findByKeyHash(sha256Hex('guess-0'));
    expect(inner.calls.byKeyHash).toBe(calls + 1);
    expect(() => new CachedKeyStore(inner.store, { negativeMax: 0 })).toThrow(
      /"negativeMax" must be a positive integer/,
    );
  });

  it('validates its options with TypeErrors naming the field', () => {
    const { store } = innerStore();
    expect(() => new CachedKeyStore(store, { max: 0 })).toThrow(/"max" must be a positive integer/);
    expect(() => new CachedKeyStore(store, { max: 1.5 })).toThrow(TypeError);
    expect(() => new CachedKeyStore(store, { ttlMs: -1 })).toThrow(/"ttlMs" must be a positive integer/);
    expect(() => new CachedKeyStore(store, { ttlMs: Number.NaN })).toThrow(/"ttlMs"/);
    expect(() => new CachedKeyStore(store, { negativeTtlMs: 0 })).toThrow(/"negativeTtlMs" must be a positive integer/);
    expect(() => new CachedKeyStore(store, { now: 5 as unknown as () => number })).toThrow(/"now"/);
    expect(() => new CachedKeyStore(store, { maxEntries: 5 } as never)).toThrow(/unknown option "maxEntries"/);
    expect(() => new CachedKeyStore({} as KeyStore)).toThrow(/"inner" must be a KeyStore/);
    expect(() => new CachedKeyStore(store, { max: 1, ttlMs: 1, negativeTtlMs: 1 })).not.toThrow();
  });
});

describe('CachedKeyStore through the verifier', () => {
  const basic = { method: 'GET', target: '/', headers: { authorization: basicAuthorization(VECTOR_KEY) } };
  const pair = { method: 'GET', target: '/', headers: pairHeaders() };

  function setup(delayMs?: number) {
    const clock = manualClock();
    const inner = innerStore(delayMs === undefined ? {} : { delayMs });
    const errors: unknown[] = [];
    const verifier = createVerifier({
      keys: new CachedKeyStore(inner.store, { now: clock.now }),
      now: clock.now,
      rateLimit: false,
      onStoreError: (error) => errors.push(error),
    });
    return { clock, inner, errors, verifier };
  }

  it.each([undefined, 5])(
    'a Basic key, a key pair and a signed request verify, each key looked up once (inner delay %s)',
    async (delayMs) => {
      const { verifier, inner } = setup(delayMs);
      for (let i = 0; i < 3; i++) {
        expect(codeOf(await verifier.verify(basic))).toBe('ok');
        expect(codeOf(await verifier.verify(pair))).toBe('ok');
      }
      const request = signed('POST', '/v1/payments', '{"amount":1}', { version: 'v2' });
      const result = await verifier.verify(request);
      expect(codeOf(result)).toBe('ok');
      expect(result.ok && result.auth.signed).toBe(true);
      expect(inner.calls).toEqual({ byKeyHash: 1, byPublicKey: 1 });
    },
  );

  it('a key revoked in the inner store is refused once the TTL has passed', async () => {
    const { verifier, inner, clock } = setup(1);
    expect(codeOf(await verifier.verify(basic))).toBe('ok');
    const record = (await inner.store.findByKeyHash(VECTOR_HASH))!;
    inner.replace(`h:${VECTOR_HASH}`, { ...record, revoked: true });
    clock.advance(29_999);
    expect(codeOf(await verifier.verify(basic))).toBe('ok');
    clock.advance(1);
    expect(codeOf(await verifier.verify(basic))).toBe('INVALID_API_KEY');
  });

  it('a failing inner store answers 503 AUTH_UNAVAILABLE, reported, and service comes back without a restart', async () => {
    const { verifier, inner, errors } = setup(2);
    inner.fail(new Error('database down'));
    const results = await Promise.all([verifier.verify(basic), verifier.verify(basic), verifier.verify(pair)]);
    expect(results.map(codeOf)).toEqual(['AUTH_UNAVAILABLE', 'AUTH_UNAVAILABLE', 'AUTH_UNAVAILABLE']);
    expect(results.map((result) => (result.ok ? 200 : result.error.status))).toEqual([503, 503, 503]);
    expect(errors).toHaveLength(3);
    inner.fail(undefined);
    expect(codeOf(await verifier.verify(basic))).toBe('ok');
    expect(codeOf(await verifier.verify(pair))).toBe('ok');
  });
});

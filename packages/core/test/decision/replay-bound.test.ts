import { describe, expect, it } from 'vitest';
import { MemoryDecisionStore } from '../../src/decision/memory-store.js';
import { StoreFullError } from '../../src/decision/store-full-error.js';
import type { Admission, Decision } from '../../src/types.js';

const T0 = Date.UTC(2030, 0, 1);
const KEPT_MS = 360_000;
const KIB = 1024;
/** A scaled-down bound: a few thousand signatures, so filling it twice over stays fast. */
const SMALL = 36 * KIB;

function signed(id: string, now: number, limit?: Admission['limit'], key = 'key_a'): Admission {
  return { key, now, limit, signature: { id, expiresAt: now + KEPT_MS } };
}

/** The store's answer, or 'full' when it threw `StoreFullError` (any other error fails the test). */
function outcome(store: MemoryDecisionStore, admission: Admission): Decision['outcome'] | 'full' {
  try {
    return store.decide(admission).outcome;
  } catch (error) {
    if (error instanceof StoreFullError) return 'full';
    throw error;
  }
}

/** How many distinct signatures, all arriving at `now`, a fresh store of `maxReplayBytes` admits before it is full. */
function capacityOf(maxReplayBytes: number, now = T0): number {
  const store = new MemoryDecisionStore({ maxReplayBytes });
  let admitted = 0;
  // Bounded, so a store that never fills fails the test instead of hanging it.
  while (admitted < 1e6 && outcome(store, signed(`probe_${admitted}`, now)) === 'admitted') admitted++;
  return admitted;
}

/** Fills a store of `SMALL` bytes at `now` until it throws; returns it with the ids it admitted. */
function fullStore(now = T0): { store: MemoryDecisionStore; admitted: string[] } {
  const store = new MemoryDecisionStore({ maxReplayBytes: SMALL });
  const admitted: string[] = [];
  for (let i = 0; i < 1e6; i++) {
    const id = `fill_${i}`;
    if (outcome(store, signed(id, now)) === 'full') return { store, admitted };
    admitted.push(id);
  }
  throw new Error('the store never filled');
}

describe('MemoryDecisionStore replay table bound', () => {
  it('after 2× its capacity of distinct signatures from a rate-limited key, an earlier live signature is still refused', () => {
    const capacity = capacityOf(SMALL);
    expect(capacity).toBeGreaterThan(1000);
    const store = new MemoryDecisionStore({ maxReplayBytes: SMALL });
    const limit = { limit: 60, windowMs: 60_000 };
    const outcomes = { admitted: 0, 'rate-limited': 0, replayed: 0, full: 0 };
    for (let i = 0; i < 2 * capacity; i++) outcomes[outcome(store, signed(`sig_${i}`, T0 + Math.floor(i / 100), limit))]++;
    expect(outcomes).toEqual({ admitted: 60, 'rate-limited': 2 * capacity - 60, replayed: 0, full: 0 });
    expect(outcome(store, signed('sig_0', T0 + 59_000, limit))).toBe('replayed');
    expect(outcome(store, signed('sig_59', T0 + 59_000, limit))).toBe('replayed');
    // The 429s left nothing behind: still the one table the first signature started.
    expect(store.usage.replayBytes).toBe(12 * KIB);
  });

  it('never admits a live signature twice: after 2× capacity spread over generations, each earlier one is still replayed', () => {
    const capacity = capacityOf(SMALL);
    const spreadMs = 100; // expiries fall into five one-minute generations
    expect(2 * capacity * spreadMs).toBeLessThan(KEPT_MS - 10_000);
    const store = new MemoryDecisionStore({ maxReplayBytes: SMALL });
    const first = Array.from({ length: 2 * capacity }, (_, i) => outcome(store, signed(`sig_${i}`, T0 + i * spreadMs)));
    expect(first.filter((answer) => answer === 'full').length).toBeGreaterThan(capacity / 2);
    expect(first.filter((answer) => answer !== 'full' && answer !== 'admitted')).toEqual([]);
    expect(store.usage.replayBytes).toBeLessThanOrEqual(SMALL);
    // Still inside every window: each admitted one is refused, whatever the store had to turn away since.
    const resent = T0 + 2 * capacity * spreadMs;
    const again = first.map((answer, i) => (answer === 'admitted' ? outcome(store, signed(`sig_${i}`, resent + i)) : 'replayed'));
    expect(again.filter((answer) => answer !== 'replayed')).toEqual([]);
  });

  it('sustains 1 000 signed requests/s for 12 minutes, each kept 360 s, within a tenth of the default bound', () => {
    const bound = Math.floor(25.6 * 1024 * KIB);
    const store = new MemoryDecisionStore({ maxReplayBytes: bound });
    let peak = 0;
    let admitted = 0;
    for (let i = 0; i < 720_000; i++) {
      const now = T0 + i; // one request per millisecond
      if (store.decide({ key: 'key_a', now, signature: { id: `s${i}`, expiresAt: now + KEPT_MS } }).outcome === 'admitted') admitted++;
      if (i % 1000 === 0) peak = Math.max(peak, store.usage.replayBytes);
    }
    expect(admitted).toBe(720_000);
    expect(peak).toBeLessThanOrEqual(bound);
    const end = T0 + 720_000;
    expect(store.decide({ key: 'key_a', now: end, signature: { id: 's360001', expiresAt: T0 + 720_001 } }).outcome).toBe('replayed');
    expect(store.decide({ key: 'key_a', now: end, signature: { id: 's359999', expiresAt: T0 + 719_999 } }).outcome).toBe('admitted');
  });

  it('a full store throws StoreFullError and counts nothing', () => {
    const { store } = fullStore();
    const limit = { limit: 2, windowMs: 60_000 };
    expect(() => store.decide(signed('sig_new', T0 + 1, limit, 'key_b'))).toThrow(StoreFullError);
    expect(store.usage.keys).toBe(0);
    // Not remembered either: sent again, it is refused for the same reason, not as a replay.
    expect(outcome(store, signed('sig_new', T0 + 2, limit, 'key_b'))).toBe('full');
    expect(store.decide({ key: 'key_b', now: T0 + 3, limit })).toEqual({ outcome: 'admitted', rateLimit: { remaining: 1, resetAt: T0 + 60_003 } });
  });

  it('StoreFullError says the replay table is full and which option raises the bound, and names no signature', () => {
    const { store } = fullStore();
    let thrown: unknown;
    try {
      store.decide(signed('sig_SECRET_0123456789abcdef', T0 + 1));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(StoreFullError);
    expect(thrown).toBeInstanceOf(Error);
    const error = thrown as StoreFullError;
    expect(error.name).toBe('StoreFullError');
    expect(error.message).toMatch(/replay table is full/);
    expect(error.message).toMatch(/maxReplayBytes/);
    expect(error.message).not.toMatch(/SECRET|0123456789abcdef|sig_/);
  });

  it('a full store recovers as signatures expire, and admits again only expired ones', () => {
    const { store, admitted } = fullStore();
    expect(outcome(store, signed('sig_late', T0 + 1))).toBe('full');
    expect(outcome(store, { key: 'key_a', now: T0 + KEPT_MS - 1, signature: { id: admitted[0]!, expiresAt: T0 + KEPT_MS } })).toBe('replayed');
    // Past their expiry, the old table is dropped whole: room again, and the old ids are new again.
    const later = T0 + KEPT_MS + 60_000;
    expect(outcome(store, signed('sig_late', later))).toBe('admitted');
    expect(outcome(store, signed(admitted[0]!, later))).toBe('admitted');
    expect(store.usage.replayGenerations).toBe(1);
  });

  it('frees the tables of generations that have passed, and only those', () => {
    const store = new MemoryDecisionStore();
    // One signature expiring in each of five one-minute generations.
    for (let g = 1; g <= 5; g++) store.decide({ key: 'key_a', now: T0, signature: { id: `sig_${g}`, expiresAt: T0 + g * 60_000 + 30_000 } });
    expect(store.usage).toMatchObject({ replayGenerations: 5, replayBytes: 5 * 12 * KIB });
    // At +3 min 59 s the generations of +1 min and +2 min have passed; +3 min (sig_3 expired, the minute not over) stays.
    const now = T0 + 239_000;
    expect(store.decide({ key: 'key_a', now, signature: { id: 'sig_4', expiresAt: 0 } }).outcome).toBe('replayed');
    expect(store.usage).toMatchObject({ replayGenerations: 3, replayBytes: 3 * 12 * KIB });
    expect(store.decide({ key: 'key_a', now: T0 + 240_000, signature: { id: 'sig_5', expiresAt: 0 } }).outcome).toBe('replayed');
    expect(store.usage).toMatchObject({ replayGenerations: 2, replayBytes: 2 * 12 * KIB });
  });

  it('keeps every signature while its table grows', () => {
    const store = new MemoryDecisionStore();
    for (let i = 0; i < 20_000; i++) store.decide(signed(`sig_${i}`, T0));
    expect(store.usage.replayBytes).toBe(32_768 * 12); // grown from 1 024 slots five times
    let replayed = 0;
    for (let i = 0; i < 20_000; i++) if (store.decide(signed(`sig_${i}`, T0 + 1)).outcome === 'replayed') replayed++;
    expect(replayed).toBe(20_000);
  });

  it('frees a grown table once its generation has passed', () => {
    const store = new MemoryDecisionStore();
    for (let i = 0; i < 5000; i++) store.decide(signed(`sig_${i}`, T0));
    const grown = store.usage.replayBytes;
    expect(grown).toBeGreaterThanOrEqual(8192 * 12);
    store.decide(signed('sig_after', T0 + KEPT_MS + 60_000));
    expect(store.usage).toMatchObject({ replayGenerations: 1, replayBytes: 12 * KIB });
  });
});

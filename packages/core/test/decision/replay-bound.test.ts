import { describe, expect, it } from 'vitest';
import { MemoryDecisionStore } from '../../src/decision/memory-store.js';
import { StoreFullError } from '../../src/decision/store-full-error.js';
import type { Admission, Decision } from '../../src/types.js';

const T0 = Date.UTC(2030, 0, 1);
const KEPT_MS = 360_000;
const KIB = 1024;
const MIB = 1024 * KIB;
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
    for (let i = 0; i < 2 * capacity; i++)
      outcomes[outcome(store, signed(`sig_${i}`, T0 + Math.floor(i / 100), limit))]++;
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
    const again = first.map((answer, i) =>
      answer === 'admitted' ? outcome(store, signed(`sig_${i}`, resent + i)) : 'replayed',
    );
    expect(again.filter((answer) => answer !== 'replayed')).toEqual([]);
  });

  it('sustains 1 000 signed requests/s for 12 minutes, each kept 360 s, within a tenth of the default bound', () => {
    const bound = Math.floor(25.6 * 1024 * KIB);
    const store = new MemoryDecisionStore({ maxReplayBytes: bound });
    let peak = 0;
    let admitted = 0;
    for (let i = 0; i < 720_000; i++) {
      const now = T0 + i; // one request per millisecond
      if (
        store.decide({ key: 'key_a', now, signature: { id: `s${i}`, expiresAt: now + KEPT_MS } }).outcome === 'admitted'
      )
        admitted++;
      if (i % 1000 === 0) peak = Math.max(peak, store.usage.replayBytes);
    }
    expect(admitted).toBe(720_000);
    expect(peak).toBeLessThanOrEqual(bound);
    const end = T0 + 720_000;
    expect(
      store.decide({ key: 'key_a', now: end, signature: { id: 's360001', expiresAt: T0 + 720_001 } }).outcome,
    ).toBe('replayed');
    expect(
      store.decide({ key: 'key_a', now: end, signature: { id: 's359999', expiresAt: T0 + 719_999 } }).outcome,
    ).toBe('admitted');
  });

  it('a full store throws StoreFullError and counts nothing', () => {
    const { store } = fullStore();
    const limit = { limit: 2, windowMs: 60_000 };
    expect(() => store.decide(signed('sig_new', T0 + 1, limit, 'key_b'))).toThrow(StoreFullError);
    expect(store.usage.keys).toBe(0);
    // Not remembered either: sent again, it is refused for the same reason, not as a replay.
    expect(outcome(store, signed('sig_new', T0 + 2, limit, 'key_b'))).toBe('full');
    expect(store.decide({ key: 'key_b', now: T0 + 3, limit })).toEqual({
      outcome: 'admitted',
      rateLimit: { remaining: 1, resetAt: T0 + 60_003 },
    });
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
    expect(
      outcome(store, { key: 'key_a', now: T0 + KEPT_MS - 1, signature: { id: admitted[0]!, expiresAt: T0 + KEPT_MS } }),
    ).toBe('replayed');
    // Past their expiry, the old table is dropped whole: room again, and the old ids are new again.
    const later = T0 + KEPT_MS + 60_000;
    expect(outcome(store, signed('sig_late', later))).toBe('admitted');
    expect(outcome(store, signed(admitted[0]!, later))).toBe('admitted');
    expect(store.usage.replayGenerations).toBe(1);
  });

  it('frees the tables of generations that have passed, and only those', () => {
    const store = new MemoryDecisionStore();
    // One signature expiring in each of five one-minute generations.
    for (let g = 1; g <= 5; g++)
      store.decide({ key: 'key_a', now: T0, signature: { id: `sig_${g}`, expiresAt: T0 + g * 60_000 + 30_000 } });
    expect(store.usage).toMatchObject({ replayGenerations: 5, replayBytes: 5 * 12 * KIB });
    // At +3 min 59 s the generations of +1 min and +2 min have passed; +3 min (sig_3 expired, the minute not over) stays.
    const now = T0 + 239_000;
    expect(store.decide({ key: 'key_a', now, signature: { id: 'sig_4', expiresAt: 0 } }).outcome).toBe('replayed');
    expect(store.usage).toMatchObject({ replayGenerations: 3, replayBytes: 3 * 12 * KIB });
    expect(store.decide({ key: 'key_a', now: T0 + 240_000, signature: { id: 'sig_5', expiresAt: 0 } }).outcome).toBe(
      'replayed',
    );
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

describe('the default MemoryDecisionStore (maxReplayBytes 256 MiB) at 10 000 signed requests/s', () => {
  const PER_SECOND = 10_000;
  /** The verifier keeps a signature until its timestamp + the default 300 s window + a 60 s margin... */
  const HONEST_MS = 360_000;
  /** ...and accepts timestamps up to the window (300 s) ahead of its clock. */
  const AHEAD_MS = 660_000;
  /** What the default store is sized for: 10 000 signatures/s, each kept 360 s. */
  const SIZED_FOR = PER_SECOND * (HONEST_MS / 1000);

  /**
   * Most generation tables a stream of signatures, each kept `keptMs`, holds at once. Which tables are held
   * depends on the span of the live expiries, not on the rate, so a stream of 10/s over 15 minutes shows it.
   */
  function mostGenerations(keptMs: number): number {
    const store = new MemoryDecisionStore();
    let most = 0;
    for (let i = 0; i < 9000; i++) {
      const now = T0 + i * 100 + 37;
      store.decide({ key: 'key_a', now, signature: { id: `gen_${i}`, expiresAt: now + keptMs } });
      most = Math.max(most, store.usage.replayGenerations);
    }
    return most;
  }

  it('holds them over the default window within 256 MiB: a minute of expiries takes one 13 MiB table, and at most 8 are held at once (13 with every timestamp 300 s ahead)', () => {
    const store = new MemoryDecisionStore();
    // One minute of expiries at 10 000/s: 10 signatures a millisecond, kept 360 s; rounded up to the second,
    // their expiries fall in one minute.
    const perMinute = PER_SECOND * 60;
    const at = (i: number): number => T0 - 999 + Math.floor(i / 10);
    for (let i = 0; i < perMinute; i++) {
      if (
        store.decide({ key: 'key_a', now: at(i), signature: { id: `sig_${i}`, expiresAt: at(i) + HONEST_MS } })
          .outcome !== 'admitted'
      ) {
        throw new Error(`signature ${i} was not admitted`);
      }
    }
    expect(store.usage.replayGenerations).toBe(1);
    const minuteBytes = store.usage.replayBytes;
    // 2^20 slots (600 000 is under 75 % of them), 12 bytes each, and the summary in front: 1 byte a slot.
    expect(minuteBytes).toBe(2 ** 20 * 13);
    // All of them remembered (the summary never hides one).
    const end = at(perMinute);
    let replayed = 0;
    for (let i = 0; i < perMinute; i++) {
      if (
        store.decide({ key: 'key_a', now: end, signature: { id: `sig_${i}`, expiresAt: at(i) + HONEST_MS } })
          .outcome === 'replayed'
      )
        replayed++;
    }
    expect(replayed).toBe(perMinute);

    // Each table holds one minute of expiries, so at most `minuteBytes`; one table at a time may be doubling
    // (its old half and new whole both counted): the bound is (tables + ½) minutes of expiries.
    const honest = mostGenerations(HONEST_MS);
    const ahead = mostGenerations(AHEAD_MS);
    expect([honest, ahead]).toEqual([8, 13]);
    const peak = (tables: number): number => (tables + 0.5) * minuteBytes;
    // The figures in MemoryDecisionStore's documentation, both within the default bound.
    expect([peak(honest) / MIB, peak(ahead) / MIB]).toEqual([110.5, 175.5]);
    expect(peak(ahead)).toBeLessThanOrEqual(256 * MIB);
  });

  it(`after 2× what it is sized for (${(2 * SIZED_FOR).toLocaleString('en')} distinct signatures) from a rate-limited key, every admitted signature is still refused`, () => {
    const store = new MemoryDecisionStore();
    const limit = { limit: 60, windowMs: 60_000 };
    // 7.2 M signatures over 300 s (24 000/s), each kept 360 s: all still inside their window at the end.
    const sent = 2 * SIZED_FOR;
    const spanMs = 300_000;
    const at = (i: number): number => T0 + Math.floor((i * spanMs) / sent);
    const admitted: number[] = [];
    for (let i = 0; i < sent; i++) {
      const outcome = store.decide({
        key: 'key_demo',
        now: at(i),
        limit,
        signature: { id: `sig_${i}`, expiresAt: at(i) + HONEST_MS },
      }).outcome;
      if (outcome === 'admitted') admitted.push(i);
      else if (outcome !== 'rate-limited') throw new Error(`signature ${i}: ${outcome}`);
    }
    // 60 a minute for 5 minutes, the first of them sig_0.
    expect(admitted.length).toBe(300);
    expect(admitted[0]).toBe(0);
    const end = T0 + spanMs;
    for (const i of admitted) {
      expect(
        store.decide({ key: 'key_demo', now: end, limit, signature: { id: `sig_${i}`, expiresAt: at(i) + HONEST_MS } })
          .outcome,
      ).toBe('replayed');
    }
    // The 429s took no room: one table per minute of admissions (5), none grown past its first 1 024 slots.
    expect(store.usage).toMatchObject({ replayGenerations: 5, replayBytes: 5 * 12 * KIB });
  });
});

import { describe, expect, it } from 'vitest';
import { MemoryDecisionStore } from '../../src/decision/memory-store.js';
import type { Admission } from '../../src/types.js';

const T0 = Date.UTC(2030, 0, 1);

function limited(key: string, now: number, limit: number, windowMs: number): Admission {
  return { key, now, limit: { limit, windowMs } };
}

describe('MemoryDecisionStore sliding-window limiter', () => {
  it('admits exactly the limit in a window, then refuses until the oldest admission leaves it', () => {
    const store = new MemoryDecisionStore();
    const at = (offset: number) => store.decide(limited('key_a', T0 + offset, 3, 10_000));
    expect(at(0)).toEqual({ outcome: 'admitted', rateLimit: { remaining: 2, resetAt: T0 + 10_000 } });
    expect(at(1_000)).toEqual({ outcome: 'admitted', rateLimit: { remaining: 1, resetAt: T0 + 10_000 } });
    expect(at(2_000)).toEqual({ outcome: 'admitted', rateLimit: { remaining: 0, resetAt: T0 + 10_000 } });
    expect(at(5_000)).toEqual({ outcome: 'rate-limited', rateLimit: { remaining: 0, resetAt: T0 + 10_000 } });
    expect(at(9_999)).toEqual({ outcome: 'rate-limited', rateLimit: { remaining: 0, resetAt: T0 + 10_000 } });
    // Exactly one slot frees at +10 s; the next oldest is then +1 s.
    expect(at(10_000)).toEqual({ outcome: 'admitted', rateLimit: { remaining: 0, resetAt: T0 + 11_000 } });
    expect(at(10_500).outcome).toBe('rate-limited');
    expect(at(11_000).outcome).toBe('admitted');
  });

  it('never admits more than the limit inside any window-long span, and refusals use no quota', () => {
    const store = new MemoryDecisionStore();
    const admitted: number[] = [];
    for (let t = 0; t < 240_000; t += 700) {
      if (store.decide(limited('key_a', T0 + t, 5, 60_000)).outcome === 'admitted') admitted.push(t);
    }
    for (let i = 0; i + 5 < admitted.length; i++)
      expect(admitted[i + 5]! - admitted[i]!).toBeGreaterThanOrEqual(60_000);
    // Refusals that counted would push every later admission back; uncounted, 5 get in per minute.
    expect(admitted).toHaveLength(20);
  });

  it('keeps keys apart', () => {
    const store = new MemoryDecisionStore();
    expect(store.decide(limited('key_a', T0, 1, 60_000)).outcome).toBe('admitted');
    expect(store.decide(limited('key_b', T0, 1, 60_000)).outcome).toBe('admitted');
    expect(store.decide(limited('key_a', T0 + 1, 1, 60_000)).outcome).toBe('rate-limited');
  });

  it('tracks only keys that had a request admitted', () => {
    const store = new MemoryDecisionStore();
    const signature = { id: 'sig_1', expiresAt: T0 + 360_000 };
    expect(store.decide({ key: 'key_a', now: T0, signature }).outcome).toBe('admitted');
    // A replay answers before the limiter: no log is started for it.
    expect(store.decide({ ...limited('key_a', T0 + 1, 5, 60_000), signature }).outcome).toBe('replayed');
    expect(store.usage.keys).toBe(0);
  });

  it('tracks at most maxKeys keys under 1e5 distinct keys', () => {
    const store = new MemoryDecisionStore({ maxKeys: 1000 });
    for (let i = 0; i < 100_000; i++) store.decide(limited(`key_${i}`, T0, 60, 60_000));
    expect(store.usage.keys).toBe(1000);
  });

  it('holds at most maxBytes, each key accounted at its full window', () => {
    const store = new MemoryDecisionStore({ maxBytes: 100_000 });
    const perKey = store.bytesPerKey(60);
    expect(perKey).toBe(930);
    for (let i = 0; i < 1000; i++) store.decide(limited(`key_${i}`, T0, 60, 60_000));
    expect(store.usage.keys).toBe(Math.floor(100_000 / perKey));
    expect(store.usage.limiterBytes).toBeLessThanOrEqual(100_000);
  });
});

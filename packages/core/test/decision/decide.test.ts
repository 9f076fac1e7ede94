import { describe, expect, it } from 'vitest';
import { MemoryDecisionStore } from '../../src/decision/memory-store.js';
import type { Admission } from '../../src/types.js';
import { seededRandom } from '../../../../test/support/random.js';

/** A whole minute in 2030: far from the real clock, so a store that read `Date.now` would be caught. */
const T0 = Date.UTC(2030, 0, 1);
const KEPT_MS = 360_000;

function signed(id: string, now: number, expiresAt = now + KEPT_MS, limit?: Admission['limit']): Admission {
  return { key: 'key_a', now, limit, signature: { id, expiresAt } };
}

describe('MemoryDecisionStore.decide', () => {
  it('answers synchronously with a plain value', () => {
    const decision = new MemoryDecisionStore().decide(signed('sig_1', T0));
    expect(decision).toEqual({ outcome: 'admitted' });
    expect(typeof (decision as { then?: unknown }).then).toBe('undefined');
  });

  it('admits a new signature, answers replayed until its expiry, then admits it again', () => {
    const store = new MemoryDecisionStore();
    expect(store.decide(signed('sig_1', T0, T0 + 10_000)).outcome).toBe('admitted');
    expect(store.decide(signed('sig_1', T0 + 1, T0 + 10_000)).outcome).toBe('replayed');
    expect(store.decide(signed('sig_1', T0 + 9_999, T0 + 10_000)).outcome).toBe('replayed');
    expect(store.decide(signed('sig_1', T0 + 10_000, T0 + 20_000)).outcome).toBe('admitted');
    expect(store.decide(signed('sig_1', T0 + 19_999, T0 + 20_000)).outcome).toBe('replayed');
  });

  it('remembers each signature exactly until its expiry (rounded up to the second), across generations', () => {
    const store = new MemoryDecisionStore();
    const next = seededRandom(8);
    const expiries: number[] = [];
    // 3000 signatures arriving over 10 minutes, each kept 1 s to 11 min, expiries not on whole seconds.
    for (let i = 0; i < 3000; i++) {
      const now = T0 + i * 200;
      const expiresAt = now + 1_000 + Math.floor(next() * 660_000);
      expiries.push(expiresAt);
      expect(store.decide(signed(`sig_${i}`, now, expiresAt)).outcome).toBe('admitted');
    }
    for (let check = T0 + 600_000; check <= T0 + 1_300_000; check += 35_000 + Math.floor(next() * 10_000)) {
      const wrong = expiries.filter((expiresAt, i) => {
        const live = Math.ceil(expiresAt / 1000) * 1000 > check;
        // Re-sent with its own (possibly past) expiry: an admitted one is not stored again.
        return store.decide(signed(`sig_${i}`, check, expiresAt)).outcome !== (live ? 'replayed' : 'admitted');
      });
      expect({ check, wrong: wrong.length }).toEqual({ check, wrong: 0 });
    }
  });

  it('keeps signatures per key: one id on two keys is two requests', () => {
    const store = new MemoryDecisionStore();
    expect(store.decide({ key: 'key_a', now: T0, signature: { id: 'sig_1', expiresAt: T0 + KEPT_MS } }).outcome).toBe(
      'admitted',
    );
    expect(store.decide({ key: 'key_b', now: T0, signature: { id: 'sig_1', expiresAt: T0 + KEPT_MS } }).outcome).toBe(
      'admitted',
    );
    // Key and id are kept apart: "k" + "ey_asig_1" is not "key_a" + "sig_1".
    expect(store.decide({ key: 'k', now: T0, signature: { id: 'ey_asig_1', expiresAt: T0 + KEPT_MS } }).outcome).toBe(
      'admitted',
    );
    expect(
      store.decide({ key: 'key_b', now: T0 + 1, signature: { id: 'sig_1', expiresAt: T0 + KEPT_MS } }).outcome,
    ).toBe('replayed');
  });

  it('a replay uses no quota and carries no rate-limit state', () => {
    const store = new MemoryDecisionStore();
    const limit = { limit: 3, windowMs: 60_000 };
    expect(store.decide(signed('sig_1', T0, undefined, limit))).toEqual({
      outcome: 'admitted',
      rateLimit: { remaining: 2, resetAt: T0 + 60_000 },
    });
    for (let i = 1; i <= 10; i++)
      expect(store.decide(signed('sig_1', T0 + i, undefined, limit))).toEqual({ outcome: 'replayed' });
    expect(store.decide(signed('sig_2', T0 + 20, undefined, limit)).rateLimit?.remaining).toBe(1);
  });

  it('answers replayed, not rate-limited, for a replay from a key over its limit', () => {
    const store = new MemoryDecisionStore();
    const limit = { limit: 1, windowMs: 60_000 };
    expect(store.decide(signed('sig_1', T0, undefined, limit)).outcome).toBe('admitted');
    expect(store.decide(signed('sig_2', T0 + 1, undefined, limit)).outcome).toBe('rate-limited');
    expect(store.decide(signed('sig_1', T0 + 2, undefined, limit)).outcome).toBe('replayed');
  });

  it('leaves no replay entry for a rate-limited request: re-sent after the window, it is admitted', () => {
    const store = new MemoryDecisionStore();
    const limit = { limit: 1, windowMs: 10_000 };
    expect(store.decide(signed('sig_1', T0, undefined, limit)).outcome).toBe('admitted');
    const refused = store.decide(signed('sig_2', T0 + 1_000, T0 + 1_000 + KEPT_MS, limit));
    expect(refused).toEqual({ outcome: 'rate-limited', rateLimit: { remaining: 0, resetAt: T0 + 10_000 } });
    expect(store.decide(signed('sig_2', T0 + 9_999, T0 + 1_000 + KEPT_MS, limit)).outcome).toBe('rate-limited');
    expect(store.decide(signed('sig_2', T0 + 10_000, T0 + 1_000 + KEPT_MS, limit))).toEqual({
      outcome: 'admitted',
      rateLimit: { remaining: 0, resetAt: T0 + 20_000 },
    });
    expect(store.decide(signed('sig_2', T0 + 10_001, T0 + 1_000 + KEPT_MS, limit)).outcome).toBe('replayed');
  });

  it('counts an unsigned request without remembering anything', () => {
    const store = new MemoryDecisionStore();
    const limit = { limit: 2, windowMs: 60_000 };
    expect(store.decide({ key: 'key_a', now: T0, limit })).toEqual({
      outcome: 'admitted',
      rateLimit: { remaining: 1, resetAt: T0 + 60_000 },
    });
    expect(store.decide({ key: 'key_a', now: T0 + 1 })).toEqual({ outcome: 'admitted' });
    expect(store.usage.replayBytes).toBe(0);
    expect(store.decide({ key: 'key_a', now: T0 + 2, limit }).rateLimit?.remaining).toBe(0);
  });

  it('admits a signature whose expiry has already passed without storing it', () => {
    const store = new MemoryDecisionStore();
    expect(store.decide(signed('sig_old', T0, T0)).outcome).toBe('admitted');
    expect(store.decide(signed('sig_old', T0, T0 - 1)).outcome).toBe('admitted');
    expect(store.usage).toMatchObject({ replayBytes: 0, replayGenerations: 0 });
  });

  it('a limit too large for maxBytes throws a RangeError and records nothing', () => {
    const store = new MemoryDecisionStore({ maxBytes: 4096 });
    expect(store.bytesPerKey(60)).toBe(60 * 8 + 450);
    expect(() => store.bytesPerKey(1000)).toThrow(RangeError);
    expect(() => store.decide(signed('sig_1', T0, undefined, { limit: 1000, windowMs: 60_000 }))).toThrow(/maxBytes/);
    expect(store.usage.keys).toBe(0);
    expect(store.decide(signed('sig_1', T0 + 1)).outcome).toBe('admitted');
  });

  it('fails closed on a clock or expiry that is not a number', () => {
    const store = new MemoryDecisionStore();
    store.decide(signed('sig_1', T0));
    expect(() => store.decide(signed('sig_1', Number.NaN))).toThrow(RangeError);
    expect(() => store.decide(signed('sig_2', T0, Number.NaN))).toThrow(RangeError);
    expect(store.decide(signed('sig_2', T0 + 1)).outcome).toBe('admitted');
  });

  it.each([
    ['maxKeys', 0],
    ['maxKeys', 1.5],
    ['maxBytes', 1023],
    ['maxBytes', Number.NaN],
    ['maxReplayBytes', 12 * 1024 - 1],
    ['maxReplayBytes', 4096 * 1024 * 1024 + 1],
    ['maxReplayBytes', '1000000'],
  ])('refuses option %s = %s with a TypeError naming it', (name, value) => {
    expect(() => new MemoryDecisionStore({ [name]: value })).toThrow(TypeError);
    expect(() => new MemoryDecisionStore({ [name]: value })).toThrow(`"${name}"`);
  });
});

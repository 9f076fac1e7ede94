import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Admission, Decision, DecisionStore } from '@keygate/core';

type Factory = () => DecisionStore | Promise<DecisionStore>;

export interface DecisionStoreContractOptions {
  /** Distinct signatures sent from a rate-limited key before an old one is replayed. Default 2000. */
  flood?: number;
}

/** A realistic clock reading, so stores see timestamps of the size they see in production. */
const T0 = 1_732_500_000_000;
const WINDOW = 60_000;
/** How long a signature is remembered in these tests: the default replay window (±5 min). */
const REMEMBER = 600_000;

const limited = (limit: number, windowMs = WINDOW) => ({ limit, windowMs });
const signed = (id: string, at = T0) => ({ id, expiresAt: at + REMEMBER });
const admitted = (remaining: number, resetAt: number): Decision => ({
  outcome: 'admitted',
  rateLimit: { remaining, resetAt },
});
const rateLimited = (resetAt: number): Decision => ({ outcome: 'rate-limited', rateLimit: { remaining: 0, resetAt } });

/**
 * What every `DecisionStore` promises (see `DecisionStore` in the core's types): an exact sliding window per key
 * (the rate limit), signatures remembered until they expire (replay), and both decided in one atomic step that
 * records a request only when it is admitted. Each test uses fresh keys, so the factory may return stores sharing
 * one backend. Times are explicit; nothing sleeps. keygate's memory and Redis stores pass it.
 * @example
 * // my-store.test.ts (vitest)
 * import { describeDecisionStoreContract } from '@keygate/testing/contract';
 * describeDecisionStoreContract('MyStore', () => new MyStore(client));
 */
export function describeDecisionStoreContract(
  name: string,
  makeStore: Factory,
  options: DecisionStoreContractOptions = {},
): void {
  const flood = options.flood ?? 2000;

  describe(`DecisionStore contract: ${name}`, () => {
    const open = makeStore;
    const freshKey = () => `contract-${randomUUID()}`;
    const freshSignature = () => randomUUID().replaceAll('-', '').repeat(2);
    const decide = async (store: DecisionStore, admission: Admission) => await store.decide(admission);

    describe('rate limit', () => {
      it('admits a request with neither limit nor signature, with no rate limit in the answer', async () => {
        const store = await open();
        const key = freshKey();
        for (let i = 0; i < 3; i++) expect(await decide(store, { key, now: T0 })).toEqual({ outcome: 'admitted' });
      });

      it('admits exactly `limit` requests, with exact remaining and resetAt, then refuses', async () => {
        const store = await open();
        const key = freshKey();
        const results: Decision[] = [];
        for (let i = 0; i < 6; i++) results.push(await decide(store, { key, now: T0 + i * 1000, limit: limited(5) }));
        expect(results).toEqual([
          admitted(4, T0 + WINDOW),
          admitted(3, T0 + WINDOW),
          admitted(2, T0 + WINDOW),
          admitted(1, T0 + WINDOW),
          admitted(0, T0 + WINDOW),
          rateLimited(T0 + WINDOW),
        ]);
      });

      it('frees a slot exactly when the oldest admission is `windowMs` old (a sliding, not fixed, window)', async () => {
        const store = await open();
        const key = freshKey();
        const at = (offset: number) => decide(store, { key, now: T0 + offset, limit: limited(5) });
        for (const offset of [0, 0, 0, 30_000, 30_000]) await at(offset);

        expect(await at(WINDOW - 1)).toEqual(rateLimited(T0 + WINDOW));
        // At t + window the three requests made at t have left: exactly three slots, not a fresh window.
        expect(await at(WINDOW)).toEqual(admitted(2, T0 + 30_000 + WINDOW));
        expect(await at(WINDOW)).toEqual(admitted(1, T0 + 30_000 + WINDOW));
        expect(await at(WINDOW)).toEqual(admitted(0, T0 + 30_000 + WINDOW));
        expect(await at(WINDOW + 1)).toEqual(rateLimited(T0 + 30_000 + WINDOW));
        expect(await at(30_000 + WINDOW)).toEqual(admitted(1, T0 + 2 * WINDOW));
      });

      it('does not count refused requests, and admits a refused one retried at its resetAt', async () => {
        const store = await open();
        const key = freshKey();
        const at = (offset: number) => decide(store, { key, now: T0 + offset, limit: limited(2, 10_000) });
        await at(0);
        await at(4000);
        for (let i = 1; i <= 20; i++) expect(await at(4000 + i)).toEqual(rateLimited(T0 + 10_000));
        expect(await at(9999)).toEqual(rateLimited(T0 + 10_000));
        // Had the refusals been counted, they would still fill the window here.
        expect(await at(10_000)).toEqual(admitted(0, T0 + 14_000));
      });

      it('keeps keys independent', async () => {
        const store = await open();
        const [a, b] = [freshKey(), freshKey()];
        for (let i = 0; i < 3; i++) await decide(store, { key: a, now: T0, limit: limited(3) });
        expect(await decide(store, { key: a, now: T0, limit: limited(3) })).toEqual(rateLimited(T0 + WINDOW));
        expect(await decide(store, { key: b, now: T0, limit: limited(3) })).toEqual(admitted(2, T0 + WINDOW));
        expect(await decide(store, { key: b, now: T0 + 5, limit: limited(10, 1000) })).toEqual(admitted(8, T0 + 1000));
      });
    });

    describe('replay', () => {
      it('admits a new signature, then answers replayed (with no rate limit) until it expires', async () => {
        const store = await open();
        const key = freshKey();
        const signature = signed(freshSignature());
        expect(await decide(store, { key, now: T0, signature })).toEqual({ outcome: 'admitted' });
        expect(await decide(store, { key, now: T0 + 1, signature })).toEqual({ outcome: 'replayed' });
        expect(await decide(store, { key, now: signature.expiresAt - 1, signature })).toEqual({ outcome: 'replayed' });
        expect(await decide(store, { key, now: T0, limit: limited(5), signature })).toEqual({ outcome: 'replayed' });
        expect(await decide(store, { key, now: T0, signature: signed(freshSignature()) })).toEqual({
          outcome: 'admitted',
        });
      });

      it('keeps signatures per key: one signature id on two keys is two requests', async () => {
        const store = await open();
        const signature = signed(freshSignature());
        const [a, b] = [freshKey(), freshKey()];
        expect(await decide(store, { key: a, now: T0, signature })).toEqual({ outcome: 'admitted' });
        expect(await decide(store, { key: b, now: T0, signature })).toEqual({ outcome: 'admitted' });
        expect(await decide(store, { key: a, now: T0, signature })).toEqual({ outcome: 'replayed' });
      });

      it('a replay uses no quota', async () => {
        const store = await open();
        const key = freshKey();
        const signature = signed(freshSignature());
        expect(await decide(store, { key, now: T0, limit: limited(3), signature })).toEqual(admitted(2, T0 + WINDOW));
        for (let i = 0; i < 10; i++) {
          expect(await decide(store, { key, now: T0 + i, limit: limited(3), signature })).toEqual({
            outcome: 'replayed',
          });
        }
        const fresh = { key, now: T0 + 10, limit: limited(3), signature: signed(freshSignature()) };
        expect(await decide(store, fresh)).toEqual(admitted(1, T0 + WINDOW));
      });

      it('checks replay first: a replay from a key at its limit answers replayed, not rate-limited', async () => {
        const store = await open();
        const key = freshKey();
        const signature = signed(freshSignature());
        await decide(store, { key, now: T0, limit: limited(2), signature });
        await decide(store, { key, now: T0, limit: limited(2) });
        expect(await decide(store, { key, now: T0 + 1, limit: limited(2) })).toEqual(rateLimited(T0 + WINDOW));
        expect(await decide(store, { key, now: T0 + 1, limit: limited(2), signature })).toEqual({
          outcome: 'replayed',
        });
      });

      it('a rate-limited signature leaves no entry: sent again at its resetAt it is admitted, then replayed', async () => {
        const store = await open();
        const key = freshKey();
        await decide(store, { key, now: T0, limit: limited(1) });
        const signature = signed(freshSignature(), T0 + 1);
        const refused = await decide(store, { key, now: T0 + 1, limit: limited(1), signature });
        expect(refused).toEqual(rateLimited(T0 + WINDOW));
        expect(await decide(store, { key, now: T0 + WINDOW, limit: limited(1), signature })).toEqual(
          admitted(0, T0 + 2 * WINDOW),
        );
        expect(await decide(store, { key, now: T0 + WINDOW + 1, limit: limited(1), signature })).toEqual({
          outcome: 'replayed',
        });
      });

      it(`still refuses an admitted signature after ${2 * flood} distinct signatures refused with 429`, async () => {
        const store = await open();
        const key = freshKey();
        const first = signed(freshSignature());
        expect(await decide(store, { key, now: T0, limit: limited(1), signature: first })).toEqual(
          admitted(0, T0 + WINDOW),
        );
        // In batches: concurrent enough to be quick on a remote store, bounded so none times out.
        for (let sent = 0; sent < 2 * flood; sent += 200) {
          const batch = Array.from({ length: Math.min(200, 2 * flood - sent) }, (_, i) =>
            decide(store, { key, now: T0 + 1 + sent + i, limit: limited(1), signature: signed(freshSignature()) }),
          );
          for (const decision of await Promise.all(batch)) expect(decision.outcome).toBe('rate-limited');
        }
        expect(await decide(store, { key, now: T0 + 2 * flood + 1, limit: limited(1), signature: first })).toEqual({
          outcome: 'replayed',
        });
      });
    });

    describe('concurrency', () => {
      it('admits exactly `limit` of 500 concurrent signed requests for one key', async () => {
        const store = await open();
        const key = freshKey();
        const results = await Promise.all(
          Array.from({ length: 500 }, () =>
            decide(store, { key, now: T0, limit: limited(60), signature: signed(freshSignature()) }),
          ),
        );
        const admissions = results.filter((result) => result.outcome === 'admitted');
        expect(admissions.map((result) => result.rateLimit?.remaining ?? -1).sort((x, y) => x - y)).toEqual(
          Array.from({ length: 60 }, (_, i) => i),
        );
        for (const refused of results.filter((result) => result.outcome !== 'admitted'))
          expect(refused).toEqual(rateLimited(T0 + WINDOW));
      });

      it('admits exactly one of 50 concurrent requests with the same signature, and counts it once', async () => {
        const store = await open();
        const key = freshKey();
        const signature = signed(freshSignature());
        const results = await Promise.all(
          Array.from({ length: 50 }, () => decide(store, { key, now: T0, limit: limited(10), signature })),
        );
        expect(results.filter((result) => result.outcome === 'admitted')).toEqual([admitted(9, T0 + WINDOW)]);
        expect(results.filter((result) => result.outcome === 'replayed')).toHaveLength(49);
        expect(await decide(store, { key, now: T0, limit: limited(10) })).toEqual(admitted(8, T0 + WINDOW));
      });
    });
  });
}

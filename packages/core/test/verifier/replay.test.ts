import { describe, expect, it } from 'vitest';
import { createVerifier, MemoryDecisionStore, type KeygateOptions, type VerifyResult } from '../../src/index.js';
import { codeOf, keysFile, manualClock, signed, VECTOR_TIME } from '../helpers.js';

function setup(options: Partial<KeygateOptions> = {}) {
  const clock = manualClock();
  return {
    clock,
    verifier: createVerifier({
      keys: keysFile(),
      rateLimit: false,
      now: clock.now,
      logger: { warn: () => {}, error: () => {} },
      ...options,
    }),
  };
}

const payment = '{"amount":100,"currency":"USD"}';
/** The n-th distinct signed request of the test pair (its own timestamp, so its own signature). */
const nth = (n: number, version: 'v1' | 'v2' = 'v1') =>
  signed('POST', '/v1/payments', payment, { timestamp: VECTOR_TIME + n, version });
const tally = (results: VerifyResult[]) => {
  const counts: Record<string, number> = {};
  for (const result of results) counts[codeOf(result)] = (counts[codeOf(result)] ?? 0) + 1;
  return counts;
};

describe('replay protection, decided through the verifier', () => {
  it('rejects the same signed request twice, also concurrently, and forgets it once it left the window', async () => {
    const { verifier, clock } = setup();
    const request = nth(0);
    expect(tally(await Promise.all(Array.from({ length: 20 }, () => verifier.verify(request))))).toEqual({
      ok: 1,
      REPLAYED_REQUEST: 19,
    });
    clock.advance(300_001);
    expect(codeOf(await verifier.verify(request))).toBe('TIMESTAMP_OUT_OF_RANGE');
  });

  it.each(['v1', 'v2'] as const)(
    'a %s replay is a 401 REPLAYED_REQUEST with no rate-limit headers',
    async (version) => {
      const { verifier } = setup({ rateLimit: { limit: 10, windowSeconds: 60 } });
      expect(codeOf(await verifier.verify(nth(0, version)))).toBe('ok');
      const replay = await verifier.verify(nth(0, version));
      expect(codeOf(replay)).toBe('REPLAYED_REQUEST');
      expect(replay.ok ? 'ok' : replay.error.status).toBe(401);
      expect(replay.headers['x-ratelimit-remaining']).toBeUndefined();
    },
  );

  it('signatures "off" decides nothing about signatures: the same headers pass twice', async () => {
    const { verifier } = setup({ keypair: { signatures: 'off' } });
    expect([codeOf(await verifier.verify(nth(0))), codeOf(await verifier.verify(nth(0)))]).toEqual(['ok', 'ok']);
  });
});

describe('one decision per signed request (issue 8)', () => {
  it('a replay uses no quota', async () => {
    const { verifier } = setup({ rateLimit: { limit: 2, windowSeconds: 60 } });
    const first = await verifier.verify(nth(0));
    expect([codeOf(first), first.headers['x-ratelimit-remaining']]).toEqual(['ok', '1']);
    for (let i = 0; i < 5; i++) expect(codeOf(await verifier.verify(nth(0)))).toBe('REPLAYED_REQUEST');
    const second = await verifier.verify(nth(1));
    expect([codeOf(second), second.headers['x-ratelimit-remaining']]).toEqual(['ok', '0']);
    expect(codeOf(await verifier.verify(nth(2)))).toBe('RATE_LIMIT_EXCEEDED');
  });

  it('a replay of an over-limit key answers REPLAYED_REQUEST (the replay is checked first)', async () => {
    const { verifier } = setup({ rateLimit: { limit: 1, windowSeconds: 60 } });
    expect(codeOf(await verifier.verify(nth(0)))).toBe('ok');
    expect(codeOf(await verifier.verify(nth(1)))).toBe('RATE_LIMIT_EXCEEDED');
    expect(codeOf(await verifier.verify(nth(0)))).toBe('REPLAYED_REQUEST');
  });

  it('a 429 leaves no replay entry: the same request re-sent after Retry-After is admitted, once', async () => {
    const { verifier, clock } = setup({ rateLimit: { limit: 1, windowSeconds: 60 } });
    expect(codeOf(await verifier.verify(nth(0)))).toBe('ok');
    const refused = await verifier.verify(nth(1));
    expect(codeOf(refused)).toBe('RATE_LIMIT_EXCEEDED');
    clock.advance(Number(refused.headers['retry-after']) * 1000);
    // Still inside the timestamp window (60 s of 300 s): the very same headers.
    expect(codeOf(await verifier.verify(nth(1)))).toBe('ok');
    expect(codeOf(await verifier.verify(nth(1)))).toBe('REPLAYED_REQUEST');
  });

  it('concurrent signed requests of a limited key: exactly the limit admitted, and every 429 may be re-sent later', async () => {
    const { verifier, clock } = setup({ rateLimit: { limit: 5, windowSeconds: 10 } });
    const requests = Array.from({ length: 20 }, (_, n) => nth(n));
    const first = await Promise.all(requests.map((request) => verifier.verify(request)));
    expect(tally(first)).toEqual({ ok: 5, RATE_LIMIT_EXCEEDED: 15 });
    const refusedOnes = requests.filter((_, i) => !first[i]!.ok);
    clock.advance(10_000);
    const resent = await Promise.all(refusedOnes.map((request) => verifier.verify(request)));
    expect(tally(resent)).toEqual({ ok: 5, RATE_LIMIT_EXCEEDED: 10 });
    // The admitted ones are remembered: sent again they are replays, not 429s.
    const admittedOnes = requests.filter((_, i) => first[i]!.ok);
    expect(tally(await Promise.all(admittedOnes.map((request) => verifier.verify(request))))).toEqual({
      REPLAYED_REQUEST: 5,
    });
  });

  it('the store is asked once per signed request (one admission with limit and signature)', async () => {
    const store = new MemoryDecisionStore();
    const admissions: unknown[] = [];
    const { verifier } = setup({
      rateLimit: { limit: 5, windowSeconds: 60 },
      store: { decide: (admission) => (admissions.push(admission), store.decide(admission)) },
    });
    expect(codeOf(await verifier.verify(nth(0, 'v2')))).toBe('ok');
    expect(admissions).toEqual([
      {
        key: 'key_pair',
        now: VECTOR_TIME,
        limit: { limit: 5, windowMs: 60_000 },
        signature: { id: expect.stringMatching(/^[0-9a-f]{64}$/), expiresAt: expect.any(Number) },
      },
    ]);
    // Remembered at least until the timestamp leaves the window.
    const { signature } = admissions[0] as { signature: { expiresAt: number } };
    expect(signature.expiresAt).toBeGreaterThanOrEqual(VECTOR_TIME + 300_000);
  });
});

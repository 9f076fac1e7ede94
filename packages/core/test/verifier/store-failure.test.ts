import { describe, expect, it } from 'vitest';
import {
  basicAuthorization,
  createVerifier,
  MemoryDecisionStore,
  StoreFullError,
  type Admission,
  type Decision,
  type DecisionStore,
  type KeygateOptions,
  type VerifyResult,
} from '../../src/index.js';
import { codeOf, keysFile, manualClock, signed, VECTOR_KEY, VECTOR_TIME } from '../helpers.js';

const basic = { method: 'GET', target: '/', headers: { authorization: basicAuthorization(VECTOR_KEY) } };
const payment = '{"amount":100,"currency":"USD"}';
const nth = (n: number) => signed('POST', '/v1/payments', payment, { timestamp: VECTOR_TIME + n });

function setup(options: Partial<KeygateOptions> = {}) {
  const clock = manualClock();
  const errors: unknown[] = [];
  const verifier = createVerifier({
    keys: keysFile(),
    now: clock.now,
    onStoreError: (error) => errors.push(error),
    logger: { warn: () => {}, error: () => {} },
    ...options,
  });
  return { clock, errors, verifier };
}

const statusAndCode = (result: VerifyResult) => (result.ok ? 'ok' : `${result.error.status} ${result.error.code}`);

// A shared store fails by rejecting; an in-process one (answering synchronously) fails by throwing.
const rejecting: DecisionStore = { decide: () => Promise.reject(new Error('connection refused')) };
const throwing: DecisionStore = {
  decide: () => {
    throw new Error('connection refused');
  },
};

describe.each([
  ['rejects', rejecting],
  ['throws', throwing],
])('store failure policy (a store that %s)', (_, broken) => {
  it('fails closed with 503 AUTH_UNAVAILABLE by default, and reports the error once', async () => {
    const { verifier, errors } = setup({ store: broken });
    expect(statusAndCode(await verifier.verify(basic))).toBe('503 AUTH_UNAVAILABLE');
    expect(statusAndCode(await verifier.verify(nth(0)))).toBe('503 AUTH_UNAVAILABLE');
    expect(errors.map(String)).toEqual(['Error: connection refused', 'Error: connection refused']);
  });

  it('fails open (failOpen: true) onto an in-process store that still enforces the limit and refuses replays', async () => {
    const { verifier, errors } = setup({ store: broken, failOpen: true, rateLimit: { limit: 2, windowSeconds: 60 } });
    expect(codeOf(await verifier.verify(nth(0)))).toBe('ok');
    expect(codeOf(await verifier.verify(nth(0)))).toBe('REPLAYED_REQUEST');
    expect(codeOf(await verifier.verify(nth(1)))).toBe('ok');
    expect(codeOf(await verifier.verify(nth(2)))).toBe('RATE_LIMIT_EXCEEDED');
    expect(errors).toHaveLength(4); // every failure is still reported
  });

  it('recovers when the store answers again', async () => {
    let down = true;
    const memory = new MemoryDecisionStore();
    const flaky: DecisionStore = {
      decide: (admission) => (down ? broken.decide(admission) : memory.decide(admission)),
    };
    const { verifier } = setup({ store: flaky });
    expect(codeOf(await verifier.verify(basic))).toBe('AUTH_UNAVAILABLE');
    down = false;
    expect(codeOf(await verifier.verify(basic))).toBe('ok');
  });
});

describe('other store failures', () => {
  it('a key store that throws or rejects gives 503, never an exception', async () => {
    for (const findByKeyHash of [
      () => Promise.reject(new Error('db down')),
      () => {
        throw new Error('db down');
      },
    ]) {
      const { verifier, errors } = setup({ keys: { findByKeyHash, findByPublicKey: () => undefined } });
      expect(statusAndCode(await verifier.verify(basic))).toBe('503 AUTH_UNAVAILABLE');
      expect(String(errors[0])).toBe('Error: db down');
    }
  });

  it('a store answering with another thenable still refuses a replay and still counts', async () => {
    const memory = new MemoryDecisionStore();
    const thenable = <T>(value: T): PromiseLike<T> => ({
      then: (resolve) => Promise.resolve(value).then(resolve) as never,
    });
    const { verifier } = setup({
      store: { decide: (admission) => thenable(memory.decide(admission)) },
      rateLimit: { limit: 1, windowSeconds: 60 },
    });
    expect(codeOf(await verifier.verify(nth(0)))).toBe('ok');
    expect(codeOf(await verifier.verify(nth(0)))).toBe('REPLAYED_REQUEST');
    expect(codeOf(await verifier.verify(nth(1)))).toBe('RATE_LIMIT_EXCEEDED');
  });
});

describe('a store that answers nonsense fails closed (503, reported)', () => {
  const cases: [string, (admission: Admission) => unknown][] = [
    ['"yes"', () => 'yes'],
    ['nothing', () => undefined],
    ['null', () => null],
    ['an unknown outcome', () => ({ outcome: 'maybe' })],
    ['admitted without the rate-limit state of a limited request', () => ({ outcome: 'admitted' })],
    [
      'admitted with a remaining count that is not a number',
      (a) => ({ outcome: 'admitted', rateLimit: { remaining: 'many', resetAt: a.now } }),
    ],
    [
      'rate-limited with a NaN reset time',
      () => ({ outcome: 'rate-limited', rateLimit: { remaining: 0, resetAt: Number.NaN } }),
    ],
    [
      'replayed for a request that was not signed',
      (a) =>
        a.signature === undefined
          ? { outcome: 'replayed' }
          : { outcome: 'admitted', rateLimit: { remaining: 1, resetAt: a.now } },
    ],
  ];

  it.each(cases)('a store answering %s', async (_name, answer) => {
    const { verifier, errors } = setup({ store: { decide: (admission) => answer(admission) as Decision } });
    expect(statusAndCode(await verifier.verify(basic))).toBe('503 AUTH_UNAVAILABLE');
    expect(String(errors[0])).toMatch(/decision store: decide\(\) must answer/);
  });

  it('"rate-limited" for a request that had no limit', async () => {
    const { verifier, errors } = setup({
      rateLimit: false,
      store: { decide: () => ({ outcome: 'rate-limited', rateLimit: { remaining: 0, resetAt: 0 } }) },
    });
    expect(statusAndCode(await verifier.verify(nth(0)))).toBe('503 AUTH_UNAVAILABLE');
    expect(String(errors[0])).toMatch(/decision store: decide\(\) must answer/);
  });

  // A store answering nonsense is broken, not down: falling back would swap in a store whose replay memory is empty.
  it('even with failOpen: a broken store is not a store that is down', async () => {
    const { verifier } = setup({ failOpen: true, store: { decide: () => 'yes' as unknown as Decision } });
    expect(statusAndCode(await verifier.verify(basic))).toBe('503 AUTH_UNAVAILABLE');
  });
});

describe('a full store (StoreFullError) answers 503 and never falls back', () => {
  const full: DecisionStore = {
    decide: () => {
      throw new StoreFullError('the replay table is full');
    },
  };

  it.each([false, true])('failOpen: %s → 503 AUTH_UNAVAILABLE, reported with the StoreFullError', async (failOpen) => {
    const { verifier, errors } = setup({ store: full, failOpen });
    expect(statusAndCode(await verifier.verify(nth(0)))).toBe('503 AUTH_UNAVAILABLE');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(StoreFullError);
  });

  it('a real MemoryDecisionStore filled up: 503 (also with failOpen), nothing forgotten, nothing counted, room again once signatures expire', async () => {
    const store = new MemoryDecisionStore({ maxReplayBytes: 12 * 1024 }); // the smallest bound: one table of 1024 slots
    const { verifier, errors, clock } = setup({
      store,
      failOpen: true,
      rateLimit: { limit: 100_000, windowSeconds: 60 },
    });
    let admitted = 0;
    let last: VerifyResult | undefined;
    for (let n = 0; n < 2_000; n++) {
      last = await verifier.verify(nth(n));
      if (!last.ok) break;
      admitted++;
    }
    expect(last === undefined ? 'none' : statusAndCode(last)).toBe('503 AUTH_UNAVAILABLE');
    expect(admitted).toBeGreaterThan(100);
    expect(errors.some((error) => error instanceof StoreFullError)).toBe(true);
    // Full is not an excuse to forget: every admitted signature is still a replay.
    for (const n of [0, Math.floor(admitted / 2), admitted - 1])
      expect(codeOf(await verifier.verify(nth(n)))).toBe('REPLAYED_REQUEST');
    // Unsigned requests need no room: still admitted, and the 503s used no quota.
    const unsigned = await verifier.verify(basic);
    expect(codeOf(unsigned)).toBe('ok');
    const pair = await verifier.verify({
      method: 'GET',
      target: '/',
      headers: {
        authorization: `Bearer ${'pk_test_VectorPublicKeyForKeygate01'}`,
        'x-api-secret': 'sk_test_VectorSecretForKeygateTests01',
      },
    });
    expect(pair.headers['x-ratelimit-remaining']).toBe(String(100_000 - admitted - 1));
    // Once the signatures have expired (window + margin), there is room again.
    clock.advance(10 * 60_000);
    expect(codeOf(await verifier.verify(signed('POST', '/v1/payments', payment, { timestamp: clock.now() })))).toBe(
      'ok',
    );
  });
});

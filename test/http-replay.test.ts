/**
 * Replay and rate limit as one decision (issue 8; DESIGN.md Part 2, "Replay and rate limit"), through the real
 * adapters on Express 5, Express 4, Koa 3 and Koa 2: a signed request is remembered and counted only when it is
 * admitted, so a replay uses no quota and a request refused with 429 may be sent again after the window.
 * The clock is injected, so "after the window" is an instant, not a wait.
 */
import { MemoryDecisionStore, createVerifier } from '@keygate/core';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import {
  PAIRS,
  VECTOR_NOW,
  expectAdmitted,
  expectRejection,
  keysFile,
  outcome,
  signedHeaders,
} from './support/fixtures.js';
import { buildApp, frameworks, type TestApp, type TestKeygateOptions } from './support/servers.js';

const TEST = PAIRS.test;
const JSON_TYPE = 'application/json';
const presented = [TEST.publicKey, TEST.secretKey];

describe.each(frameworks)('replay and rate limit, one decision — $name', (fw) => {
  const limited = (limit: number, options: Partial<TestKeygateOptions> = {}) => {
    const clock = { now: VECTOR_NOW };
    const app = buildApp(fw, {
      keys: keysFile,
      rateLimit: { limit, windowSeconds: 60 },
      now: () => clock.now,
      ...options,
    });
    return { app, clock };
  };
  /** A signed POST of `body`, made at `timestamp`. */
  const sign = (body: string, timestamp: number) =>
    signedHeaders(TEST, { method: 'POST', path: '/echo', body, timestamp });
  const post = (app: TestApp, headers: Record<string, string>, body: string) =>
    request(app.handler).post('/echo').set(headers).set('Content-Type', JSON_TYPE).send(body);

  it('a replayed signed request → 401 REPLAYED_REQUEST, and the replays use no quota', async () => {
    const { app, clock } = limited(3);
    const headers = sign('{"n":1}', clock.now);
    const first = await post(app, headers, '{"n":1}');
    expect(expectAdmitted(first).auth.signed).toBe(true);
    expect(first.headers['x-ratelimit-remaining']).toBe('2');

    for (let i = 0; i < 5; i++) {
      const replay = await post(app, headers, '{"n":1}');
      expectRejection(replay, 401, 'REPLAYED_REQUEST', { presented });
      // A replay answer that carries the limit shows the quota as the first request left it (none used).
      expect(replay.headers['x-ratelimit-remaining'] ?? '2').toBe('2');
    }

    // Five replays later, the key has used one request of three: two are left, and both are admitted.
    const second = await post(app, sign('{"n":2}', clock.now), '{"n":2}');
    expect(expectAdmitted(second).auth.signed).toBe(true);
    expect(second.headers['x-ratelimit-remaining']).toBe('1');
    const third = await post(app, sign('{"n":3}', clock.now), '{"n":3}');
    expect(third.headers['x-ratelimit-remaining']).toBe('0');
    expectAdmitted(third);
  });

  it('a replay from a key at its limit answers REPLAYED_REQUEST, not 429', async () => {
    const { app, clock } = limited(1);
    const headers = sign('{"n":1}', clock.now);
    expectAdmitted(await post(app, headers, '{"n":1}'));
    expectRejection(await post(app, headers, '{"n":1}'), 401, 'REPLAYED_REQUEST', { presented });
  });

  it('a signed request refused with 429 and sent again after the window (Retry-After) is admitted, then replayed', async () => {
    const { app, clock } = limited(1);
    expectAdmitted(await post(app, sign('{"n":1}', clock.now), '{"n":1}'));

    clock.now += 1000;
    const headers = sign('{"n":2}', clock.now);
    const refused = await post(app, headers, '{"n":2}');
    expectRejection(refused, 429, 'RATE_LIMIT_EXCEEDED', { presented });
    expect(refused.headers['retry-after']).toBe('59');

    // The same bytes, the same headers, once the slot has freed (the timestamp is 59 s old: inside the window).
    clock.now += Number(refused.headers['retry-after']) * 1000;
    const resent = await post(app, headers, '{"n":2}');
    expect(expectAdmitted(resent).auth.signed).toBe(true);
    expect(resent.headers['x-ratelimit-remaining']).toBe('0');
    // Admitted, it is remembered now.
    expectRejection(await post(app, headers, '{"n":2}'), 401, 'REPLAYED_REQUEST', { presented });
  });

  it('many signed requests refused with 429 leave no replay entry: each is admitted when sent again later', async () => {
    const { app, clock } = limited(2);
    const start = clock.now;
    const bodies = Array.from({ length: 6 }, (_, i) => `{"n":${i}}`);
    const headers = bodies.map((body) => sign(body, start));
    const outcomes: string[] = [];
    for (const [i, body] of bodies.entries()) outcomes.push(outcome(await post(app, headers[i]!, body)));
    expect(outcomes).toEqual(['200', '200', ...Array(4).fill('429 RATE_LIMIT_EXCEEDED')]);

    // Two windows later (still inside the ±300 s timestamp window), the four refused ones go through, two per window.
    clock.now = start + 60_000;
    for (const i of [2, 3]) expectAdmitted(await post(app, headers[i]!, bodies[i]!));
    clock.now = start + 120_000;
    for (const i of [4, 5]) expectAdmitted(await post(app, headers[i]!, bodies[i]!));
    // And the two admitted first are still remembered.
    for (const i of [0, 1]) expectRejection(await post(app, headers[i]!, bodies[i]!), 401, 'REPLAYED_REQUEST');
  });

  it('keygate({ verifier }): two middlewares built on one verifier share its replay memory and its limit', async () => {
    const verifier = createVerifier({
      keys: keysFile,
      now: () => VECTOR_NOW,
      rateLimit: { limit: 2, windowSeconds: 60 },
      store: new MemoryDecisionStore(),
    });
    const a = buildApp(fw, { verifier });
    const b = buildApp(fw, { verifier });
    const headers = sign('{"n":1}', VECTOR_NOW);
    expect(expectAdmitted(await post(a, headers, '{"n":1}')).auth.signed).toBe(true);
    expectRejection(await post(b, headers, '{"n":1}'), 401, 'REPLAYED_REQUEST', { presented });
    expect((await post(b, sign('{"n":2}', VECTOR_NOW), '{"n":2}')).headers['x-ratelimit-remaining']).toBe('0');
    expectRejection(await post(a, sign('{"n":3}', VECTOR_NOW), '{"n":3}'), 429, 'RATE_LIMIT_EXCEEDED', { presented });
  });
});

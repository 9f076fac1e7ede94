/**
 * Failed-credential throttling against an attacker with many addresses or odd ones, through Express 5, Express 4,
 * Koa 3 and Koa 2: one IPv4 client seen IPv4-mapped counts once, an IPv6 /64 is one client, a missing address is
 * still counted, and a full memory table refuses new addresses (503) instead of forgetting one inside its window.
 */
import { MemoryDecisionStore, createVerifier, type KeygateOptions } from '@keygate/core';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { failedAuthClient } from '../packages/core/src/decision/failed-auth-client.js';
import type { DecisionEvent } from '../packages/core/src/observe/decision-event.js';
import { BASIC, basic, keysFile, outcome } from './support/fixtures.js';
import { buildApp, frameworks, type Framework, type TestKeygateOptions } from './support/servers.js';

const silent = { warn: () => {}, error: () => {} };

function build(fw: Framework, options: Partial<KeygateOptions>) {
  const app = buildApp(
    fw,
    {
      keys: keysFile,
      logger: silent,
      failedAuthLimit: { limit: 2, windowSeconds: 60 },
      ...options,
    } as TestKeygateOptions,
    { trustProxy: true },
  );
  return (headers: Record<string, string>, from: string) =>
    request(app.handler).get('/echo').set('x-forwarded-for', from).set(headers);
}

describe('failedAuthClient', () => {
  it('IPv4 as it is, also IPv4-mapped; IPv6 by its /64 whatever its spelling; no address in one shared count', () => {
    expect(failedAuthClient('192.0.2.1')).toBe('192.0.2.1');
    expect(failedAuthClient('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(failedAuthClient('::FFFF:c000:201')).toBe('192.0.2.1');
    expect(failedAuthClient('0:0:0:0:0:ffff:192.0.2.1')).toBe('192.0.2.1');
    for (const address of [
      '2001:db8::1',
      '2001:DB8:0:0:ffff::2',
      '2001:0db8:0000:0000::1%eth0',
      '2001:db8::192.0.2.1',
    ]) {
      expect(failedAuthClient(address)).toBe('2001:db8:0:0::/64');
    }
    expect(failedAuthClient('2001:db8:0:1::1')).toBe('2001:db8:0:1::/64');
    expect(failedAuthClient('::1')).toBe('0:0:0:0::/64');
    expect(failedAuthClient(undefined)).toBe('unknown');
    expect(failedAuthClient('')).toBe('unknown');
    // A trusted proxy header of garbage holds no more memory than an address, and cannot pose as one.
    const garbage = failedAuthClient('x'.repeat(10_000));
    expect(garbage).toMatch(/^hash:[\w-]{43}$/);
    expect(failedAuthClient('unknown')).not.toBe('unknown');
  });
});

describe.each(frameworks)('failed-credential throttling of odd addresses — $name', (fw) => {
  it('an IPv4 client seen IPv4-mapped is the same client', async () => {
    const get = build(fw, {});
    expect(outcome(await get(basic(BASIC.unknown), '198.51.100.7'))).toBe('401 INVALID_API_KEY');
    expect(outcome(await get(basic(BASIC.unknown), '::ffff:198.51.100.7'))).toBe('401 INVALID_API_KEY');
    expect(outcome(await get(basic(BASIC.valid), '198.51.100.7'))).toBe('429 TOO_MANY_FAILED_ATTEMPTS');
  });

  it('the addresses of one IPv6 /64 are one client; another /64 is another', async () => {
    const get = build(fw, {});
    expect(outcome(await get(basic(BASIC.unknown), '2001:db8:1:2::1'))).toBe('401 INVALID_API_KEY');
    expect(outcome(await get(basic(BASIC.unknown), '2001:db8:1:2:a:b:c:d'))).toBe('401 INVALID_API_KEY');
    expect(outcome(await get(basic(BASIC.valid), '2001:db8:1:2::ffff'))).toBe('429 TOO_MANY_FAILED_ATTEMPTS');
    expect((await get(basic(BASIC.valid), '2001:db8:1:3::1')).status).toBe(200);
  });

  it('a full memory table refuses new addresses (503) and never forgets one inside its window', async () => {
    let now = 1_800_000_000_000;
    const events: DecisionEvent[] = [];
    const get = build(fw, {
      now: () => now,
      store: new MemoryDecisionStore({ maxFailedClients: 3 }),
      onDecision: (event) => events.push(event),
    });
    // The guesser reaches its limit, then tries to push itself out of the table with other addresses.
    await get(basic(BASIC.unknown), '203.0.113.1');
    await get(basic(BASIC.unknown), '203.0.113.1');
    for (const last of [2, 3]) expect((await get(basic(BASIC.unknown), `203.0.113.${last}`)).status).toBe(401);
    for (const last of [4, 5, 6]) {
      expect(outcome(await get(basic(BASIC.unknown), `203.0.113.${last}`))).toBe('503 AUTH_UNAVAILABLE');
    }
    expect(outcome(await get(basic(BASIC.valid), '203.0.113.1'))).toBe('429 TOO_MANY_FAILED_ATTEMPTS');
    // Addresses in the table are still served.
    expect((await get(basic(BASIC.valid), '203.0.113.2')).status).toBe(200);
    await new Promise((resolve) => setImmediate(resolve));
    expect(events.filter((event) => event.status === 503).map((event) => event.reason)).toEqual([
      'store-full',
      'store-full',
      'store-full',
    ]);
    // Once the windows end, their places are free again.
    now += 60_000;
    expect((await get(basic(BASIC.valid), '203.0.113.4')).status).toBe(200);
    expect(outcome(await get(basic(BASIC.unknown), '203.0.113.5'))).toBe('401 INVALID_API_KEY');
  });
});

describe('failed-credential throttling without a client address', () => {
  it('requests without an address share one count instead of escaping it', async () => {
    const verifier = createVerifier({
      keys: keysFile,
      logger: silent,
      failedAuthLimit: { limit: 2, windowSeconds: 60 },
    });
    const verify = (headers: Record<string, string>) => verifier.verify({ method: 'GET', target: '/echo', headers });
    expect((await verify(basic(BASIC.unknown))).ok).toBe(false);
    expect((await verify(basic(BASIC.unknown))).ok).toBe(false);
    const refused = await verify(basic(BASIC.valid));
    expect(refused.ok ? 'admitted' : refused.error.code).toBe('TOO_MANY_FAILED_ATTEMPTS');
  });
});

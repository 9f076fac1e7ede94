/**
 * The operator's session on both example servers: KEYGATE_METRICS=1 KEYGATE_LOG=json KEYGATE_FAILED_AUTH_LIMIT=3/60s,
 * good and bad requests, each seen in the JSON log with its reason and no secret, the counters on /metrics,
 * and a guessing client throttled.
 */
import { readFileSync } from 'node:fs';
import { signRequest } from '@keygate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startExample, type ExampleProcess } from './support/example-process.js';

const demo = JSON.parse(readFileSync(`${ROOT}examples/shared/demo-keys.json`, 'utf8')) as {
  keys: Record<string, string>[];
};
/** Every credential in the demo keys file (keys, public keys, secrets, hashes). */
const DEMO_CREDENTIALS = demo.keys
  .flatMap((key) => [key.key, key.publicKey, key.secretKey, key.keyHash?.replace('sha256:', '')])
  .filter((value): value is string => typeof value === 'string');
const BASIC = 'pk_live_DemoBasicKeyForKeygate0001';
const PAIR = { publicKey: 'pk_test_DemoPairPublicKey00000004', secretKey: 'sk_test_DemoPairSecretKey00000004' };
const QUERY = 'querySecretForTheLog77';
const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` });

describe.each(['express', 'koa'] as const)('the %s example: decision log, /metrics, throttling', (name) => {
  let server: ExampleProcess;
  const sent: string[] = [];
  beforeAll(async () => {
    server = await startExample(name, {
      KEYGATE_METRICS: '1',
      KEYGATE_LOG: 'json',
      KEYGATE_FAILED_AUTH_LIMIT: '3/60s',
    });
  });
  afterAll(() => server?.stop());

  const call = async (path: string, headers: Record<string, string> = {}, init: RequestInit = {}) => {
    sent.push(...Object.values(headers));
    const response = await fetch(`${server.baseUrl}${path}`, { ...init, headers });
    await response.arrayBuffer();
    return response;
  };
  const logLines = () =>
    server
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  it('each decision is one JSON line with its reason; /metrics counts them and is not a decision; the 4th failure is throttled', async () => {
    expect((await call(`/v1/wallets/service/balance?token=${QUERY}`, basic(BASIC))).status).toBe(200);
    const body = '{"amount":100,"currency":"USD"}';
    const signed = {
      ...signRequest({ method: 'POST', path: '/v1/payments', body, secret: PAIR.secretKey, version: 'v2' }),
    };
    const pairHeaders = {
      authorization: `Bearer ${PAIR.publicKey}`,
      'x-api-secret': PAIR.secretKey,
      'content-type': 'application/json',
      ...signed,
    };
    expect((await call('/v1/payments', pairHeaders, { method: 'POST', body })).status).toBe(201);
    expect((await call('/v1/payments', pairHeaders, { method: 'POST', body })).status).toBe(401); // replayed
    expect((await call('/v1/wallets/service/balance', basic('pk_live_GuessingClientKey000000001'))).status).toBe(401);
    expect(
      (
        await call('/v1/wallets/service/balance', {
          authorization: `Bearer ${PAIR.publicKey}`,
          'x-api-secret': 'sk_test_WrongGuessSecret000000001',
        })
      ).status,
    ).toBe(401);
    const throttled = await call('/v1/wallets/service/balance', basic(BASIC));
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('60');

    const metrics = await fetch(`${server.baseUrl}/metrics`);
    const text = await metrics.text();
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(text).toMatch(/^keygate_decisions_total\{outcome="admitted",code="none",scheme="basic"\} 1$/m);
    expect(text).toMatch(/^keygate_decisions_total\{outcome="admitted",code="none",scheme="keypair"\} 1$/m);
    expect(text).toMatch(/^keygate_decisions_total\{outcome="rejected",code="INVALID_API_KEY",scheme="basic"\} 1$/m);
    expect(text).toMatch(/^keygate_decisions_total\{outcome="rejected",code="REPLAYED_REQUEST",scheme="keypair"\} 1$/m);
    expect(text).toMatch(
      /^keygate_decisions_total\{outcome="rejected",code="TOO_MANY_FAILED_ATTEMPTS",scheme="none"\} 1$/m,
    );
    expect(text).toMatch(/^keygate_decision_duration_seconds_count\{outcome="rejected"\} 4$/m);

    await new Promise((done) => setTimeout(done, 200)); // the last line may still be in the pipe
    const lines = logLines();
    expect(lines.map((line) => `${line.outcome} ${line.status} ${line.reason ?? ''}`)).toEqual([
      'admitted 200 ',
      'admitted 200 ',
      'rejected 401 replay',
      'rejected 401 unknown-key',
      'rejected 401 bad-secret',
      'rejected 429 too-many-failed-attempts',
    ]);
    expect(lines[0]).toMatchObject({
      method: 'GET',
      path: '/v1/wallets/service/balance',
      keyId: 'key_basic_live',
      tenantId: 'acme',
      time: expect.any(String),
    });
    // No key, secret, signature, token or query string anywhere in the log.
    const log = lines.map((line) => JSON.stringify(line)).join('\n');
    for (const secret of [...DEMO_CREDENTIALS, ...sent.filter((value) => value.length >= 16), QUERY])
      expect(log).not.toContain(secret);
    for (const value of sent)
      for (const part of value.split(/[\s=]+/)) if (part.length >= 16) expect(log).not.toContain(part);
  });
});

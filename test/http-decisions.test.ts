/**
 * Decision events (`onDecision`) through the real adapters on Express 5, Express 4, Koa 3 and Koa 2: one event
 * per request for every outcome and code, with the internal reason the client is not told; the hook can neither
 * delay nor change the answer; and no event ever holds a credential, a signature or a query string.
 */
import { generateApiKey, type DecisionEvent, type DecisionStore, type KeygateOptions } from '@keygate/core';
import { createTestJwtIssuer, type TestJwtIssuer } from '@keygate/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALL_SECRETS,
  BASIC,
  PAIRS,
  VECTOR_NOW,
  basic,
  keysFile,
  outcome,
  pairHeaders,
  signedHeaders,
} from './support/fixtures.js';
import { buildApp, frameworks, rawRequest, type AppSetup, type TestKeygateOptions } from './support/servers.js';

/** Every credential-like value any request of this file sent: none may appear in any event. */
const sent = new Set<string>(ALL_SECRETS);
/** Every event of this file, on every framework. */
const everyEvent: DecisionEvent[] = [];

const QUERY_SECRET = 'querySecretValueNeverLogged42';
const WRONG_SECRET = 'sk_test_WrongSecretForTheVectorPair01';
const LOOKS_LIKE_JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJkZW1vIn0.c2lnbmF0dXJlTm90UmVhbA';
const checksummed = generateApiKey('live').key;
const BAD_CHECKSUM = checksummed.slice(0, -1) + (checksummed.endsWith('A') ? 'B' : 'A');

/** Remembers the credential headers of a request (and their parts) before it is sent. */
function remember(headers: Record<string, string>): Record<string, string> {
  for (const [name, value] of Object.entries(headers)) {
    if (!/authorization|secret|signature/i.test(name)) continue;
    sent.add(value);
    for (const part of value.split(/[\s=,]+/)) if (part.length >= 16) sent.add(part);
  }
  return headers;
}

const silent = { warn: () => {}, error: () => {} };

/** Resolves once `events` holds `count` events (they are handed over on the next turn of the event loop). */
async function settled(events: DecisionEvent[], count = 1): Promise<DecisionEvent[]> {
  const started = performance.now();
  while (events.length < count && performance.now() - started < 2000) await new Promise((done) => setTimeout(done, 5));
  // A little longer, so that a second event for the same request would be seen.
  await new Promise((done) => setTimeout(done, 20));
  return events;
}

const failingStore: DecisionStore = {
  decide: () => {
    throw new Error('decision store down');
  },
};

describe.each(frameworks)('decision events — $name', (fw) => {
  const make = (
    options: Partial<KeygateOptions> & { errors?: TestKeygateOptions['errors'] } = {},
    setup: AppSetup = {},
  ) => {
    const events: DecisionEvent[] = [];
    const onDecision = (event: DecisionEvent) => {
      events.push(event);
      everyEvent.push(event);
    };
    const app = buildApp(
      fw,
      { keys: keysFile, now: () => VECTOR_NOW, logger: silent, onDecision, ...options } as TestKeygateOptions,
      setup,
    );
    return { app, events };
  };

  it('an admitted request: one event with who asked, the path without its query, and no credential', async () => {
    const { app, events } = make();
    const res = await request(app.handler)
      .get(`/echo?token=${QUERY_SECRET}&a=1`)
      .set(remember(basic(BASIC.valid)));
    expect(res.status).toBe(200);
    const [event, more] = await settled(events);
    expect(more).toBeUndefined();
    expect(event).toEqual({
      requestId: res.headers['x-request-id'],
      outcome: 'admitted',
      status: 200,
      scheme: 'basic',
      keyId: 'key_basic',
      tenantId: 'acme',
      environment: 'live',
      clientIp: expect.stringMatching(/127\.0\.0\.1|::1/),
      method: 'GET',
      path: '/echo',
      durationMs: expect.any(Number),
    });
    expect(event!.durationMs).toBeGreaterThanOrEqual(0);
  });

  type Case = [
    name: string,
    send: (app: ReturnType<typeof make>['app']) => Promise<{ status: number }>,
    expected: Partial<DecisionEvent>,
    options?: Partial<KeygateOptions>,
    setup?: AppSetup,
  ];
  const get =
    (headers: Record<string, string>, path = '/echo') =>
    (app: ReturnType<typeof make>['app']) =>
      request(app.handler).get(path).set(remember(headers));
  const signedPost = (headers: Record<string, string>, body: string) => (app: ReturnType<typeof make>['app']) =>
    request(app.handler).post('/echo').set(remember(headers)).set('content-type', 'application/json').send(body);
  const BODY = '{"amount":100}';

  const cases: Case[] = [
    ['no credentials', get({}), { status: 401, code: 'INVALID_API_KEY', reason: 'missing-credentials' }],
    [
      'a Basic header that is not base64',
      get({ authorization: 'Basic !!!not-base64!!!' }),
      { status: 401, code: 'INVALID_API_KEY', reason: 'malformed', scheme: 'basic' },
    ],
    [
      'a scheme nobody reads',
      get({ authorization: 'Digest username="x"' }),
      { status: 401, code: 'INVALID_API_KEY', reason: 'unsupported-scheme' },
    ],
    [
      'a JWT-looking bearer when JWT is off',
      get({ authorization: `Bearer ${LOOKS_LIKE_JWT}` }),
      { status: 401, code: 'INVALID_API_KEY', reason: 'unsupported-scheme' },
    ],
    [
      'a generated key with a wrong checksum',
      get(basic(BAD_CHECKSUM)),
      { status: 401, code: 'INVALID_API_KEY', reason: 'checksum', scheme: 'basic' },
    ],
    [
      'an unknown Basic key',
      get(basic(BASIC.unknown)),
      { status: 401, code: 'INVALID_API_KEY', reason: 'unknown-key', scheme: 'basic' },
    ],
    [
      'a revoked key',
      get(basic(BASIC.revoked)),
      { status: 401, code: 'INVALID_API_KEY', reason: 'revoked', keyId: 'key_revoked' },
    ],
    [
      'an expired key',
      get(basic(BASIC.expired)),
      { status: 401, code: 'INVALID_API_KEY', reason: 'expired', keyId: 'key_expired' },
    ],
    [
      'a known public key with a wrong secret',
      get({ authorization: `Bearer ${PAIRS.test.publicKey}`, 'x-api-secret': WRONG_SECRET }),
      { status: 401, code: 'INVALID_API_KEY', reason: 'bad-secret', scheme: 'keypair' },
    ],
    [
      'an unknown public key',
      get({ authorization: 'Bearer pk_test_NoSuchPublicKeyForKeygate01', 'x-api-secret': WRONG_SECRET }),
      { status: 401, code: 'INVALID_API_KEY', reason: 'unknown-key', scheme: 'keypair' },
    ],
    [
      'a suspended tenant',
      get(basic(BASIC.suspended)),
      { status: 401, code: 'TENANT_INACTIVE', reason: 'tenant-suspended', keyId: 'key_suspended', tenantId: 'globex' },
    ],
    [
      'prefixes that disagree',
      get(pairHeaders({ publicKey: PAIRS.test.publicKey, secretKey: PAIRS.live.secretKey })),
      { status: 401, code: 'ENVIRONMENT_MISMATCH', reason: 'environment' },
    ],
    [
      'a wrong signature',
      signedPost(signedHeaders(PAIRS.test, { method: 'POST', path: '/echo', body: '{"amount":1}' }), BODY),
      { status: 401, code: 'INVALID_SIGNATURE', reason: 'bad-signature', keyId: 'pair_test' },
    ],
    [
      'a missing signature where one is required',
      get(pairHeaders(PAIRS.test)),
      { status: 401, code: 'INVALID_SIGNATURE', reason: 'signature-missing' },
      { keypair: { signatures: 'required' } },
    ],
    [
      'a stale timestamp',
      get(signedHeaders(PAIRS.test, { method: 'GET', path: '/echo', timestamp: VECTOR_NOW - 600_000 })),
      { status: 401, code: 'TIMESTAMP_OUT_OF_RANGE', reason: 'timestamp' },
    ],
    [
      'a body over maxBodyBytes',
      signedPost(signedHeaders(PAIRS.test, { method: 'POST', path: '/echo', body: BODY }), BODY),
      { status: 413, code: 'BODY_TOO_LARGE', reason: 'body-too-large' },
      { maxBodyBytes: 4 },
    ],
    [
      'a parser before keygate that kept no raw body',
      signedPost(signedHeaders(PAIRS.test, { method: 'POST', path: '/echo', body: BODY }), BODY),
      {
        status: 500,
        code: 'RAW_BODY_UNAVAILABLE',
        reason: 'raw-body-unavailable',
        fix: expect.stringMatching(/before the body parser/) as unknown as string,
      },
      {},
      { parser: 'before-without-raw' },
    ],
    [
      'a decision store that is down',
      get(basic(BASIC.valid)),
      { status: 503, code: 'AUTH_UNAVAILABLE', reason: 'store-error', keyId: 'key_basic' },
      { store: failingStore },
    ],
    [
      'a key without the scope of the route (requireScopes)',
      (app) =>
        request(app.handler)
          .post('/payments')
          .set(remember(pairHeaders(PAIRS.readOnly)))
          .send({}),
      { status: 403, code: 'INSUFFICIENT_SCOPE', reason: 'insufficient-scope', keyId: 'pair_readonly' },
    ],
  ];

  it.each(cases)(
    '%s → one rejected event with its code and reason',
    async (_name, send, expected, options = {}, setup = {}) => {
      const { app, events } = make(options, setup);
      const res = await send(app);
      expect(res.status).toBe(expected.status);
      const [event, more] = await settled(events);
      expect(more).toBeUndefined();
      expect(event).toMatchObject({ outcome: 'rejected', method: expect.stringMatching(/^(GET|POST)$/), ...expected });
      expect(event!.path).toMatch(/^\/(echo|payments)$/);
    },
  );

  it('a replayed signature → REPLAYED_REQUEST, reason replay; the first is admitted (two events)', async () => {
    const { app, events } = make();
    const headers = remember(signedHeaders(PAIRS.test, { method: 'GET', path: '/echo' }));
    expect((await request(app.handler).get('/echo').set(headers)).status).toBe(200);
    expect(outcome(await request(app.handler).get('/echo').set(headers))).toBe('401 REPLAYED_REQUEST');
    const [first, second] = await settled(events, 2);
    expect(first).toMatchObject({ outcome: 'admitted', keyId: 'pair_test', scheme: 'keypair', environment: 'test' });
    expect(second).toMatchObject({
      outcome: 'rejected',
      code: 'REPLAYED_REQUEST',
      reason: 'replay',
      keyId: 'pair_test',
    });
    expect(events).toHaveLength(2);
  });

  it('over the per-key limit → RATE_LIMIT_EXCEEDED, reason rate-limited', async () => {
    const { app, events } = make();
    for (let i = 0; i < 3; i++)
      await request(app.handler)
        .get('/echo')
        .set(remember(basic(BASIC.limited)));
    await settled(events, 3);
    expect(events.map((event) => [event.outcome, event.reason])).toEqual([
      ['admitted', undefined],
      ['admitted', undefined],
      ['rejected', 'rate-limited'],
    ]);
    expect(events[2]).toMatchObject({ status: 429, code: 'RATE_LIMIT_EXCEEDED', keyId: 'key_limited' });
  });

  it('too many failed attempts → TOO_MANY_FAILED_ATTEMPTS, reason too-many-failed-attempts', async () => {
    const { app, events } = make({ failedAuthLimit: { limit: 1, windowSeconds: 60 } });
    await request(app.handler)
      .get('/echo')
      .set(remember(basic(BASIC.unknown)));
    expect(
      outcome(
        await request(app.handler)
          .get('/echo')
          .set(remember(basic(BASIC.valid))),
      ),
    ).toBe('429 TOO_MANY_FAILED_ATTEMPTS');
    await settled(events, 2);
    expect(events[1]).toMatchObject({
      outcome: 'rejected',
      status: 429,
      code: 'TOO_MANY_FAILED_ATTEMPTS',
      reason: 'too-many-failed-attempts',
    });
    expect(events[1]!.keyId).toBeUndefined(); // refused before any key was looked up
  });

  it('a body that does not arrive in time → REQUEST_TIMEOUT, reason body-timeout', async () => {
    const { app, events } = make({ bodyTimeoutMs: 100 });
    const headers = remember(signedHeaders(PAIRS.test, { method: 'POST', path: '/echo', body: BODY }));
    const res = await rawRequest(app.handler, {
      method: 'POST',
      path: '/echo',
      headers: { ...headers, 'content-type': 'application/json', 'content-length': String(BODY.length) },
      chunks: ['{"am'],
      holdOpen: true,
    });
    expect(res.status).toBe(408);
    const [event] = await settled(events);
    expect(event).toMatchObject({ outcome: 'rejected', status: 408, code: 'REQUEST_TIMEOUT', reason: 'body-timeout' });
  });

  it(`errors: '${fw.kind === 'express' ? 'next' : 'throw'}' still gives exactly one event, and the scope refusal replaces the admission`, async () => {
    const { app, events } = make({ errors: fw.kind === 'express' ? 'next' : 'throw' });
    await request(app.handler)
      .get('/echo')
      .set(remember(basic(BASIC.unknown)));
    await request(app.handler)
      .post('/payments')
      .set(remember(basic(BASIC.readOnly)))
      .send({});
    await settled(events, 2);
    expect(events.map((event) => `${event.status} ${event.code} ${event.reason}`)).toEqual([
      '401 INVALID_API_KEY unknown-key',
      '403 INSUFFICIENT_SCOPE insufficient-scope',
    ]);
  });

  describe('JWT bearer tokens', () => {
    let idp: TestJwtIssuer;
    beforeAll(async () => {
      idp = await createTestJwtIssuer({ now: () => VECTOR_NOW });
    });
    const withJwt = () =>
      make({ jwt: { jwks: idp.jwks, issuer: idp.issuer, audience: idp.audience } } as Partial<KeygateOptions>);

    it('an admitted token: scheme jwt, keyId its subject, tenant from its claim', async () => {
      const { app, events } = withJwt();
      const token = await idp.sign({ subject: 'svc_reports', tenant: 'acme' });
      expect(
        (
          await request(app.handler)
            .get('/echo')
            .set(remember({ authorization: `Bearer ${token}` }))
        ).status,
      ).toBe(200);
      const [event] = await settled(events);
      expect(event).toMatchObject({ outcome: 'admitted', scheme: 'jwt', keyId: 'svc_reports', tenantId: 'acme' });
    });

    it.each([
      ['expired', false, { expiresInSeconds: -60 }, 'expired'],
      ['signed by another key under the same kid', true, {}, 'bad-signature'],
    ] as const)(
      'a token %s → INVALID_TOKEN with its details.reason as the reason',
      async (_name, forged, claims, reason) => {
        const { app, events } = withJwt();
        const signer = forged ? await createTestJwtIssuer({ now: () => VECTOR_NOW }) : idp;
        const token = await signer.sign({ subject: 'svc_reports', tenant: 'acme', ...claims });
        expect(
          outcome(
            await request(app.handler)
              .get('/echo')
              .set(remember({ authorization: `Bearer ${token}` })),
          ),
        ).toBe('401 INVALID_TOKEN');
        const [event] = await settled(events);
        expect(event).toMatchObject({ outcome: 'rejected', status: 401, code: 'INVALID_TOKEN', reason, scheme: 'jwt' });
      },
    );
  });

  it('the client address is the framework’s: X-Forwarded-For only counts when the app trusts its proxy', async () => {
    const trusted = make({}, { trustProxy: true });
    await request(trusted.app.handler)
      .get('/echo')
      .set('x-forwarded-for', '203.0.113.7')
      .set(remember(basic(BASIC.valid)));
    expect((await settled(trusted.events))[0]!.clientIp).toBe('203.0.113.7');
    const untrusted = make();
    await request(untrusted.app.handler)
      .get('/echo')
      .set('x-forwarded-for', '203.0.113.7')
      .set(remember(basic(BASIC.valid)));
    expect((await settled(untrusted.events))[0]!.clientIp).not.toBe('203.0.113.7');
  });

  describe('the hook can neither break nor delay the answer', () => {
    const logger = () => {
      const lines: string[] = [];
      return { lines, warn: (line: string) => lines.push(line), error: (line: string) => lines.push(line) };
    };

    it('a hook that throws: the answer is unchanged and the logger is told', async () => {
      const log = logger();
      const app = buildApp(fw, {
        keys: keysFile,
        logger: log,
        onDecision: () => {
          throw new Error('hook exploded');
        },
      });
      expect((await request(app.handler).get('/echo').set(basic(BASIC.valid))).status).toBe(200);
      expect(outcome(await request(app.handler).get('/echo').set(basic(BASIC.unknown)))).toBe('401 INVALID_API_KEY');
      await settled([], 0);
      expect(log.lines).toEqual([
        'keygate: onDecision failed: hook exploded',
        'keygate: onDecision failed: hook exploded',
      ]);
    });

    it('an async hook that rejects: the logger is told, nothing is unhandled', async () => {
      const log = logger();
      const app = buildApp(fw, {
        keys: keysFile,
        logger: log,
        onDecision: async () => Promise.reject(new Error('async hook failed')),
      });
      expect((await request(app.handler).get('/echo').set(basic(BASIC.valid))).status).toBe(200);
      await settled([], 0);
      expect(log.lines).toEqual(['keygate: onDecision failed: async hook failed']);
    });

    it('a slow async hook (3 s) does not delay the answer', async () => {
      let calls = 0;
      const app = buildApp(fw, {
        keys: keysFile,
        onDecision: () => {
          calls += 1;
          return new Promise((done) => setTimeout(done, 3000).unref());
        },
      });
      const started = performance.now();
      expect((await request(app.handler).get('/echo').set(basic(BASIC.valid))).status).toBe(200);
      expect(outcome(await request(app.handler).get('/echo').set(basic(BASIC.unknown)))).toBe('401 INVALID_API_KEY');
      expect(performance.now() - started).toBeLessThan(1500);
      await settled([], 0);
      expect(calls).toBe(2);
    });
  });
});

afterAll(() => {
  // Every event, serialized, searched for every credential, signature and query string any request sent.
  expect(everyEvent.length).toBeGreaterThan(100);
  const text = JSON.stringify(everyEvent);
  sent.add(QUERY_SECRET);
  sent.add(BAD_CHECKSUM);
  for (const secret of sent) expect(text.includes(secret), `an event holds ${secret.slice(0, 12)}…`).toBe(false);
  expect(text).not.toMatch(/token=|\?/);
});

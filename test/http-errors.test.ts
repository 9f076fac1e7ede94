/**
 * Error delivery (`errors: 'next'` on Express, `errors: 'throw'` on Koa), request ids and the per-key rate
 * limiter, through the real adapters on Express 5, Express 4, Koa 3 and Koa 2.
 */
import { KeygateError, isKeygateError } from '@keygate/core';
import * as keygateExpress from '@keygate/express';
import * as keygateKoa from '@keygate/koa';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import {
  BASIC,
  PAIRS,
  UUID,
  VECTOR_NOW,
  basic,
  expectAdmitted,
  expectNoCredentialLeak,
  expectRejection,
  keysFile,
  outcome,
  pairHeaders,
  signedHeaders,
} from './support/fixtures.js';
import { buildApp, frameworks, type TestKeygateOptions } from './support/servers.js';

describe.each(frameworks)('errors, request ids and rate limits — $name', (fw) => {
  const make = (options: Partial<TestKeygateOptions> = {}, setup: Parameters<typeof buildApp>[2] = {}) =>
    buildApp(fw, { keys: keysFile, ...options }, setup);
  const delegate = fw.kind === 'express' ? 'next' : 'throw';

  describe(`errors: '${fw.kind === 'express' ? 'next' : 'throw'}' hands the KeygateError to the app's error handler`, () => {
    it.each([
      ['no credentials', {}, 401, 'INVALID_API_KEY'],
      ['unknown key', basic(BASIC.unknown), 401, 'INVALID_API_KEY'],
      ['suspended tenant', basic(BASIC.suspended), 401, 'TENANT_INACTIVE'],
      [
        'environment mismatch',
        pairHeaders({ publicKey: PAIRS.test.publicKey, secretKey: PAIRS.live.secretKey }),
        401,
        'ENVIRONMENT_MISMATCH',
      ],
    ] as const)('%s → the handler answers %i %s', async (_name, headers, status, code) => {
      const app = make({ errors: delegate });
      const res = await request(app.handler).get('/echo').set(headers);
      expect(outcome(res)).toBe(`${status} ${code}`);
      expect(res.body).toMatchObject({ handledBy: 'app', keygateError: true, success: false, error: { code } });
      expect(app.handledErrors).toHaveLength(1);
      const error = app.handledErrors[0];
      expect(error).toBeInstanceOf(KeygateError);
      expect(isKeygateError(error)).toBe(true);
      const keygateError = error as KeygateError;
      expect(keygateError).toMatchObject({ name: 'KeygateError', code, status, statusCode: status, expose: true });
      expect(keygateError.requestId).toMatch(UUID);
      expect(keygateError.headers['x-request-id']).toBe(keygateError.requestId);
      expect(keygateError.headers['www-authenticate']).toBe('Basic realm="api", charset="UTF-8", Bearer realm="api"');
      expect(keygateError.toJSON()).toEqual({
        success: false,
        error: { message: keygateError.message, code, details: {} },
        requestId: keygateError.requestId,
      });
      // The app set the error's headers: the answer is as good as keygate's own.
      expect(res.headers['x-request-id']).toBe(keygateError.requestId);
      expect(res.headers['www-authenticate']).toBe(keygateError.headers['www-authenticate']);
      expectNoCredentialLeak(res);
    });

    it('a signature failure, with its details', async () => {
      const app = make({ errors: delegate, now: () => VECTOR_NOW });
      const res = await request(app.handler)
        .post('/echo')
        .set(signedHeaders(PAIRS.test, { method: 'POST', path: '/echo', body: '{"a":1}' }))
        .set('Content-Type', 'application/json')
        .send('{"a":2}');
      expect(outcome(res)).toBe('401 INVALID_SIGNATURE');
      expect(res.body).toMatchObject({
        handledBy: 'app',
        error: { code: 'INVALID_SIGNATURE', details: { reason: 'mismatch' } },
      });
      expect((app.handledErrors[0] as KeygateError).code).toBe('INVALID_SIGNATURE');
    });

    it('requireScopes hands its 403 INSUFFICIENT_SCOPE to the same handler', async () => {
      const app = make({ errors: delegate });
      const res = await request(app.handler).post('/payments').set(pairHeaders(PAIRS.readOnly)).send({ amount: 1 });
      expect(outcome(res)).toBe('403 INSUFFICIENT_SCOPE');
      expect(res.body).toMatchObject({
        handledBy: 'app',
        keygateError: true,
        error: { code: 'INSUFFICIENT_SCOPE', details: { missingScopes: ['payments:write'] } },
      });
      const error = app.handledErrors[0] as KeygateError;
      expect(error).toBeInstanceOf(KeygateError);
      expect(error.status).toBe(403);
      expect(error.headers['www-authenticate']).toBeUndefined();
      // The request id of the scope error is the verified request's.
      expect(res.headers['x-request-id']).toBe(error.requestId);
    });

    it('a rate-limit refusal carries Retry-After and x-ratelimit-* in error.headers', async () => {
      const app = make({ errors: delegate, rateLimit: { limit: 1, windowSeconds: 60 }, now: () => VECTOR_NOW });
      expectAdmitted(await request(app.handler).get('/echo').set(basic(BASIC.valid)));
      const res = await request(app.handler).get('/echo').set(basic(BASIC.valid));
      expect(outcome(res)).toBe('429 RATE_LIMIT_EXCEEDED');
      const error = app.handledErrors[0] as KeygateError;
      expect(error.code).toBe('RATE_LIMIT_EXCEEDED');
      expect(error.headers).toMatchObject({
        'retry-after': '60',
        'x-ratelimit-limit': '1',
        'x-ratelimit-remaining': '0',
      });
      expect(res.headers['retry-after']).toBe('60');
    });

    it('admitted requests never reach the error handler', async () => {
      const app = make({ errors: delegate });
      expectAdmitted(await request(app.handler).get('/echo').set(basic(BASIC.valid)));
      expect(app.handledErrors).toHaveLength(0);
    });

    it("in the default 'respond' mode the app's error handler is not involved", async () => {
      const app = make();
      expectRejection(await request(app.handler).get('/echo').set(basic(BASIC.unknown)), 401, 'INVALID_API_KEY');
      expectRejection(
        await request(app.handler).post('/payments').set(pairHeaders(PAIRS.readOnly)).send({}),
        403,
        'INSUFFICIENT_SCOPE',
      );
      expect(app.handledErrors).toHaveLength(0);
    });

    if (fw.kind === 'koa') {
      it("errors: 'throw' without an app error handler: Koa's default handler answers with the status, message and headers", async () => {
        const app = make({ errors: 'throw' }, { appErrorHandler: false });
        const res = await request(app.handler).get('/echo').set(basic(BASIC.unknown));
        expect({ status: res.status, text: res.text }).toEqual({ status: 401, text: 'Invalid or revoked API key.' });
        expect(res.headers['www-authenticate']).toBe('Basic realm="api", charset="UTF-8", Bearer realm="api"');
        expect(res.headers['x-request-id']).toMatch(UUID);
        expectNoCredentialLeak(res, [BASIC.unknown]);
      });
    }

    it('the wrong mode for the adapter is refused when the middleware is built', () => {
      if (fw.kind === 'express') {
        expect(() => keygateExpress.keygate({ keys: keysFile, errors: 'throw' as never })).toThrow(/errors/);
      } else {
        expect(() => keygateKoa.keygate({ keys: keysFile, errors: 'next' as never })).toThrow(/errors/);
      }
    });
  });

  describe('request ids', () => {
    it('a well-formed incoming x-request-id is echoed on success (header and auth.requestId)', async () => {
      const app = make();
      const res = await request(app.handler)
        .get('/echo')
        .set(basic(BASIC.valid))
        .set('X-Request-Id', 'req_2025-11-25.abc:0001');
      const { auth } = expectAdmitted(res);
      expect(res.headers['x-request-id']).toBe('req_2025-11-25.abc:0001');
      expect(auth.requestId).toBe('req_2025-11-25.abc:0001');
    });

    it('… and on rejection (header and envelope)', async () => {
      const app = make();
      const res = await request(app.handler)
        .get('/echo')
        .set(basic(BASIC.unknown))
        .set('X-Request-Id', 'trace-0123456789');
      expect(expectRejection(res, 401, 'INVALID_API_KEY').requestId).toBe('trace-0123456789');
    });

    it('… and on a 403 from requireScopes', async () => {
      const app = make();
      const res = await request(app.handler)
        .post('/payments')
        .set(pairHeaders(PAIRS.readOnly))
        .set('X-Request-Id', 'trace-0123456789')
        .send({});
      expect(expectRejection(res, 403, 'INSUFFICIENT_SCOPE').requestId).toBe('trace-0123456789');
    });

    it('with no incoming id, a UUID', async () => {
      const app = make();
      const ok = await request(app.handler).get('/echo').set(basic(BASIC.valid));
      expect(ok.headers['x-request-id']).toMatch(UUID);
      const refused = await request(app.handler).get('/echo');
      expect(expectRejection(refused, 401, 'INVALID_API_KEY').requestId).toMatch(UUID);
    });

    it.each([
      ['with spaces', 'not a good id'],
      ['too short', 'abc'],
      ['too long', 'a'.repeat(129)],
      ['with quotes and angle brackets', '"><script>alert(1)</script>'],
      ['with a slash', 'abc/def/ghi'],
      ['non-ASCII (latin-1)', 'requête-0000001'],
    ])('a malformed incoming id (%s) is replaced by a UUID', async (_name, id) => {
      const app = make();
      const ok = await request(app.handler).get('/echo').set(basic(BASIC.valid)).set('X-Request-Id', id);
      expect(ok.headers['x-request-id']).toMatch(UUID);
      expect(expectAdmitted(ok).auth.requestId).toBe(ok.headers['x-request-id']);
      const refused = await request(app.handler).get('/echo').set(basic(BASIC.unknown)).set('X-Request-Id', id);
      expect(expectRejection(refused, 401, 'INVALID_API_KEY').requestId).toMatch(UUID);
    });

    it('trustRequestId: false ignores even a well-formed incoming id', async () => {
      const app = make({ trustRequestId: false });
      const res = await request(app.handler)
        .get('/echo')
        .set(basic(BASIC.valid))
        .set('X-Request-Id', 'trace-0123456789');
      expect(res.headers['x-request-id']).toMatch(UUID);
    });

    it.each([
      ['the Basic key itself', basic(BASIC.valid), BASIC.valid],
      ['the Basic key inside a longer id', basic(BASIC.valid), `trace-${BASIC.valid}-1`],
      ['an unknown Basic key (refused request)', basic(BASIC.unknown), BASIC.unknown],
      ['the public key of a pair', pairHeaders(PAIRS.test), PAIRS.test.publicKey],
      ['the secret key of a pair', pairHeaders(PAIRS.test), PAIRS.test.secretKey],
      ['the secret key inside a longer id', pairHeaders(PAIRS.test), `id.${PAIRS.test.secretKey}.x`],
      [
        'a wrong secret key (refused request)',
        pairHeaders({ publicKey: PAIRS.test.publicKey, secretKey: 'sk_test_WrongSecretKeyForKeygate0001' }),
        'sk_test_WrongSecretKeyForKeygate0001',
      ],
      ['a long piece of the secret', pairHeaders(PAIRS.test), PAIRS.test.secretKey.slice(0, 24)],
    ])('an incoming id containing a presented credential (%s) is replaced', async (_name, headers, id) => {
      const app = make();
      const res = await request(app.handler).get('/echo').set(headers).set('X-Request-Id', id);
      expect(res.headers['x-request-id']).toMatch(UUID);
      expect(res.text).not.toContain(id);
      expect(JSON.stringify(res.headers)).not.toContain(id);
      expectNoCredentialLeak(res, [id]);
    });
  });

  describe('request ids: a credential separated from its scheme by a tab (issue 8, finding 3)', () => {
    const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

    it.each([
      ['the Basic key itself', BASIC.valid],
      ['the Basic key inside a longer id', `trace-${BASIC.valid}-1`],
    ])(
      'Authorization: Basic<TAB><base64 key:> with X-Request-Id = %s: the key is nowhere in the answer',
      async (_name, id) => {
        const app = make();
        const res = await request(app.handler)
          .get('/echo')
          .set('Authorization', `Basic\t${b64(`${BASIC.valid}:`)}`)
          .set('X-Request-Id', id);
        // RFC 7235 separates the scheme from its credentials with a space: a tab makes the header malformed.
        const envelope = expectRejection(res, 401, 'INVALID_API_KEY', { presented: [BASIC.valid, id] });
        expect(res.headers['x-request-id']).toMatch(UUID);
        expect(envelope.requestId).toBe(res.headers['x-request-id']);
        expect(`${res.text}\n${JSON.stringify(res.headers)}`).not.toContain(BASIC.valid);
      },
    );

    it('the same with an unknown key, and for a key pair (Bearer<TAB>pk_…, X-Request-Id = the public key or the secret)', async () => {
      const app = make();
      const unknown = await request(app.handler)
        .get('/echo')
        .set('Authorization', `Basic\t${b64(`${BASIC.unknown}:`)}`)
        .set('X-Request-Id', BASIC.unknown);
      expectRejection(unknown, 401, 'INVALID_API_KEY', { presented: [BASIC.unknown] });
      expect(unknown.headers['x-request-id']).toMatch(UUID);
      for (const id of [PAIRS.test.publicKey, PAIRS.test.secretKey]) {
        const res = await request(app.handler)
          .get('/echo')
          .set({
            authorization: `Bearer\t${PAIRS.test.publicKey}`,
            'x-api-secret': PAIRS.test.secretKey,
            'x-request-id': id,
          });
        expect(res.headers['x-request-id']).toMatch(UUID);
        expectNoCredentialLeak(res, [id]);
      }
    });
  });

  describe('request ids: credentials in headers keygate does not read', () => {
    // Regression: an oversized credential header is never decoded, so an incoming id cannot be checked against
    // it; it must not be echoed (it could carry the key).
    it('an incoming id equal to the key is not echoed when the Authorization header is over maxHeaderLength', async () => {
      const app = make({ basic: { allowPassword: true } });
      const header = `Basic ${Buffer.from(`${BASIC.valid}:${'x'.repeat(3800)}`).toString('base64')}`;
      expect(header.length).toBeGreaterThan(4096);
      const res = await request(app.handler).get('/echo').set('Authorization', header).set('X-Request-Id', BASIC.valid);
      expectRejection(res, 401, 'INVALID_API_KEY', { presented: [BASIC.valid] });
      expect(res.headers['x-request-id']).toMatch(UUID);
    });
  });

  describe('rate limit (sliding window per key)', () => {
    const T0 = VECTOR_NOW + 250; // not on a whole second, so rounding shows
    const limited = () => {
      const clock = { now: T0 };
      const app = make({ rateLimit: { limit: 3, windowSeconds: 60 }, now: () => clock.now });
      return { app, clock, get: () => request(app.handler).get('/echo').set(basic(BASIC.valid)) };
    };

    it('remaining counts down 2, 1, 0; the 4th request → 429 RATE_LIMIT_EXCEEDED with Retry-After', async () => {
      const { clock, get } = limited();
      const remaining: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await get();
        expectAdmitted(res);
        expect(res.headers['x-ratelimit-limit']).toBe('3');
        expect(res.headers['x-ratelimit-reset']).toBe(String(Math.ceil((T0 + 60_000) / 1000)));
        remaining.push(res.headers['x-ratelimit-remaining'] as string);
        clock.now += 1000;
      }
      expect(remaining).toEqual(['2', '1', '0']);

      clock.now = T0 + 10_000;
      const refused = await get();
      const envelope = expectRejection(refused, 429, 'RATE_LIMIT_EXCEEDED', { presented: [BASIC.valid] });
      expect(envelope.error.message).toBe('Rate limit exceeded.');
      expect(refused.headers['x-ratelimit-limit']).toBe('3');
      expect(refused.headers['x-ratelimit-remaining']).toBe('0');
      const retryAfter = Number(refused.headers['retry-after']);
      const reset = Number(refused.headers['x-ratelimit-reset']);
      expect(refused.headers['retry-after']).toMatch(/^\d+$/);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBe(50);
      expect(reset).toBe(Math.ceil((T0 + 60_000) / 1000));
      // Retry-After and x-ratelimit-reset name the same moment (to the second).
      expect(Math.abs(clock.now / 1000 + retryAfter - reset)).toBeLessThanOrEqual(1);
    });

    it('refused requests are not counted, and waiting Retry-After seconds is enough', async () => {
      const { clock, get } = limited();
      for (let i = 0; i < 3; i++) {
        expectAdmitted(await get());
        clock.now += 1000; // admissions at T0, T0+1s, T0+2s
      }
      clock.now = T0 + 5_500; // the first slot frees in 54.5 s: Retry-After rounds up to 55
      const refused = await get();
      expectRejection(refused, 429, 'RATE_LIMIT_EXCEEDED');
      expect(refused.headers['retry-after']).toBe('55');
      expectRejection(await get(), 429, 'RATE_LIMIT_EXCEEDED');
      clock.now += Number(refused.headers['retry-after']) * 1000;
      const res = await get();
      expectAdmitted(res);
      expect(res.headers['x-ratelimit-remaining']).toBe('0');
    });

    it('a client that waits until x-ratelimit-reset is admitted', async () => {
      const { clock, get } = limited();
      for (let i = 0; i < 3; i++) expectAdmitted(await get());
      const refused = await get();
      expectRejection(refused, 429, 'RATE_LIMIT_EXCEEDED');
      clock.now = Number(refused.headers['x-ratelimit-reset']) * 1000;
      expectAdmitted(await get());
    });

    it('one millisecond before the slot frees the key is still refused (sliding, exact)', async () => {
      const { clock, get } = limited();
      for (let i = 0; i < 3; i++) expectAdmitted(await get());
      clock.now = T0 + 60_000 - 1;
      const refused = await get();
      expectRejection(refused, 429, 'RATE_LIMIT_EXCEEDED');
      expect(refused.headers['retry-after']).toBe('1');
    });

    it('after the window has passed the key is admitted again with a full allowance', async () => {
      const { clock, get } = limited();
      for (let i = 0; i < 3; i++) expectAdmitted(await get());
      expectRejection(await get(), 429, 'RATE_LIMIT_EXCEEDED');
      clock.now = T0 + 61_000;
      const res = await get();
      expectAdmitted(res);
      expect(res.headers['x-ratelimit-remaining']).toBe('2');
    });

    it('limits are per key: another key of the same tenant is unaffected', async () => {
      const { app, get } = limited();
      for (let i = 0; i < 3; i++) expectAdmitted(await get());
      expectRejection(await get(), 429, 'RATE_LIMIT_EXCEEDED');
      const other = await request(app.handler).get('/echo').set(basic(BASIC.hashed));
      expectAdmitted(other);
      expect(other.headers['x-ratelimit-remaining']).toBe('2');
    });

    it("a key record's rateLimit overrides the verifier's (Basic key)", async () => {
      const app = make({ rateLimit: { limit: 3, windowSeconds: 60 }, now: () => VECTOR_NOW });
      const get = () => request(app.handler).get('/echo').set(basic(BASIC.limited));
      const first = await get();
      expectAdmitted(first);
      expect(first.headers['x-ratelimit-limit']).toBe('2');
      expect(first.headers['x-ratelimit-remaining']).toBe('1');
      expect((await get()).headers['x-ratelimit-remaining']).toBe('0');
      const refused = await get();
      expectRejection(refused, 429, 'RATE_LIMIT_EXCEEDED', { presented: [BASIC.limited] });
      expect(refused.headers['x-ratelimit-limit']).toBe('2');
      expect(refused.headers['retry-after']).toBe('60');
    });

    it("a key record's rateLimit applies even when the verifier has rateLimit: false (key pair)", async () => {
      const app = make({ rateLimit: false, now: () => VECTOR_NOW });
      const get = () => request(app.handler).get('/echo').set(pairHeaders(PAIRS.limited));
      expectAdmitted(await get());
      expectAdmitted(await get());
      expectRejection(await get(), 429, 'RATE_LIMIT_EXCEEDED', {
        presented: [PAIRS.limited.publicKey, PAIRS.limited.secretKey],
      });
    });

    it('rateLimit: false: no limit and no x-ratelimit-* headers for keys without their own', async () => {
      const app = make({ rateLimit: false });
      for (let i = 0; i < 5; i++) {
        const res = await request(app.handler).get('/echo').set(basic(BASIC.valid));
        expectAdmitted(res, { rateLimited: false });
        expect(res.headers['x-ratelimit-limit']).toBeUndefined();
      }
    });

    it('requests refused before identification (unknown key, bad secret) do not count against a key', async () => {
      const clock = { now: T0 };
      const app = make({ rateLimit: { limit: 2, windowSeconds: 60 }, now: () => clock.now });
      for (let i = 0; i < 5; i++) {
        const res = await request(app.handler)
          .get('/echo')
          .set(pairHeaders({ publicKey: PAIRS.test.publicKey, secretKey: 'sk_test_WrongSecretKeyForKeygate0001' }));
        expectRejection(res, 401, 'INVALID_API_KEY');
        expect(res.headers['x-ratelimit-limit']).toBeUndefined();
      }
      const res = await request(app.handler).get('/echo').set(pairHeaders(PAIRS.test));
      expectAdmitted(res);
      expect(res.headers['x-ratelimit-remaining']).toBe('1');
    });

    it('concurrent requests for one key never admit more than the limit', async () => {
      const { app } = limited();
      const results = await Promise.all(
        Array.from({ length: 10 }, () => request(app.handler).get('/echo').set(basic(BASIC.valid))),
      );
      expect(results.map(outcome).sort()).toEqual([
        ...Array(3).fill('200'),
        ...Array(7).fill('429 RATE_LIMIT_EXCEEDED'),
      ]);
      for (const res of results.filter((r) => r.status !== 200)) expectRejection(res, 429, 'RATE_LIMIT_EXCEEDED');
      expect(
        results
          .filter((r) => r.status === 200)
          .map((r) => r.headers['x-ratelimit-remaining'])
          .sort(),
      ).toEqual(['0', '1', '2']);
    });
  });

  describe('requireScopes without keygate in front', () => {
    // A route guard that runs without the verifier refuses instead of opening the route.
    it('refuses with 401 INVALID_API_KEY, never lets the request through', async () => {
      const app = make({}, { keygate: false });
      const res = await request(app.handler).get('/payments').set(basic(BASIC.valid));
      // The guard has no verifier configuration, so no WWW-Authenticate challenge (see the report).
      const envelope = expectRejection(res, 401, 'INVALID_API_KEY', { wwwAuthenticate: false });
      expect(envelope.requestId).toMatch(UUID);
    });
  });
});

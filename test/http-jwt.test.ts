/**
 * JWT bearer tokens through the real adapters on Express 5, Express 4, Koa 3 and Koa 2, verified against a local
 * JWKS endpoint (test/support/jwks-server.ts) whose keys, health and speed the tests change.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BASIC,
  basic,
  expectAdmitted,
  expectNoCredentialLeak,
  expectRejection,
  keysFile,
  outcome,
} from './support/fixtures.js';
import { startJwksServer, type JwksServer } from './support/jwks-server.js';
import {
  AUDIENCE,
  ISSUER,
  claimsAt,
  hmacWithPublicKey,
  hugeHeaderToken,
  hugeToken,
  signToken,
  signingKey,
  unsecuredToken,
  type SigningKey,
} from './support/jwt-tokens.js';
import { buildApp, frameworks, listen, type TestKeygateOptions } from './support/servers.js';

const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);
const INVALID = 'Bearer realm="api", error="invalid_token"';
let jwks: JwksServer;
let rsa: SigningKey;
let ec: SigningKey;
let ed: SigningKey;

beforeAll(async () => {
  [rsa, ec, ed] = await Promise.all([signingKey('RS256'), signingKey('ES256'), signingKey('EdDSA')]);
  jwks = await startJwksServer([rsa.publicJwk, ec.publicJwk, ed.publicJwk]);
});
afterAll(() => jwks?.close());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe.each(frameworks)('JWT bearer tokens — $name', (fw) => {
  const make = (jwt: Record<string, unknown> = {}, options: Partial<TestKeygateOptions> = {}) =>
    buildApp(fw, {
      keys: keysFile,
      now: () => NOW,
      onStoreError: () => {},
      jwt: { jwksUrl: jwks.url, issuer: ISSUER, audience: AUDIENCE, ...jwt },
      ...options,
    } as TestKeygateOptions);

  it.each(['RS256', 'ES256', 'EdDSA'] as const)(
    'a valid %s token: 200 with scheme jwt, sub, tenant, scopes and claims',
    async (alg) => {
      const key = { RS256: rsa, ES256: ec, EdDSA: ed }[alg];
      const token = await signToken(key, claimsAt(NOW));
      const res = await request(make().handler).get('/echo').set(bearer(token));
      const { auth } = expectAdmitted(res);
      expect(auth).toMatchObject({
        scheme: 'jwt',
        keyId: 'user_42',
        tenantId: 'acme',
        environment: null,
        scopes: ['payments:read', 'payments:write'],
        signed: false,
      });
      expect(auth.claims).toMatchObject({ iss: ISSUER, sub: 'user_42', aud: AUDIENCE, tenant_id: 'acme' });
    },
  );

  it.each([
    ['expired', { exp: NOW / 1000 - 60 }, 'expired'],
    ['not yet valid', { nbf: NOW / 1000 + 600 }, 'not-yet-valid'],
    ['another issuer', { iss: 'https://evil.test' }, 'issuer'],
    ['another audience', { aud: 'https://other.test' }, 'audience'],
    ['no tenant claim', { tenant_id: undefined }, 'missing-claim'],
  ])('%s → 401 INVALID_TOKEN (%s) with error="invalid_token"', async (_name, overrides, reason) => {
    const token = await signToken(ec, claimsAt(NOW, overrides));
    const res = await request(make().handler).get('/echo').set(bearer(token));
    const body = expectRejection(res, 401, 'INVALID_TOKEN', { presented: [token] });
    expect(body.error.details).toEqual({ reason });
    expect(res.headers['www-authenticate']).toBe(INVALID);
  });

  it('alg none and an HS256 token keyed with the RSA public key → 401 INVALID_TOKEN (algorithm)', async () => {
    const app = make();
    for (const token of [unsecuredToken(claimsAt(NOW)), await hmacWithPublicKey(rsa, claimsAt(NOW))]) {
      const res = await request(app.handler).get('/echo').set(bearer(token));
      expect(expectRejection(res, 401, 'INVALID_TOKEN', { presented: [token] }).error.details).toEqual({
        reason: 'algorithm',
      });
    }
  });

  it('a suspended tenant → 401 TENANT_INACTIVE, with the invalid_token challenge', async () => {
    const res = await request(make().handler)
      .get('/echo')
      .set(bearer(await signToken(ec, claimsAt(NOW, { tenant_id: 'globex' }))));
    expectRejection(res, 401, 'TENANT_INACTIVE');
    expect(res.headers['www-authenticate']).toBe(INVALID);
  });

  it('scopes from scope and from scp reach requireScopes; a missing one → 403 with error="insufficient_scope"', async () => {
    const app = make();
    const read = await signToken(ec, claimsAt(NOW, { scope: undefined, scp: ['payments:read'] }));
    expectAdmitted(await request(app.handler).get('/payments').set(bearer(read)));
    const res = await request(app.handler).post('/payments').set(bearer(read)).send({ amount: 1 });
    expect(outcome(res)).toBe('403 INSUFFICIENT_SCOPE');
    expect(JSON.parse(res.text).error.details).toEqual({
      missingScopes: ['payments:write'],
      requiredScopes: ['payments:write'],
    });
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", scope="payments:write"',
    );
    expect(res.headers['x-ratelimit-limit']).toBe('60');
    expectNoCredentialLeak(res, [read]);
    const write = await signToken(ec, claimsAt(NOW, { scope: 'payments:write' }));
    expectAdmitted(await request(app.handler).post('/payments').set(bearer(write)).send({ amount: 1 }));
  });

  it('API keys and JWTs on one route, one result type', async () => {
    const app = make();
    const key = expectAdmitted(await request(app.handler).get('/echo').set(basic(BASIC.valid))).auth;
    const token = expectAdmitted(
      await request(app.handler)
        .get('/echo')
        .set(bearer(await signToken(ec, claimsAt(NOW)))),
    ).auth;
    expect([key.scheme, token.scheme]).toEqual(['basic', 'jwt']);
    expect(Object.keys(token).sort()).toEqual([...Object.keys(key), 'claims'].sort());
  });

  it('rate limit per iss + sub, with x-ratelimit-* headers and 429', async () => {
    const app = make({}, { rateLimit: { limit: 2, windowSeconds: 60 } });
    const first = await signToken(ec, claimsAt(NOW, { jti: '1' }));
    const second = await signToken(ec, claimsAt(NOW, { jti: '2' }));
    const a = await request(app.handler).get('/echo').set(bearer(first));
    expectAdmitted(a);
    expect([a.headers['x-ratelimit-limit'], a.headers['x-ratelimit-remaining']]).toEqual(['2', '1']);
    expectAdmitted(await request(app.handler).get('/echo').set(bearer(second)));
    const limited = await request(app.handler).get('/echo').set(bearer(first));
    expectRejection(limited, 429, 'RATE_LIMIT_EXCEEDED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expectAdmitted(
      await request(app.handler)
        .get('/echo')
        .set(bearer(await signToken(ec, claimsAt(NOW, { sub: 'user_43' })))),
    );
  });

  it('a 2 MB token and a 10 000-element header are refused quickly as malformed', async () => {
    const server = await listen(make().handler, { maxHeaderSize: 4 * 1024 * 1024 });
    try {
      for (const token of [hugeToken(2 * 1024 * 1024, claimsAt(NOW)), hugeHeaderToken(10_000, claimsAt(NOW))]) {
        const started = performance.now();
        const res = await request(server.url).get('/echo').set(bearer(token));
        expect(performance.now() - started).toBeLessThan(2_000);
        expect(expectRejection(res, 401, 'INVALID_TOKEN', { presented: [token.slice(0, 64)] }).error.details).toEqual({
          reason: 'malformed',
        });
      }
    } finally {
      await server.close();
    }
  });

  describe('the JWKS endpoint', () => {
    it('a kid the JWKS does not have yet: refused during the cooldown, accepted once the JWKS has it', async () => {
      const app = make({ jwksCooldownSeconds: 0.5 });
      expectAdmitted(
        await request(app.handler)
          .get('/echo')
          .set(bearer(await signToken(ec, claimsAt(NOW)))),
      );
      const rotated = await signingKey('ES256', `rotated-${fw.name}`);
      const token = await signToken(rotated, claimsAt(NOW));
      const early = await request(app.handler).get('/echo').set(bearer(token));
      expect(expectRejection(early, 401, 'INVALID_TOKEN').error.details).toEqual({ reason: 'unknown-key' });
      jwks.setKeys([rsa.publicJwk, ec.publicJwk, ed.publicJwk, rotated.publicJwk]);
      await new Promise((resolve) => setTimeout(resolve, 600));
      const fetches = jwks.fetches;
      expectAdmitted(await request(app.handler).get('/echo').set(bearer(token)));
      expect(jwks.fetches - fetches).toBe(1);
    });

    it('down → 503 AUTH_UNAVAILABLE, never 401; back up → 200 without a restart', async () => {
      const app = make();
      const token = await signToken(ec, claimsAt(NOW));
      jwks.setMode('down');
      try {
        expectRejection(await request(app.handler).get('/echo').set(bearer(token)), 503, 'AUTH_UNAVAILABLE');
      } finally {
        jwks.setMode('ok');
      }
      await new Promise((resolve) => setTimeout(resolve, 1_050)); // a failed fetch is retried after 1 s
      expectAdmitted(await request(app.handler).get('/echo').set(bearer(token)));
    });

    it('a redirect or a body that never ends → 503 AUTH_UNAVAILABLE at once, the JWKS named in onStoreError', async () => {
      const token = await signToken(ec, claimsAt(NOW));
      for (const mode of ['redirect', 'endless'] as const) {
        const failures: string[] = [];
        const app = make(
          { jwksTimeoutMs: 10_000 },
          { onStoreError: (error) => void failures.push(String(error)), logger: { warn() {}, error() {} } },
        );
        jwks.setMode(mode);
        try {
          const started = performance.now();
          expectRejection(await request(app.handler).get('/echo').set(bearer(token)), 503, 'AUTH_UNAVAILABLE');
          expect(performance.now() - started).toBeLessThan(5_000);
        } finally {
          jwks.setMode('ok');
        }
        expect(failures).toEqual([expect.stringMatching(/^JwksUnavailableError: JWKS http:\/\/127\.0\.0\.1:\d+\//)]);
      }
    });

    it('slow past the timeout → 503 within the timeout + 1 s', async () => {
      const app = make({ jwksTimeoutMs: 500 });
      jwks.setDelay(5_000);
      try {
        const started = performance.now();
        expectRejection(
          await request(app.handler)
            .get('/echo')
            .set(bearer(await signToken(ec, claimsAt(NOW)))),
          503,
          'AUTH_UNAVAILABLE',
        );
        expect(performance.now() - started).toBeLessThan(1_500);
      } finally {
        jwks.setDelay(0);
      }
    });
  });
});

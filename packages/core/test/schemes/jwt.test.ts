import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { exportJWK } from 'jose';
import {
  createVerifier,
  KeygateConfigError,
  type JwtOptions,
  type KeygateOptions,
  type VerifyResult,
} from '../../src/index.js';
import { startJwksServer, type JwksServer } from '../../../../test/support/jwks-server.js';
import {
  AUDIENCE,
  ISSUER,
  claimsAt,
  hmacWithPublicKey,
  hugeHeaderToken,
  hugeToken,
  signRawToken,
  signToken,
  signingKey,
  unsecuredToken,
  type SigningKey,
} from '../../../../test/support/jwt-tokens.js';
import { keysFile, manualClock, reasonOf, VECTOR_KEY, VECTOR_TIME } from '../helpers.js';

const NOW = VECTOR_TIME;
let rsa: SigningKey;
let ec: SigningKey;
let ed: SigningKey;

beforeAll(async () => {
  [rsa, ec, ed] = await Promise.all([signingKey('RS256'), signingKey('ES256'), signingKey('EdDSA')]);
});

function setup(jwt: Record<string, unknown> = {}, options: Partial<KeygateOptions> = {}) {
  const clock = manualClock(NOW);
  const source =
    'jwksUrl' in jwt || 'publicKeys' in jwt || 'secret' in jwt
      ? {}
      : { jwks: { keys: [rsa.publicJwk, ec.publicJwk, ed.publicJwk] } };
  const verifier = createVerifier({
    keys: keysFile(),
    rateLimit: false,
    now: clock.now,
    jwt: { issuer: ISSUER, audience: AUDIENCE, ...source, ...jwt } as JwtOptions,
    ...options,
  });
  return { verifier, clock };
}

const bearer = (token: string) => ({
  method: 'GET',
  target: '/v1/payments',
  headers: { authorization: `Bearer ${token}` },
});

async function verdict(verifier: ReturnType<typeof setup>['verifier'], token: string): Promise<string> {
  const result = await verifier.verify(bearer(token));
  expectNoToken(result, token);
  return reasonOf(result);
}

function expectNoToken(result: VerifyResult, token: string) {
  if (result.ok) return;
  const text = JSON.stringify({
    ...result.error.toJSON(),
    headers: result.error.headers,
    message: result.error.message,
  });
  expect(text).not.toContain(token.slice(0, 40));
}

describe('jwt scheme: valid tokens', () => {
  it.each(['RS256', 'ES256', 'EdDSA'] as const)(
    'accepts %s, with keyId = sub, the tenant, scopes and the claims',
    async (alg) => {
      const key = { RS256: () => rsa, ES256: () => ec, EdDSA: () => ed }[alg]();
      const { verifier } = setup();
      const result = await verifier.verify(bearer(await signToken(key, claimsAt(NOW))));
      expect(reasonOf(result)).toBe('ok');
      expect(result.ok && result.auth).toMatchObject({
        scheme: 'jwt',
        keyId: 'user_42',
        tenantId: 'acme',
        environment: null,
        scopes: ['payments:read', 'payments:write'],
        signed: false,
        claims: { iss: ISSUER, sub: 'user_42', tenant_id: 'acme' },
      });
    },
  );

  it('accepts public keys given as PEM, and an HMAC secret only when configured', async () => {
    const pem = setup({ publicKeys: [ec.publicPem, rsa.publicPem] });
    expect(await verdict(pem.verifier, await signToken(rsa, claimsAt(NOW), { kid: undefined }))).toBe('ok');
    const secret = 'a-shared-secret-of-at-least-32-bytes!!';
    const hmac = setup({ secret });
    const { SignJWT } = await import('jose');
    const token = await new SignJWT(claimsAt(NOW))
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(secret));
    expect(await verdict(hmac.verifier, token)).toBe('ok');
    expect(await verdict(setup().verifier, token)).toBe('INVALID_TOKEN:algorithm');
  });

  it('tries each key that fits a token without kid (two keys of one type), and keeps a refusal other than the signature', async () => {
    const other = await signingKey('ES256', 'es256-2');
    const { verifier } = setup({ publicKeys: [ec.publicPem, other.publicPem] });
    const unnamed = { kid: undefined };
    expect(await verdict(verifier, await signToken(other, claimsAt(NOW), unnamed))).toBe('ok');
    expect(await verdict(verifier, await signToken(ec, claimsAt(NOW), unnamed))).toBe('ok');
    const expired = claimsAt(NOW, { exp: NOW / 1000 - 60 });
    expect(await verdict(verifier, await signToken(other, expired, unnamed))).toBe('INVALID_TOKEN:expired');
    const stranger = await signingKey('ES256', 'stranger');
    expect(await verdict(verifier, await signToken(stranger, claimsAt(NOW), unnamed))).toBe('INVALID_TOKEN:signature');
  });

  it('reads scopes from scp (array or string) and from a configured claim; no scope claim grants none', async () => {
    const { verifier } = setup();
    const scopesOf = async (claims: Record<string, unknown>, v = verifier) => {
      const result = await v.verify(bearer(await signToken(ec, claimsAt(NOW, { scope: undefined, ...claims }))));
      return result.ok ? result.auth.scopes : reasonOf(result);
    };
    expect(await scopesOf({ scp: ['refunds:write', 'payments:read'] })).toEqual(['refunds:write', 'payments:read']);
    expect(await scopesOf({ scp: 'a b' })).toEqual(['a', 'b']);
    expect(await scopesOf({})).toEqual([]);
    expect(await scopesOf({ scp: 42 })).toBe('INVALID_TOKEN:malformed');
    expect(await scopesOf({ permissions: ['x:y'] }, setup({ scopeClaim: 'permissions' }).verifier)).toEqual(['x:y']);
  });

  it('reads the tenant and the environment from configured claims', async () => {
    const { verifier } = setup({ tenantClaim: 'org', environmentClaim: 'env' }, { environments: ['live'] });
    const token = (claims: Record<string, unknown>) =>
      signToken(ec, claimsAt(NOW, { tenant_id: undefined, ...claims }));
    const live = await verifier.verify(bearer(await token({ org: 'acme', env: 'live' })));
    expect(live.ok && [live.auth.tenantId, live.auth.environment]).toEqual(['acme', 'live']);
    expect(await verdict(verifier, await token({ org: 'acme', env: 'test' }))).toBe('ENVIRONMENT_MISMATCH');
    expect(await verdict(verifier, await token({ org: 'acme' }))).toBe('INVALID_TOKEN:missing-claim');
    expect(await verdict(verifier, await token({ env: 'live' }))).toBe('INVALID_TOKEN:missing-claim');
  });
});

describe('jwt scheme: refusals', () => {
  it.each([
    ['expired (past the 5 s tolerance)', { exp: NOW / 1000 - 6 }, 'INVALID_TOKEN:expired'],
    ['expired within the tolerance', { exp: NOW / 1000 - 4 }, 'ok'],
    ['not yet valid (nbf)', { nbf: NOW / 1000 + 60 }, 'INVALID_TOKEN:not-yet-valid'],
    ['issued in the future (iat)', { iat: NOW / 1000 + 60 }, 'INVALID_TOKEN:not-yet-valid'],
    ['another issuer', { iss: 'https://evil.test' }, 'INVALID_TOKEN:issuer'],
    ['another audience', { aud: 'https://other-api.test' }, 'INVALID_TOKEN:audience'],
    ['no exp', { exp: undefined }, 'INVALID_TOKEN:missing-claim'],
    ['no sub', { sub: undefined }, 'INVALID_TOKEN:missing-claim'],
    ['no tenant claim', { tenant_id: undefined }, 'INVALID_TOKEN:missing-claim'],
    ['a tenant suspended in the key store', { tenant_id: 'globex' }, 'TENANT_INACTIVE'],
    ['a tenant the key store does not know (the issuer vouches)', { tenant_id: 'initech' }, 'ok'],
  ])('%s → %s', async (_name, overrides, expected) => {
    const { verifier } = setup();
    expect(await verdict(verifier, await signToken(ec, claimsAt(NOW, overrides)))).toBe(expected);
  });

  it('moves with the injected clock, no sleeping', async () => {
    const { verifier, clock } = setup();
    const token = await signToken(ec, claimsAt(NOW));
    clock.advance(3600_000 + 4_000);
    expect(await verdict(verifier, token)).toBe('ok');
    clock.advance(2_000);
    expect(await verdict(verifier, token)).toBe('INVALID_TOKEN:expired');
  });

  it('refuses alg none, algorithm confusion, a bad signature, an unknown kid and a non-JWT', async () => {
    const { verifier } = setup();
    expect(await verdict(verifier, unsecuredToken(claimsAt(NOW)))).toBe('INVALID_TOKEN:algorithm');
    expect(await verdict(verifier, await hmacWithPublicKey(rsa, claimsAt(NOW)))).toBe('INVALID_TOKEN:algorithm');
    const good = await signToken(ec, claimsAt(NOW));
    const tampered = `${good.split('.').slice(0, 2).join('.')}.${(await signToken(ec, claimsAt(NOW, { sub: 'x' }))).split('.')[2]}`;
    expect(await verdict(verifier, tampered)).toBe('INVALID_TOKEN:signature');
    expect(await verdict(verifier, await signToken(ec, claimsAt(NOW), { kid: 'nope' }))).toBe(
      'INVALID_TOKEN:unknown-key',
    );
    expect(await verdict(verifier, 'bm90IGpzb24.eyJzdWIiOiJ4In0.AAAA')).toBe('INVALID_TOKEN:malformed'); // header not JSON
    // A token from a key the algorithms allow but the set does not hold.
    const stranger = await signingKey('ES256', 'es256-1');
    expect(await verdict(verifier, await signToken(stranger, claimsAt(NOW)))).toBe('INVALID_TOKEN:signature');
  });

  it('takes no key from the token: jwk, jku, x5u and x5c headers are ignored', async () => {
    const { verifier } = setup();
    const attacker = await signingKey('ES256', 'attacker');
    const headers = {
      jwk: attacker.publicJwk,
      jku: 'http://127.0.0.1:9/jwks.json',
      x5u: 'http://127.0.0.1:9/cert.pem',
      x5c: ['MIIB'],
    };
    expect(await verdict(verifier, await signToken(attacker, claimsAt(NOW), headers))).toBe(
      'INVALID_TOKEN:unknown-key',
    );
    const posing = await signingKey('ES256', ec.kid);
    expect(await verdict(verifier, await signToken(posing, claimsAt(NOW), headers))).toBe('INVALID_TOKEN:signature');
  });

  it('refuses a critical header it does not know as malformed (not algorithm), and b64: false', async () => {
    const { verifier } = setup();
    const claims = JSON.stringify(claimsAt(NOW));
    expect(await verdict(verifier, signRawToken(ec, {}, claims))).toBe('ok');
    expect(await verdict(verifier, signRawToken(ec, { crit: ['exp'], exp: 1 }, claims))).toBe(
      'INVALID_TOKEN:malformed',
    );
    expect(await verdict(verifier, signRawToken(ec, { crit: ['b64'], b64: false }, claims))).toBe(
      'INVALID_TOKEN:malformed',
    );
  });

  it('reads duplicate claims as JSON.parse does (the last wins), once, so every check sees the same value', async () => {
    const { verifier } = setup();
    const claims = JSON.stringify(claimsAt(NOW, { tenant_id: 'globex' })).replace(
      '"tenant_id":"globex"',
      '"tenant_id":"acme","tenant_id":"globex"',
    );
    expect(await verdict(verifier, signRawToken(ec, {}, claims))).toBe('TENANT_INACTIVE');
  });

  it('refuses a 2 MB token and a header of 10 000 elements quickly, as malformed', async () => {
    const { verifier } = setup();
    const started = performance.now();
    expect(await verdict(verifier, hugeToken(2 * 1024 * 1024, claimsAt(NOW)))).toBe('INVALID_TOKEN:malformed');
    expect(await verdict(verifier, hugeHeaderToken(10_000, claimsAt(NOW)))).toBe('INVALID_TOKEN:malformed');
    // Even with the length cap raised far enough for that header to be parsed.
    const raised = setup({}, { maxHeaderLength: 1 << 20 }).verifier;
    expect(await verdict(raised, hugeHeaderToken(10_000, claimsAt(NOW)))).toBe('INVALID_TOKEN:signature');
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('answers RFC 6750 challenges: invalid_token on a JWT refusal, the schemes otherwise', async () => {
    const { verifier } = setup({}, { realm: 'payments' });
    const refused = await verifier.verify(bearer(await signToken(ec, claimsAt(NOW, { exp: NOW / 1000 - 60 }))));
    expect(!refused.ok && refused.error.headers['www-authenticate']).toBe(
      'Bearer realm="payments", error="invalid_token"',
    );
    const suspended = await verifier.verify(bearer(await signToken(ec, claimsAt(NOW, { tenant_id: 'globex' }))));
    expect(!suspended.ok && suspended.error.headers['www-authenticate']).toBe(
      'Bearer realm="payments", error="invalid_token"',
    );
    const none = await verifier.verify({ method: 'GET', target: '/', headers: {} });
    expect(!none.ok && none.error.headers['www-authenticate']).toBe(
      'Basic realm="payments", charset="UTF-8", Bearer realm="payments"',
    );
  });

  it('without JWTs, an over-long Bearer header stays INVALID_API_KEY (reason malformed)', async () => {
    const events: unknown[] = [];
    const verifier = createVerifier({
      keys: keysFile(),
      rateLimit: false,
      onDecision: (event) => void events.push(event),
    });
    expect(reasonOf(await verifier.verify(bearer(`pk_test_${'a'.repeat(5000)}`)))).toBe('INVALID_API_KEY');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(events).toEqual([expect.objectContaining({ code: 'INVALID_API_KEY', reason: 'malformed' })]);
  });

  it('leaves Bearer pk_… to key pairs and Bearer garbage to INVALID_API_KEY', async () => {
    const { verifier } = setup();
    expect(reasonOf(await verifier.verify(bearer('pk_test_NotAKey000000000001')))).toBe('INVALID_API_KEY');
    expect(reasonOf(await verifier.verify(bearer('not-a-token')))).toBe('INVALID_API_KEY');
  });
});

describe('jwt scheme: rate limit per iss + sub', () => {
  it('counts one subject across its tokens, and the same sub from another issuer apart', async () => {
    const other = 'https://other-issuer.test';
    const { verifier } = setup({ issuer: [ISSUER, other] }, { rateLimit: { limit: 2, windowSeconds: 60 } });
    const first = await signToken(ec, claimsAt(NOW, { jti: 'a' }));
    const second = await signToken(ec, claimsAt(NOW, { jti: 'b' }));
    const results = [
      await verifier.verify(bearer(first)),
      await verifier.verify(bearer(second)),
      await verifier.verify(bearer(first)),
    ];
    expect(results.map(reasonOf)).toEqual(['ok', 'ok', 'RATE_LIMIT_EXCEEDED']);
    expect(results[0]!.headers['x-ratelimit-limit']).toBe('2');
    expect(reasonOf(await verifier.verify(bearer(await signToken(ec, claimsAt(NOW, { iss: other })))))).toBe('ok');
    expect(reasonOf(await verifier.verify(bearer(await signToken(ec, claimsAt(NOW, { sub: 'user_43' })))))).toBe('ok');
  });
});

describe('jwt scheme: rate limit apart from API keys', () => {
  it('a token whose sub is an API key id does not spend that key’s limit', async () => {
    const { verifier } = setup({}, { rateLimit: { limit: 1, windowSeconds: 60 } });
    const key = { method: 'GET', target: '/', headers: { authorization: `Basic ${btoa(`${VECTOR_KEY}:`)}` } };
    const token = await signToken(ec, claimsAt(NOW, { sub: 'key_vector', iss: ISSUER }));
    expect(reasonOf(await verifier.verify(bearer(token)))).toBe('ok');
    expect(reasonOf(await verifier.verify(key))).toBe('ok');
  });
});

/** A 1024-bit RSA public key: Node reads it, jose refuses to verify with it. */
function weakRsa() {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  return {
    pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    jwk: publicKey.export({ format: 'jwk' }),
  };
}

describe('jwt options', () => {
  const base = () => ({ jwks: { keys: [ec.publicJwk] }, issuer: ISSUER, audience: AUDIENCE });
  it.each([
    ['no key source', () => ({ issuer: ISSUER, audience: AUDIENCE }), /exactly one of/],
    ['two key sources', () => ({ ...base(), secret: 'x'.repeat(40) }), /exactly one of/],
    ['no issuer', () => ({ jwks: base().jwks, audience: AUDIENCE }), /"jwt.issuer" is required/],
    ['no audience', () => ({ jwks: base().jwks, issuer: ISSUER }), /"jwt.audience" is required/],
    ['issuer and the opt-out', () => ({ ...base(), unsafeAcceptAnyIssuer: true }), /cannot be set together/],
    ['alg none', () => ({ ...base(), algorithms: ['none'] }), /never contain "none"/],
    ['HMAC without a secret', () => ({ ...base(), algorithms: ['HS256'] }), /need "jwt.secret"/],
    [
      'RSA with a secret',
      () => ({ secret: 'x'.repeat(40), issuer: ISSUER, audience: AUDIENCE, algorithms: ['RS256'] }),
      /only HMAC/,
    ],
    ['a short secret', () => ({ secret: 'short', issuer: ISSUER, audience: AUDIENCE }), /at least 32 bytes/],
    [
      'a private JWK',
      () => ({ jwks: { keys: [{ ...ec.publicJwk, d: 'AAAA' }] }, issuer: ISSUER, audience: AUDIENCE }),
      /public keys only/,
    ],
    ['a bad URL', () => ({ jwksUrl: 'ftp://x', issuer: ISSUER, audience: AUDIENCE }), /http\(s\) URL/],
    [
      'a URL with a password',
      () => ({ jwksUrl: 'https://user:pa55word@issuer.test/jwks.json', issuer: ISSUER, audience: AUDIENCE }),
      /^keygate: option "jwt.jwksUrl" must not hold a user name or password$/,
    ],
    [
      'an RSA key under 2048 bits',
      () => ({ publicKeys: [weakRsa().pem], issuer: ISSUER, audience: AUDIENCE }),
      /1024 bits/,
    ],
    [
      'an RSA JWK under 2048 bits',
      () => ({ jwks: { keys: [weakRsa().jwk] }, issuer: ISSUER, audience: AUDIENCE }),
      /"jwt.jwks.keys\[0\]" holds an RSA key of 1024 bits/,
    ],
    ['an unknown option', () => ({ ...base(), clockTolerance: 5 }), /"jwt.clockTolerance" is not an option/],
  ])('%s → TypeError', (_name, jwt, message) => {
    expect(() => createVerifier({ keys: keysFile(), jwt: jwt() as JwtOptions })).toThrow(message);
  });

  it('adds jwt to the default schemes, and refuses a schemes list that contradicts the option', () => {
    expect(() => createVerifier({ keys: keysFile(), schemes: ['basic', 'jwt'] })).toThrow(/option "jwt" .* is not set/);
    expect(() => createVerifier({ keys: keysFile(), schemes: ['basic'], jwt: base() })).toThrow(
      /does not contain "jwt"/,
    );
  });

  it('throws a KeygateConfigError with a stable code', () => {
    const error = (() => {
      try {
        createVerifier({ keys: keysFile(), jwt: { ...base(), algorithms: ['none'] } as JwtOptions });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(KeygateConfigError);
    expect(error).toMatchObject({ code: 'ERR_KEYGATE_INVALID_VALUE' });
  });

  it('accepts any issuer and audience only when told to, explicitly', async () => {
    const { verifier } = setup({
      issuer: undefined,
      audience: undefined,
      unsafeAcceptAnyIssuer: true,
      unsafeAcceptAnyAudience: true,
    });
    expect(
      await verdict(verifier, await signToken(ec, claimsAt(NOW, { iss: 'https://anyone.test', aud: 'anything' }))),
    ).toBe('ok');
  });
});

describe('jwt scheme: a remote JWKS', () => {
  let jwks: JwksServer;
  beforeAll(async () => {
    jwks = await startJwksServer();
  });
  afterAll(() => jwks.close());

  const remote = (jwt: Record<string, unknown> = {}, options: Partial<KeygateOptions> = {}) => {
    const errors: unknown[] = [];
    const made = setup(
      { jwksUrl: jwks.url, ...jwt },
      {
        onStoreError: (error, context) => void errors.push(error, context),
        logger: { warn() {}, error() {} },
        ...options,
      },
    );
    return { ...made, errors };
  };

  it('fetches once, then refetches for a new kid; during the cooldown a new kid is unknown-key', async () => {
    jwks.setMode('ok');
    jwks.setDelay(0);
    jwks.setKeys([ec.publicJwk]);
    const { verifier } = remote({ jwksCooldownSeconds: 0.3 });
    const before = jwks.fetches;
    expect(await verdict(verifier, await signToken(ec, claimsAt(NOW)))).toBe('ok');
    expect(await verdict(verifier, await signToken(ec, claimsAt(NOW)))).toBe('ok');
    expect(jwks.fetches - before).toBe(1);
    const rotated = await signingKey('ES256', 'es256-rotated');
    jwks.setKeys([ec.publicJwk, rotated.publicJwk]);
    const token = await signToken(rotated, claimsAt(NOW));
    expect(await verdict(verifier, token)).toBe('INVALID_TOKEN:unknown-key'); // inside the cooldown
    expect(jwks.fetches - before).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await verdict(verifier, token)).toBe('ok');
    expect(jwks.fetches - before).toBe(2);
  });

  it('answers 503 AUTH_UNAVAILABLE (never 401) when the JWKS is down or failing, and reports it', async () => {
    jwks.setKeys([ec.publicJwk]);
    for (const mode of ['down', 'error'] as const) {
      jwks.setMode(mode);
      const { verifier, errors } = remote();
      const result = await verifier.verify(bearer(await signToken(ec, claimsAt(NOW))));
      expect(reasonOf(result)).toBe('AUTH_UNAVAILABLE');
      expect(result.ok ? undefined : result.error.headers['www-authenticate']).toBeUndefined();
      expect(errors[1]).toEqual({ store: 'jwks' });
      expect(String((errors[0] as Error)?.message)).toMatch(
        /JWKS http:\/\/127\.0\.0\.1:\d+\/\.well-known\/jwks\.json unavailable/,
      );
    }
    jwks.setMode('ok');
  });

  it('answers 503 within the timeout + 1 s when the JWKS is slow', async () => {
    jwks.setMode('ok');
    jwks.setDelay(5_000);
    const { verifier } = remote({ jwksTimeoutMs: 300 });
    const started = performance.now();
    expect(await verdict(verifier, await signToken(ec, claimsAt(NOW)))).toBe('AUTH_UNAVAILABLE');
    expect(performance.now() - started).toBeLessThan(1_300);
    jwks.setDelay(0);
  });

  it('answers 503 within the timeout + 1 s when the JWKS answers at once but sends its body a byte at a time', async () => {
    jwks.setMode('trickle');
    try {
      const { verifier } = remote({ jwksTimeoutMs: 300 });
      const started = performance.now();
      expect(await verdict(verifier, await signToken(ec, claimsAt(NOW)))).toBe('AUTH_UNAVAILABLE');
      expect(performance.now() - started).toBeLessThan(1_300);
    } finally {
      jwks.setMode('ok');
    }
  });

  it('tries each key of the fetched set that fits a token without kid', async () => {
    const other = await signingKey('ES256', 'es256-2');
    jwks.setMode('ok');
    jwks.setKeys([ec.publicJwk, other.publicJwk]);
    const { verifier } = remote();
    expect(await verdict(verifier, await signToken(other, claimsAt(NOW), { kid: undefined }))).toBe('ok');
  });

  it('a fetched RSA key under 2048 bits: 503 reported as the JWKS’s fault (store jwks), not the key store’s', async () => {
    const pair = await crypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      true,
      ['sign', 'verify'],
    );
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'weak', alg: 'RS256' };
    const weak: SigningKey = { alg: 'RS256', kid: 'weak', privateKey: pair.privateKey, publicJwk, publicPem: '' };
    jwks.setMode('ok');
    jwks.setKeys([ec.publicJwk, publicJwk]);
    const { verifier, errors } = remote();
    expect(await verdict(verifier, signRawToken(weak, {}, JSON.stringify(claimsAt(NOW))))).toBe('AUTH_UNAVAILABLE');
    expect(errors[1]).toEqual({ store: 'jwks' });
    expect(String(errors[0])).toMatch(/serves an RSA key of 1024 bits/);
    expect(await verdict(verifier, await signToken(ec, claimsAt(NOW)))).toBe('ok');
  });

  it('a JWKS answering no keys is a 503, not a 401 for every token, and the keys held stay in use', async () => {
    jwks.setMode('ok');
    jwks.setKeys([ec.publicJwk]);
    const { verifier, errors } = remote({ jwksCooldownSeconds: 0 });
    const token = await signToken(ec, claimsAt(NOW));
    expect(await verdict(verifier, token)).toBe('ok');
    jwks.setKeys([]);
    try {
      expect(await verdict(verifier, await signToken(ec, claimsAt(NOW), { kid: 'new' }))).toBe('AUTH_UNAVAILABLE');
      expect(String(errors[0])).toMatch(/a key set without keys/);
      expect(await verdict(verifier, token)).toBe('ok');
      expect(await verdict(remote().verifier, token)).toBe('AUTH_UNAVAILABLE');
    } finally {
      jwks.setKeys([ec.publicJwk]);
    }
  });

  it('does not follow a redirect, and stops reading a body that never ends (503 at once, not at the timeout)', async () => {
    jwks.setKeys([ec.publicJwk]);
    const token = await signToken(ec, claimsAt(NOW));
    try {
      jwks.setMode('redirect');
      const redirected = remote();
      expect(await verdict(redirected.verifier, token)).toBe('AUTH_UNAVAILABLE');
      expect(String(redirected.errors[0])).toMatch(/Expected 200 OK/);
      jwks.setMode('endless');
      const endless = remote({ jwksTimeoutMs: 10_000 });
      const started = performance.now();
      expect(await verdict(endless.verifier, token)).toBe('AUTH_UNAVAILABLE');
      expect(performance.now() - started).toBeLessThan(5_000);
      expect(String(endless.errors[0])).toMatch(/answer larger than 1048576 bytes/);
    } finally {
      jwks.setMode('ok');
    }
  });

  it('while the JWKS fails, fetches it once a second however many requests need it', async () => {
    jwks.setKeys([ec.publicJwk]);
    const { verifier } = remote({ jwksCooldownSeconds: 0 });
    const token = await signToken(ec, claimsAt(NOW));
    expect(await verdict(verifier, token)).toBe('ok'); // cooldown 0: every unknown kid may refetch
    const unknown = await signToken(ec, claimsAt(NOW), { kid: 'new' });
    jwks.setMode('error');
    try {
      const before = jwks.fetches;
      for (let i = 0; i < 20; i++) expect(await verdict(verifier, unknown)).toBe('AUTH_UNAVAILABLE');
      expect(jwks.fetches - before).toBe(1);
      // Requests refused meanwhile do not push the retry back: 1.5 s of them see one more fetch, not none.
      const until = performance.now() + 1_500;
      while (performance.now() < until) {
        expect(await verdict(verifier, unknown)).toBe('AUTH_UNAVAILABLE');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(jwks.fetches - before).toBe(2);
    } finally {
      jwks.setMode('ok');
    }
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    expect(await verdict(verifier, token)).toBe('ok');
  });

  it('fetches once for a burst of tokens with new kids', async () => {
    jwks.setKeys([ec.publicJwk]);
    const { verifier } = remote({ jwksCooldownSeconds: 0.2 });
    expect(await verdict(verifier, await signToken(ec, claimsAt(NOW)))).toBe('ok');
    await new Promise((resolve) => setTimeout(resolve, 250));
    const tokens = await Promise.all(
      Array.from({ length: 50 }, (_, i) => signToken(ec, claimsAt(NOW), { kid: `burst-${i}` })),
    );
    const before = jwks.fetches;
    const verdicts = await Promise.all(tokens.map((token) => verdict(verifier, token)));
    expect(new Set(verdicts)).toEqual(new Set(['INVALID_TOKEN:unknown-key']));
    expect(jwks.fetches - before).toBe(1);
  });

  it('a fetch that is due (cache expired) and fails is a 503, and service returns with the JWKS', async () => {
    jwks.setMode('ok');
    jwks.setKeys([ec.publicJwk]);
    const { verifier } = remote({ jwksCacheMaxAgeSeconds: 0.2 });
    const token = await signToken(ec, claimsAt(NOW));
    expect(await verdict(verifier, token)).toBe('ok');
    jwks.setMode('error');
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await verdict(verifier, token)).toBe('AUTH_UNAVAILABLE');
    jwks.setMode('ok');
    expect(await verdict(verifier, token)).toBe('AUTH_UNAVAILABLE'); // the failed fetch is not retried for 1 s
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    expect(await verdict(verifier, token)).toBe('ok');
  });
});

describe('jwt scheme: any token-shaped input', () => {
  it('is refused as INVALID_TOKEN (401), never admitted, never a 5xx', async () => {
    const { verifier } = setup();
    const part = fc.string({
      unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('')),
      minLength: 1,
      maxLength: 60,
    });
    const json = fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value)).toString('base64url'));
    const segment = fc.oneof(part, json);
    await fc.assert(
      fc.asyncProperty(segment, segment, fc.oneof(part, fc.constant('')), async (header, payload, signature) => {
        const token = `${header}.${payload}.${signature}`;
        if (!/^[\w-]+\.[\w-]+\.[\w-]*$/.test(token)) return;
        const result = await verifier.verify(bearer(token));
        expect(result.ok ? 'ok' : `${result.error.status} ${result.error.code}`).toBe('401 INVALID_TOKEN');
      }),
      { numRuns: 300, seed: 12 },
    );
  });
});

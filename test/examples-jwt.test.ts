/**
 * The examples' JWT mode as a new user meets it: the demo issuer's printed curl works when pasted, its key set is
 * served at /.well-known/jwks.json, and the KEYGATE_JWT… variables point the servers at another issuer's JWKS.
 */
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPrinted, startExample, type ExampleProcess } from './support/example-process.js';
import { startJwksServer, type JwksServer } from './support/jwks-server.js';
import { signToken, signingKey } from './support/jwt-tokens.js';

/** The printed command that follows the comment line containing `marker`. */
function commandAfter(banner: string, marker: string): string {
  const lines = banner.split('\n');
  const index = lines.findIndex((line) => line.startsWith('#') && line.includes(marker));
  expect(index, `banner has a "${marker}" command`).toBeGreaterThanOrEqual(0);
  return lines[index + 1]!;
}

const NO_JWT_ENV = {
  KEYGATE_JWKS_URL: '',
  KEYGATE_JWT_ISSUER: '',
  KEYGATE_JWT_AUDIENCE: '',
  KEYGATE_JWT_TENANT_CLAIM: '',
};

describe.each(['express', 'koa'] as const)('example server: %s, the demo JWT issuer', (name) => {
  let server: ExampleProcess;
  beforeAll(async () => {
    server = await startExample(name, NO_JWT_ENV);
  });
  afterAll(() => server.stop());

  it('prints a curl with a demo token that answers 200 with tenant acme when pasted', async () => {
    const command = commandAfter(server.banner, 'JWT bearer token');
    expect(command).toMatch(
      /^curl -H "Authorization: Bearer [\w-]+\.[\w-]+\.[\w-]+" http:\/\/localhost:\d+\/v1\/payments$/,
    );
    const body = JSON.parse(await runPrinted(command));
    expect(body).toMatchObject({ success: true, data: { tenantId: 'acme', keyId: 'demo-user' } });
    // The token reaches every demo route (its scopes), and lives about an hour.
    const token = /Bearer ([\w.-]+)"/.exec(command)![1]!;
    const { payload } = await jwtVerify(
      token,
      createLocalJWKSet((await (await fetch(`${server.baseUrl}/.well-known/jwks.json`)).json()) as JSONWebKeySet),
    );
    expect(String(payload.scope).split(' ').sort()).toEqual([
      'payments:read',
      'payments:write',
      'refunds:write',
      'settlements:read',
    ]);
    expect(payload.exp! - payload.iat!).toBe(3600);
  });

  it('serves the key set that verifies the demo token at /.well-known/jwks.json, without credentials', async () => {
    const res = await fetch(`${server.baseUrl}/.well-known/jwks.json`);
    expect(res.status).toBe(200);
    const jwks = (await res.json()) as { keys: { kid: string; kty: string; d?: string }[] };
    const token = /Bearer ([\w.-]+)"/.exec(commandAfter(server.banner, 'JWT bearer token'))![1]!;
    expect(jwks.keys.map((key) => [key.kid, key.kty, key.d])).toEqual([
      [decodeProtectedHeader(token).kid, 'EC', undefined],
    ]);
  });

  it('a tampered demo token is refused with INVALID_TOKEN and the invalid_token challenge', async () => {
    const token = /Bearer ([\w.-]+)"/.exec(commandAfter(server.banner, 'JWT bearer token'))![1]!;
    const [header, , signature] = token.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ sub: 'x', tenant_id: 'globex', exp: 9e9 })).toString('base64url')}.${signature}`;
    const res = await fetch(`${server.baseUrl}/v1/payments`, { headers: { authorization: `Bearer ${forged}` } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="api", error="invalid_token"');
    expect(await res.json()).toMatchObject({ error: { code: 'INVALID_TOKEN', details: { reason: 'signature' } } });
  });
});

describe.each(['express', 'koa'] as const)('example server: %s, your own issuer (KEYGATE_JWKS_URL …)', (name) => {
  let jwks: JwksServer;
  let server: ExampleProcess;
  let key: Awaited<ReturnType<typeof signingKey>>;
  beforeAll(async () => {
    key = await signingKey('RS256', 'my-issuer-key');
    jwks = await startJwksServer([key.publicJwk]);
    server = await startExample(name, {
      KEYGATE_JWKS_URL: jwks.url,
      KEYGATE_JWT_ISSUER: 'https://login.my-company.test/',
      KEYGATE_JWT_AUDIENCE: 'payments-api',
      KEYGATE_JWT_TENANT_CLAIM: 'org_id',
    });
  });
  afterAll(async () => {
    await server?.stop();
    await jwks?.close();
  });

  it('prints no demo token, and accepts a token of that issuer with the tenant from org_id', async () => {
    expect(server.banner).not.toContain('JWT bearer token');
    const now = Math.floor(Date.now() / 1000);
    const token = await signToken(key, {
      iss: 'https://login.my-company.test/',
      aud: 'payments-api',
      sub: 'svc_billing',
      org_id: 'acme',
      scope: 'payments:read',
      iat: now,
      exp: now + 600,
    });
    const res = await fetch(`${server.baseUrl}/v1/payments`, { headers: { authorization: `Bearer ${token}` } });
    expect(await res.json()).toMatchObject({ success: true, data: { tenantId: 'acme', keyId: 'svc_billing' } });
    const write = await fetch(`${server.baseUrl}/v1/payments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"amount":1,"currency":"USD"}',
    });
    expect(write.status).toBe(403);
    expect(write.headers.get('www-authenticate')).toBe(
      'Bearer realm="api", error="insufficient_scope", scope="payments:write"',
    );
  });
});

describe('example JWT configuration', () => {
  it('stops at start naming a missing JWT variable', async () => {
    const failure = await startExample('express', {
      ...NO_JWT_ENV,
      KEYGATE_JWKS_URL: 'http://127.0.0.1:9/jwks.json',
    }).then(
      async (server) => {
        await server.stop();
        return 'started';
      },
      (error: Error) => error.message,
    );
    expect(failure).toMatch(/exited with 1:[\s\S]*KEYGATE_JWT_ISSUER must be set with the other JWT variables/);
  });
});

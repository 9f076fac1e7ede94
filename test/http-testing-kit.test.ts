/**
 * @keygate/testing through the real adapters (Express 5/4, Koa 3/2): the signed-request helper (Basic, key pairs
 * unsigned and signed v1/v2, a byte body), the TestKeys store (revocation, suspension, scopes) and the test clock
 * shared by the verifier and the signer (the replay window and the limiter move only when the clock does), and
 * JWTs from the local issuer.
 */
import { MemoryDecisionStore } from '@keygate/core';
import { createTestJwtIssuer, keygateRequest, TestKeys, testClock, type TestCredential } from '@keygate/testing';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { expectAdmitted, expectRejection } from './support/fixtures.js';
import { buildApp, frameworks } from './support/servers.js';

describe.each(frameworks)('@keygate/testing — $name', (fw) => {
  const setup = (options: { signatures?: 'required' | 'optional'; versions?: ('v1' | 'v2')[] } = {}) => {
    const keys = new TestKeys();
    const clock = testClock();
    const app = buildApp(fw, {
      keys,
      now: clock.now,
      store: new MemoryDecisionStore(),
      keypair: { signatures: options.signatures ?? 'optional', signatureVersions: options.versions ?? ['v1', 'v2'] },
    });
    const as = (credential: TestCredential, signature?: 'v1' | 'v2' | 'none') =>
      keygateRequest(request(app.handler), credential, { now: clock.now, ...(signature && { signature }) });
    return { keys, clock, as };
  };

  it('admits a Basic key from TestKeys, with its id, tenant and environment', async () => {
    const { keys, as } = setup();
    const key = keys.basic({ tenant: 'acme', environment: 'live' });
    const { auth } = expectAdmitted(await as(key).get('/echo'));
    expect(auth).toMatchObject({
      scheme: 'basic',
      keyId: key.id,
      tenantId: 'acme',
      environment: 'live',
      signed: false,
    });
  });

  it.each(['v1', 'v2'] as const)('signs a JSON body with %s, and the app receives that body', async (version) => {
    const { keys, as } = setup({ signatures: 'required', versions: [version] });
    const pair = keys.pair({ scopes: ['payments:write'] });
    const res = await as(pair, version).post('/payments', { amount: 100, currency: 'EUR' });
    const body = expectAdmitted(res);
    expect(body.auth).toMatchObject({ scheme: 'keypair', keyId: pair.id, environment: 'test', signed: true });
    expect(body.body).toEqual({ amount: 100, currency: 'EUR' });
  });

  it('signs a string body and a GET with a query as sent', async () => {
    const { keys, as } = setup({ signatures: 'required', versions: ['v2'] });
    const pair = keys.pair();
    expectAdmitted(await as(pair).post('/echo?expand=fees&x=a.b', '{"raw":true}'));
    expectAdmitted(await as(pair).get('/echo?created_after=2026-01-01T00:00:00.000Z'));
  });

  it('sends the secret alone with signature "none" (refused where signatures are required)', async () => {
    const optional = setup();
    const pair = optional.keys.pair();
    expect(expectAdmitted(await optional.as(pair, 'none').get('/echo')).auth).toMatchObject({ signed: false });
    const required = setup({ signatures: 'required' });
    const other = required.keys.pair();
    expectRejection(await required.as(other, 'none').get('/echo'), 401, 'INVALID_SIGNATURE', {
      presented: [other.publicKey, other.secretKey],
    });
  });

  it('signs with the test clock: the replay window follows the clock, not the wall', async () => {
    const { keys, clock, as } = setup({ signatures: 'required' });
    const pair = keys.pair();
    clock.set(Date.UTC(2030, 0, 1));
    expectAdmitted(await as(pair).get('/echo'));
    // A signature from a clock 10 minutes behind the verifier's is out of the ±5 min window.
    const late = keygateRequest(request(buildAppFor(keys, fw, clock.now)), pair, { now: () => clock.now() - 600_000 });
    expectRejection(await late.get('/echo'), 401, 'TIMESTAMP_OUT_OF_RANGE', {
      presented: [pair.publicKey, pair.secretKey],
    });
  });

  it('the test clock drives the rate limit: refused at the limit, admitted again a window later', async () => {
    const { keys, clock, as } = setup();
    const key = keys.basic({ rateLimit: { limit: 2, windowSeconds: 60 } });
    expectAdmitted(await as(key).get('/echo'));
    expectAdmitted(await as(key).get('/echo'));
    const refused = await as(key).get('/echo');
    expectRejection(refused, 429, 'RATE_LIMIT_EXCEEDED', { presented: [key.key] });
    expect(refused.headers['retry-after']).toBe('60');
    clock.advance(60_000);
    expectAdmitted(await as(key).get('/echo'));
  });

  it('revokes keys and suspends tenants while the app runs; scopes are enforced', async () => {
    const { keys, as } = setup();
    const reader = keys.basic({ tenant: 'globex', scopes: ['payments:read'] });
    const writer = keys.pair({ tenant: 'globex' });
    expectAdmitted(await as(reader).get('/payments'));
    expectRejection(await as(reader).post('/payments', {}), 403, 'INSUFFICIENT_SCOPE', { presented: [reader.key] });
    keys.revoke(reader);
    expectRejection(await as(reader).get('/payments'), 401, 'INVALID_API_KEY', { presented: [reader.key] });
    keys.suspendTenant('globex');
    expectRejection(await as(writer).get('/echo'), 401, 'TENANT_INACTIVE', {
      presented: [writer.publicKey, writer.secretKey],
    });
    keys.activateTenant('globex');
    expectAdmitted(await as(writer).get('/echo'));
  });

  it('JWTs from createTestJwtIssuer: admitted with their scopes, expired on the test clock, tenant suspended', async () => {
    const keys = new TestKeys();
    const clock = testClock();
    const idp = await createTestJwtIssuer({ now: clock.now });
    const app = buildApp(fw, {
      keys,
      now: clock.now,
      jwt: { jwks: idp.jwks, issuer: idp.issuer, audience: idp.audience },
    });
    const as = (token: string) => keygateRequest(request(app.handler), { scheme: 'jwt', token });
    const token = await idp.sign({
      subject: 'svc_reports',
      tenant: 'acme',
      scopes: ['payments:read'],
      expiresInSeconds: 60,
    });
    const { auth } = expectAdmitted(await as(token).get('/payments'));
    expect(auth).toMatchObject({ scheme: 'jwt', keyId: 'svc_reports', tenantId: 'acme', scopes: ['payments:read'] });
    const forbidden = await as(token).post('/payments', {});
    expect([forbidden.status, JSON.parse(forbidden.text).error.code]).toEqual([403, 'INSUFFICIENT_SCOPE']);
    expect(forbidden.headers['www-authenticate']).toContain('error="insufficient_scope"');
    keys.suspendTenant('acme');
    expectRejection(await as(token).get('/echo'), 401, 'TENANT_INACTIVE', { presented: [token] });
    keys.activateTenant('acme');
    clock.advance(120_000);
    const expired = await as(token).get('/echo');
    expectRejection(expired, 401, 'INVALID_TOKEN', { presented: [token] });
    expect(JSON.parse(expired.text).error.details.reason).toBe('expired');
  });
});

function buildAppFor(keys: TestKeys, fw: (typeof frameworks)[number], now: () => number) {
  return buildApp(fw, { keys, now, keypair: { signatures: 'required' } }).handler;
}

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPrinted, startExample, type ExampleProcess } from './support/example-process.js';

/** The demo's sandbox key pair (no scope list: unrestricted). */
const SANDBOX_PAIR = { authorization: 'Bearer pk_test_DemoPairPublicKey00000004', 'x-api-secret': 'sk_test_DemoPairSecretKey00000004' };

/** The printed command that follows the comment line containing `marker`. */
function commandAfter(banner: string, marker: string): string {
  const lines = banner.split('\n');
  const index = lines.findIndex((line) => line.startsWith('#') && line.includes(marker));
  expect(index, `banner has a "${marker}" command`).toBeGreaterThanOrEqual(0);
  return lines[index + 1]!;
}

describe.each(['express', 'koa'] as const)('example server: %s', (name) => {
  let server: ExampleProcess;
  beforeAll(async () => {
    server = await startExample(name);
  });
  afterAll(() => server.stop());

  it('prints ready-to-paste curl commands; the Basic one answers 200 with the tenant', async () => {
    const command = commandAfter(server.banner, 'Basic auth');
    expect(command).toMatch(/^curl -u "pk_live_\w+:" http:\/\/localhost:\d+\/v1\/wallets\/service\/balance$/);
    const body = JSON.parse(await runPrinted(command));
    expect(body).toMatchObject({ success: true, data: { tenantId: 'acme', keyId: 'key_basic_live', environment: 'live' } });
  });

  it('the revoked-key command gets the 401 envelope, the suspended one TENANT_INACTIVE', async () => {
    const revoked = JSON.parse(await runPrinted(commandAfter(server.banner, 'revoked key')));
    expect(revoked).toMatchObject({ success: false, error: { code: 'INVALID_API_KEY', message: 'Invalid or revoked API key.' } });
    expect(revoked.requestId).toEqual(expect.any(String));
    const suspended = JSON.parse(await runPrinted(commandAfter(server.banner, 'suspended')));
    expect(suspended.error.code).toBe('TENANT_INACTIVE');
  });

  it('the key-pair command lists payments in the sandbox environment', async () => {
    const body = JSON.parse(await runPrinted(commandAfter(server.banner, 'Key pair')));
    expect(body).toMatchObject({ success: true, data: { environment: 'test', keyId: 'key_pair_test', payments: expect.any(Array) } });
  });

  it('a request signed as the published client does is accepted, its replay rejected', async () => {
    const output = await runPrinted(commandAfter(server.banner, '--replay'));
    expect(output).toMatch(/^request -> 201 .*"success":true/m);
    expect(output).toMatch(/^replay  -> 401 .*"code":"REPLAYED_REQUEST"/m);
  });

  it('a payments:read key gets 403 on POST /v1/payments', async () => {
    const output = await runPrinted(commandAfter(server.banner, 'payments:read-only'));
    expect(output).toMatch(/^request -> 403 .*"code":"INSUFFICIENT_SCOPE".*"missingScopes":\["payments:write"\]/m);
  });

  it('answers malformed JSON from a valid key with 400, not 500', async () => {
    const response = await fetch(`${server.baseUrl}/v1/payments`, {
      method: 'POST',
      headers: { ...SANDBOX_PAIR, 'content-type': 'application/json' },
      body: '{"amount":',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ success: false, error: { code: 'INVALID_REQUEST' } });
  });

  // Bodies keygate let through (unsigned, or signed and verified) that the app's JSON parser cannot take.
  it.each([
    ['a 2 MB body (over the parser limit)', 413, { 'content-type': 'application/json' }, `{"pad":"${'x'.repeat(2 * 1024 * 1024)}"}`],
    // Express answers an unknown charset with 415, @koa/bodyparser with 400: either way a client error.
    ['an unsupported charset', 400, { 'content-type': 'application/json; charset=bogus' }, '{"amount":1}'],
    ['a gzip claim on plain bytes', 400, { 'content-type': 'application/json', 'content-encoding': 'gzip' }, '{"amount":1}'],
  ])('answers %s from a valid key with a 4xx (~%i) in the envelope, never 500', async (_, status, headers, body) => {
    const response = await fetch(`${server.baseUrl}/v1/payments`, { method: 'POST', headers: { ...SANDBOX_PAIR, ...headers }, body });
    const json = (await response.json()) as { success: boolean; error: { code: string }; requestId: string };
    expect(response.status === status || (status === 400 && response.status === 415)).toBe(true);
    expect(json.success).toBe(false);
    expect(json.error.code).toMatch(/^(INVALID_REQUEST|BODY_TOO_LARGE|UNSUPPORTED_MEDIA_TYPE)$/);
    expect(json.requestId).toBe(response.headers.get('x-request-id'));
    expect(json.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('accepts a 200 KB JSON body (the parser allows what keygate allows)', async () => {
    const body = JSON.stringify({ amount: 100, currency: 'USD', note: 'x'.repeat(200 * 1024) });
    const response = await fetch(`${server.baseUrl}/v1/payments`, {
      method: 'POST',
      headers: { ...SANDBOX_PAIR, 'content-type': 'application/json' },
      body,
    });
    expect(response.status).toBe(201);
  });

  it('answers an unknown route in the envelope', async () => {
    const missing = await fetch(`${server.baseUrl}/v1/nothing-here`, { headers: SANDBOX_PAIR });
    expect([missing.status, ((await missing.json()) as { error: { code: string } }).error.code]).toEqual([404, 'NOT_FOUND']);
  });
});

describe('example configuration', () => {
  it('stops at start with a message naming the file, entry and field of a bad keys file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keygate-example-'));
    const file = join(dir, 'keys.json');
    writeFileSync(file, JSON.stringify({ tenants: [{ id: 'acme' }], keys: [{ id: 'k1', tenant: 'acme', publicKey: 'pk_live_abcdefgh', secretKey: 'sk_test_abcdefgh' }] }));
    await expect(startExample('express', { KEYGATE_KEYS: file })).rejects.toThrow(/exited with 1:[\s\S]*keys\.json: keys\[0\] \("k1"\): field "secretKey"/);
  });

  it('stops at start, naming the key, when a rate limit cannot fit the memory store', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'keygate-example-')), 'keys.json');
    writeFileSync(file, JSON.stringify({ tenants: [{ id: 'acme' }], keys: [{ id: 'k_huge', tenant: 'acme', key: 'pk_live_abcdefgh', rateLimit: { limit: 10_000_000, windowSeconds: 60 } }] }));
    await expect(startExample('koa', { KEYGATE_KEYS: file })).rejects.toThrow(/exited with 1:[\s\S]*key "k_huge": field "rateLimit.limit" is too large/);
  });

  it('rejects a bad KEYGATE_SIGNATURES value at start', async () => {
    await expect(startExample('koa', { KEYGATE_SIGNATURES: 'always' })).rejects.toThrow(/KEYGATE_SIGNATURES must be required, optional or off/);
  });

  it('KEYGATE_SIGNATURES=required and KEYGATE_ENVIRONMENTS=live take effect', async () => {
    const server = await startExample('express', { KEYGATE_SIGNATURES: 'required', KEYGATE_ENVIRONMENTS: 'live' });
    try {
      // Only commands that can succeed are printed: no Basic keys, no unsigned key pairs.
      expect(server.banner).not.toMatch(/^curl /m);
      expect(server.banner).toContain('client.mjs');
      const pair = { authorization: 'Bearer pk_live_DemoPairPublicKey00000005', 'x-api-secret': 'sk_live_DemoPairSecretKey00000005' };
      const unsigned = await fetch(`${server.baseUrl}/v1/payments`, { headers: pair });
      expect(((await unsigned.json()) as { error: { code: string } }).error.code).toBe('INVALID_SIGNATURE');
      const sandbox = await fetch(`${server.baseUrl}/v1/payments`, { headers: SANDBOX_PAIR });
      expect(((await sandbox.json()) as { error: { code: string } }).error.code).toBe('ENVIRONMENT_MISMATCH');
    } finally {
      await server.stop();
    }
  });
});

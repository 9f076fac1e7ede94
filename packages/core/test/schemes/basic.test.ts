import { describe, expect, it } from 'vitest';
import { basicAuthorization, createVerifier, type VerifyResult } from '../../src/index.js';
import { basicHeaderVectors, codeOf, expectNoLeak, keysFile, VECTOR_KEY } from '../helpers.js';

const verifier = createVerifier({ keys: keysFile(), rateLimit: false });
const verify = (authorization?: string | string[], extra: Record<string, string> = {}) =>
  verifier.verify({
    method: 'GET',
    target: '/v1/x',
    headers: authorization === undefined ? extra : { authorization, ...extra },
  });

function expectRejected(result: VerifyResult, code: string, ...secrets: string[]) {
  expect(codeOf(result)).toBe(code);
  if (result.ok) return;
  const envelope = result.error.toJSON();
  expect(envelope).toEqual({
    success: false,
    error: { message: expect.any(String), code, details: expect.any(Object) },
    requestId: result.requestId,
  });
  expect(result.headers['x-request-id']).toBe(result.requestId);
  if (result.error.status === 401) expect(result.headers['www-authenticate']).toMatch(/^Basic realm="api"/);
  expectNoLeak(result, ...secrets);
}

describe('Basic API keys: shared vectors', () => {
  for (const vector of basicHeaderVectors) {
    it(`${vector.note}: ${JSON.stringify(vector.header).slice(0, 60)}`, async () => {
      const result = await verify(vector.header);
      if ('key' in vector.expect) {
        expect(codeOf(result)).toBe('ok');
        if (result.ok)
          expect(result.auth).toMatchObject({
            keyId: 'key_vector',
            tenantId: 'acme',
            scheme: 'basic',
            environment: 'live',
          });
      } else {
        expectRejected(result, vector.expect.error, VECTOR_KEY);
      }
    });
  }
});

describe('Basic API keys', () => {
  it('accepts the header curl -u "KEY:" sends and reports the principal', async () => {
    const result = await verify(basicAuthorization(VECTOR_KEY));
    expect(codeOf(result)).toBe('ok');
    expect(result.ok && result.auth).toEqual({
      scheme: 'basic',
      keyId: 'key_vector',
      tenantId: 'acme',
      environment: 'live',
      scopes: null,
      signed: false,
      requestId: result.requestId,
    });
  });

  it('gives one answer for unknown, revoked, expired and malformed keys (no enumeration)', async () => {
    const answers = await Promise.all([
      verify(basicAuthorization('pk_live_UnknownKey00000000001')),
      verify(basicAuthorization('pk_live_RevokedKey000000000001')),
      verify(basicAuthorization('pk_live_ExpiredKey000000000001')),
      verify('Basic !!!!'),
    ]);
    const messages = answers.map((result) =>
      result.ok ? 'ok' : `${result.error.status} ${result.error.code} ${result.error.message}`,
    );
    expect(new Set(messages)).toEqual(new Set(['401 INVALID_API_KEY Invalid or revoked API key.']));
  });

  it('accepts a key whose expiry lies in the future, and a key without an environment prefix', async () => {
    expect(codeOf(await verify(basicAuthorization('pk_live_FutureExpiry0000000001')))).toBe('ok');
    const plain = await verify(basicAuthorization('plainkey-without-prefix-01'));
    expect(codeOf(plain)).toBe('ok');
    expect(plain.ok && plain.auth.environment).toBeNull();
  });

  it('answers TENANT_INACTIVE for a key of a suspended tenant', async () => {
    expectRejected(
      await verify(basicAuthorization('pk_live_SuspendedTenant0000001')),
      'TENANT_INACTIVE',
      'pk_live_SuspendedTenant0000001',
    );
  });

  it.each([
    ['no header', undefined],
    ['empty header', ''],
    ['only spaces', '   '],
    ['wrong scheme', `Digest ${Buffer.from(`${VECTOR_KEY}:`).toString('base64')}`],
    ['no colon', `Basic ${Buffer.from(VECTOR_KEY).toString('base64')}`],
    ['empty key', `Basic ${Buffer.from(':').toString('base64')}`],
    ['bad base64', 'Basic %%%%'],
    ['base64 with impossible length', 'Basic abcde'],
    ['repeated header', [basicAuthorization(VECTOR_KEY), basicAuthorization(VECTOR_KEY)]],
    ['non-UTF-8 bytes', `Basic ${Buffer.from([0xff, 0xfe, 0x3a]).toString('base64')}`],
    ['control character in key', basicAuthorization('pk_live_Vector\u0001Key')],
    ['non-ASCII key', basicAuthorization('pk_live_Vëctör重KeyForKeygate')],
  ])('rejects %s with 401 INVALID_API_KEY', async (_name, header) => {
    expectRejected(await verify(header), 'INVALID_API_KEY', VECTOR_KEY);
  });

  it('upper- and lower-case scheme names both work', async () => {
    const token = Buffer.from(`${VECTOR_KEY}:`).toString('base64');
    expect(codeOf(await verify(`BASIC ${token}`))).toBe('ok');
    expect(codeOf(await verify(`basic ${token}`))).toBe('ok');
    expect(codeOf(await verify(`  Basic    ${token}  `))).toBe('ok');
  });

  it('rejects a non-empty password by default, ignores it with basic.allowPassword', async () => {
    const header = `Basic ${Buffer.from(`${VECTOR_KEY}:${VECTOR_KEY}`).toString('base64')}`;
    expectRejected(await verify(header), 'INVALID_API_KEY', VECTOR_KEY);
    const lenient = createVerifier({ keys: keysFile(), rateLimit: false, basic: { allowPassword: true } });
    const result = await lenient.verify({ method: 'GET', target: '/', headers: { authorization: header } });
    expect(codeOf(result)).toBe('ok');
  });

  it('rejects a 100 KB header before decoding it', async () => {
    const huge = `Basic ${'A'.repeat(100 * 1024)}`;
    expectRejected(await verify(huge), 'INVALID_API_KEY');
  });

  it('rejects a valid header that only the key-pair scheme could accept when basic is disabled', async () => {
    const pairsOnly = createVerifier({ keys: keysFile(), rateLimit: false, schemes: ['keypair'] });
    const result = await pairsOnly.verify({
      method: 'GET',
      target: '/',
      headers: { authorization: basicAuthorization(VECTOR_KEY) },
    });
    expect(codeOf(result)).toBe('INVALID_API_KEY');
    expect(result.headers['www-authenticate']).toBe('Bearer realm="api"');
  });

  it('applies the accepted environments to Basic keys with a prefix', async () => {
    const testOnly = createVerifier({ keys: keysFile(), rateLimit: false, environments: ['test'] });
    const result = await testOnly.verify({
      method: 'GET',
      target: '/',
      headers: { authorization: basicAuthorization(VECTOR_KEY) },
    });
    expect(codeOf(result)).toBe('ENVIRONMENT_MISMATCH');
  });
});

import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createVerifier, type KeygateOptions, type RequestInput } from '../../src/index.js';
import {
  codeOf,
  expectNoLeak,
  keysFile,
  manualClock,
  pairHeaders,
  VECTOR_KEY,
  VECTOR_PUBLIC,
  VECTOR_SECRET,
} from '../helpers.js';

function setup(options: Partial<KeygateOptions> = {}) {
  const clock = manualClock();
  return createVerifier({ keys: keysFile(), rateLimit: false, now: clock.now, ...options });
}

async function code(verifier: ReturnType<typeof setup>, request: RequestInput) {
  const result = await verifier.verify(request);
  expectNoLeak(result, VECTOR_SECRET);
  return codeOf(result);
}

describe('key pairs', () => {
  it('accepts a valid pair unsigned under "optional" and reports the environment', async () => {
    const result = await setup().verify({ method: 'GET', target: '/v1/payments', headers: pairHeaders() });
    expect(codeOf(result)).toBe('ok');
    expect(result.ok && result.auth).toMatchObject({
      scheme: 'keypair',
      keyId: 'key_pair',
      environment: 'test',
      signed: false,
      scopes: null,
    });
  });

  it('answers unknown public key and wrong secret the same way', async () => {
    const verifier = setup();
    const unknown = await verifier.verify({
      method: 'GET',
      target: '/',
      headers: pairHeaders('pk_test_Unknown000000000001'),
    });
    const wrong = await verifier.verify({
      method: 'GET',
      target: '/',
      headers: pairHeaders(VECTOR_PUBLIC, 'sk_test_WrongSecret00000001'),
    });
    const answer = (result: typeof wrong) => (result.ok ? 'ok' : `${result.error.code} ${result.error.message}`);
    expect([answer(unknown), answer(wrong)]).toEqual([
      'INVALID_API_KEY Invalid or revoked API key.',
      'INVALID_API_KEY Invalid or revoked API key.',
    ]);
  });

  it.each([
    ['missing secret', { authorization: `Bearer ${VECTOR_PUBLIC}` }, 'INVALID_API_KEY'],
    ['secret without sk_ prefix', pairHeaders(VECTOR_PUBLIC, 'VectorSecretForKeygateTests01'), 'INVALID_API_KEY'],
    ['bearer without pk_ prefix', pairHeaders('VectorPublic', VECTOR_SECRET), 'INVALID_API_KEY'],
    ['secret key as bearer', pairHeaders(VECTOR_SECRET, VECTOR_SECRET), 'INVALID_API_KEY'],
    [
      'pk_test with sk_live',
      pairHeaders(VECTOR_PUBLIC, 'sk_live_VectorSecretForKeygateTests01'),
      'ENVIRONMENT_MISMATCH',
    ],
    [
      'pk_live with sk_test',
      pairHeaders('pk_live_LivePublic0000000001', 'sk_test_LiveSecret0000000001'),
      'ENVIRONMENT_MISMATCH',
    ],
    [
      'repeated secret header',
      { ...pairHeaders(), 'x-api-secret': [VECTOR_SECRET, VECTOR_SECRET] as unknown as string },
      'INVALID_API_KEY',
    ],
  ])('%s → %s', async (_name, headers, expected) => {
    expect(await code(setup(), { method: 'GET', target: '/', headers })).toBe(expected);
  });

  it('rejects an environment the deployment does not accept', async () => {
    const verifier = setup({ environments: ['live'] });
    expect(await code(verifier, { method: 'GET', target: '/', headers: pairHeaders() })).toBe('ENVIRONMENT_MISMATCH');
    const live = await verifier.verify({
      method: 'GET',
      target: '/',
      headers: pairHeaders('pk_live_LivePublic0000000001', 'sk_live_LiveSecret0000000001'),
    });
    expect(codeOf(live)).toBe('ok');
    expect(live.ok && live.auth.environment).toBe('live');
  });

  it('Basic and key-pair schemes work on one verifier', async () => {
    const verifier = setup();
    const basic = await verifier.verify({
      method: 'GET',
      target: '/',
      headers: { authorization: `Basic ${Buffer.from(`${VECTOR_KEY}:`).toString('base64')}` },
    });
    expect(basic.ok && basic.auth.scheme).toBe('basic');
    const pair = await verifier.verify({ method: 'GET', target: '/', headers: pairHeaders() });
    expect(pair.ok && pair.auth.scheme).toBe('keypair');
  });

  it('rejects a valid pair when only the basic scheme is enabled, challenging with Basic only', async () => {
    const result = await setup({ schemes: ['basic'] }).verify({ method: 'GET', target: '/', headers: pairHeaders() });
    expect(codeOf(result)).toBe('INVALID_API_KEY');
    expect(result.headers['www-authenticate']).toBe('Basic realm="api", charset="UTF-8"');
  });

  it('reads the secret from the configured keypair.secretHeader', async () => {
    const verifier = setup({ keypair: { secretHeader: 'X-Acme-Secret' } });
    const headers = { authorization: `Bearer ${VECTOR_PUBLIC}`, 'x-acme-secret': VECTOR_SECRET };
    expect(await code(verifier, { method: 'GET', target: '/', headers })).toBe('ok');
    expect(await code(verifier, { method: 'GET', target: '/', headers: pairHeaders() })).toBe('INVALID_API_KEY');
  });

  // A custom key store that returns a pair without its secret must not turn the public dummy into a password.
  it('never admits a key pair whose record has no secret: 503 and reported, signed or not', async () => {
    const errors: unknown[] = [];
    const record = {
      id: 'broken',
      tenantId: 'acme',
      tenantStatus: 'active' as const,
      kind: 'keypair' as const,
      environment: 'live' as const,
    };
    const digestOnly = {
      ...record,
      id: 'digest-only',
      secretKeyDigest: createHash('sha256').update('sk_live_DigestOnly000001').digest(),
    };
    const keys = {
      findByKeyHash: () => undefined,
      findByPublicKey: (publicKey: string) =>
        publicKey === 'pk_live_Broken00000001'
          ? record
          : publicKey === 'pk_live_DigestOnly000001'
            ? digestOnly
            : undefined,
    };
    const verifier = createVerifier({ keys, rateLimit: false, onStoreError: (error) => errors.push(error) });
    const ask = (publicKey: string, secret: string, extra: Record<string, string> = {}) =>
      verifier.verify({
        method: 'GET',
        target: '/',
        headers: { authorization: `Bearer ${publicKey}`, 'x-api-secret': secret, ...extra },
      });
    for (const secret of [`sk_live_${'0'.repeat(32)}`, 'sk_live_anything', 'sk_live_x']) {
      expect(codeOf(await ask('pk_live_Broken00000001', secret))).toBe('AUTH_UNAVAILABLE');
    }
    expect(String(errors[0])).toContain('key pair "broken" has no secretKey');
    // Proven by its digest alone, a pair may call unsigned, but cannot check a signature (never an empty HMAC key).
    expect(codeOf(await ask('pk_live_DigestOnly000001', 'sk_live_DigestOnly000001'))).toBe('ok');
    const emptyKeySignature = createHmac('sha256', '')
      .update(`v2\n1764043200000\nGET\n/\n${createHash('sha256').update('').digest('hex')}`)
      .digest('hex');
    const signed = await ask('pk_live_DigestOnly000001', 'sk_live_DigestOnly000001', {
      'x-pelago-timestamp': String(Date.now()),
      'x-pelago-signature': `v2=${emptyKeySignature}`,
    });
    expect(codeOf(signed)).toBe('AUTH_UNAVAILABLE');
  });

  it('treats an expiry that is not a number as expired (fail closed)', async () => {
    const record = {
      id: 'nan',
      tenantId: 'acme',
      tenantStatus: 'active' as const,
      kind: 'basic' as const,
      environment: null,
      expiresAt: Number.NaN,
    };
    const verifier = createVerifier({
      keys: { findByKeyHash: () => record, findByPublicKey: () => undefined },
      rateLimit: false,
    });
    const result = await verifier.verify({
      method: 'GET',
      target: '/',
      headers: { authorization: `Basic ${Buffer.from('anything-at-all:').toString('base64')}` },
    });
    expect(codeOf(result)).toBe('INVALID_API_KEY');
  });
});

import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createVerifier, signRequest, type KeygateOptions, type RequestInput } from '../../src/index.js';
import {
  codeOf,
  expectNoLeak,
  keysFile,
  manualClock,
  pairHeaders,
  reasonOf,
  signatureVectors,
  signed,
  VECTOR_SECRET,
  VECTOR_TIME,
} from '../helpers.js';

function setup(options: Partial<KeygateOptions> = {}) {
  return createVerifier({ keys: keysFile(), rateLimit: false, now: manualClock().now, ...options });
}

async function code(verifier: ReturnType<typeof setup>, request: RequestInput) {
  const result = await verifier.verify(request);
  expectNoLeak(result, VECTOR_SECRET);
  return codeOf(result);
}

const payment = '{"amount":100,"currency":"USD"}';
const isBodiless = (method: string) => method === 'GET' || method === 'HEAD';

describe('v1 signature vectors (byte compatibility with clients)', () => {
  it.each(signatureVectors.map((v) => [v.name, v] as const))('%s: signRequest matches', (_name, vector) => {
    const headers = signRequest({
      method: vector.method,
      path: vector.path,
      body: vector.body,
      secret: vector.secret,
      timestamp: Number(vector.timestamp),
    });
    expect(headers).toEqual({ 'X-Pelago-Timestamp': vector.timestamp, 'X-Pelago-Signature': vector.signature });
    expect(
      signRequest({
        method: vector.method,
        path: vector.path,
        body: vector.body,
        secret: vector.secret,
        timestamp: Number(vector.timestamp),
        version: 'v1',
      }),
    ).toEqual(headers);
    expect(createHmac('sha256', vector.secret).update(vector.payload).digest('hex')).toBe(vector.signature);
  });

  // Changed on purpose (issue 8): a signed GET carries no body, so the vector whose GET client signed
  // JSON.stringify({}) is sent as what that client sends, no body (the `{}` leniency); the same request with a
  // `{}` body is now refused, below.
  it.each(signatureVectors.map((v) => [v.name, v] as const))('%s: the verifier accepts it', async (_name, vector) => {
    const request: RequestInput = {
      method: vector.method,
      target: vector.path,
      body: isBodiless(vector.method) ? undefined : Buffer.from(vector.body, 'utf8'),
      headers: { ...pairHeaders(), 'x-pelago-timestamp': vector.timestamp, 'x-pelago-signature': vector.signature },
    };
    const result = await setup({ keypair: { signatures: 'required' } }).verify(request);
    expect(codeOf(result)).toBe('ok');
    expect(result.ok && result.auth).toMatchObject({
      keyId: 'key_pair',
      scheme: 'keypair',
      environment: 'test',
      signed: true,
    });
  });

  it('headers made by the published client sample verify, and signRequest makes the same bytes', async () => {
    const body = { amount: 100, currency: 'USD' };
    const method = 'POST';
    const path = '/v1/payments';
    // The seed's published client code, verbatim but for the fixed timestamp:
    const timestamp = VECTOR_TIME;
    const payload = `${timestamp}.${method}.${path}.${JSON.stringify(body)}`;
    const signature = createHmac('sha256', VECTOR_SECRET).update(payload).digest('hex');
    const headers = { 'X-Pelago-Timestamp': timestamp.toString(), 'X-Pelago-Signature': signature };

    expect(signRequest({ method, path, body, secret: VECTOR_SECRET, timestamp })).toEqual(headers);
    const result = await setup({ keypair: { signatures: 'required' } }).verify({
      method,
      target: path,
      body: JSON.stringify(body),
      headers: {
        ...pairHeaders(),
        'x-pelago-timestamp': headers['X-Pelago-Timestamp'],
        'x-pelago-signature': headers['X-Pelago-Signature'],
      },
    });
    expect(codeOf(result)).toBe('ok');
  });
});

describe('v1 request signatures', () => {
  it.each<[string, (r: RequestInput) => RequestInput, string]>([
    ['tampered body', (r) => ({ ...r, body: payment.replace('100', '900') }), 'INVALID_SIGNATURE'],
    ['tampered method', (r) => ({ ...r, method: 'PUT' }), 'INVALID_SIGNATURE'],
    ['tampered path', (r) => ({ ...r, target: '/v1/refunds' }), 'INVALID_SIGNATURE'],
    ['added query', (r) => ({ ...r, target: '/v1/payments?admin=1' }), 'INVALID_SIGNATURE'],
    [
      'tampered timestamp',
      (r) => ({ ...r, headers: { ...r.headers, 'x-pelago-timestamp': String(VECTOR_TIME + 1) } }),
      'INVALID_SIGNATURE',
    ],
    [
      'upper-case hex',
      (r) => ({
        ...r,
        headers: { ...r.headers, 'x-pelago-signature': String(r.headers['x-pelago-signature']).toUpperCase() },
      }),
      'ok',
    ],
    [
      'truncated signature',
      (r) => ({
        ...r,
        headers: { ...r.headers, 'x-pelago-signature': String(r.headers['x-pelago-signature']).slice(0, 63) },
      }),
      'INVALID_SIGNATURE',
    ],
    [
      'non-hex signature',
      (r) => ({ ...r, headers: { ...r.headers, 'x-pelago-signature': 'g'.repeat(64) } }),
      'INVALID_SIGNATURE',
    ],
    [
      'missing signature, timestamp present',
      (r) => ({ ...r, headers: { ...r.headers, 'x-pelago-signature': undefined } }),
      'INVALID_SIGNATURE',
    ],
    [
      'missing timestamp, signature present',
      (r) => ({ ...r, headers: { ...r.headers, 'x-pelago-timestamp': undefined } }),
      'TIMESTAMP_OUT_OF_RANGE',
    ],
    [
      'non-numeric timestamp',
      (r) => ({ ...r, headers: { ...r.headers, 'x-pelago-timestamp': '17640432e5' } }),
      'TIMESTAMP_OUT_OF_RANGE',
    ],
    [
      'the v1 hex sent as v2',
      (r) => ({
        ...r,
        headers: { ...r.headers, 'x-pelago-signature': `v2=${String(r.headers['x-pelago-signature'])}` },
      }),
      'INVALID_SIGNATURE',
    ],
  ])('%s → %s', async (_name, change, expected) => {
    expect(await code(setup(), change(signed('POST', '/v1/payments', payment)))).toBe(expected);
  });

  it('rejects a signature made with another secret', async () => {
    expect(
      await code(setup(), signed('POST', '/v1/payments', payment, { secret: 'sk_test_SomeoneElsesSecret0001' })),
    ).toBe('INVALID_SIGNATURE');
  });

  it('accepts an empty body signed over "" or over "{}", but not a non-empty body signed over "{}"', async () => {
    const verifier = setup();
    expect(await code(verifier, signed('GET', '/v1/payments', ''))).toBe('ok');
    const overBraces = signed('GET', '/v1/payments?x=1', '{}');
    expect(await code(verifier, { ...overBraces, body: undefined })).toBe('ok');
    const another = signed('POST', '/v1/payments', '{}', { timestamp: VECTOR_TIME + 1 });
    expect(await code(verifier, { ...another, body: '{"a":1}' })).toBe('INVALID_SIGNATURE');
  });
});

describe('v1 hardening: a signed GET or HEAD carries no body (issue 8)', () => {
  it.each(['GET', 'HEAD', 'get'])(
    'a signed %s with a non-empty body is refused as body-not-allowed, even when the signature matches',
    async (method) => {
      const result = await setup().verify(signed(method, '/v1/payments', '{"a":1}'));
      expect(reasonOf(result)).toBe('INVALID_SIGNATURE:body-not-allowed');
      expectNoLeak(result, VECTOR_SECRET);
    },
  );

  it('also as bytes, or read on demand', async () => {
    const request = signed('GET', '/v1/payments', 'x');
    expect(reasonOf(await setup().verify({ ...request, body: Buffer.from('x') }))).toBe(
      'INVALID_SIGNATURE:body-not-allowed',
    );
    expect(reasonOf(await setup().verify({ ...request, body: async () => Buffer.from('x') }))).toBe(
      'INVALID_SIGNATURE:body-not-allowed',
    );
  });

  it('an empty body (none, "", zero bytes) is still accepted on GET, and bodies on other methods', async () => {
    const verifier = setup();
    expect(codeOf(await verifier.verify({ ...signed('GET', '/a', ''), body: undefined }))).toBe('ok');
    expect(codeOf(await verifier.verify({ ...signed('GET', '/b', ''), body: Buffer.alloc(0) }))).toBe('ok');
    expect(codeOf(await verifier.verify(signed('HEAD', '/c', '')))).toBe('ok');
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'])
      expect(codeOf(await verifier.verify(signed(method, '/d', '{"a":1}')))).toBe('ok');
  });

  // Issue 8, finding 1: sign GET ?created_after=…00.000Z with no body, send ?created_after=…00 with body
  // "000Z." and the same headers: the v1 string is the same.
  it('the re-split attack on a signed GET is refused', async () => {
    const verifier = setup();
    const original = signed('GET', '/v1/payments?created_after=2026-01-01T00:00:00.000Z', '');
    const resplit: RequestInput = {
      ...original,
      target: '/v1/payments?created_after=2026-01-01T00:00:00',
      body: '000Z.',
    };
    // The premise: v1 gives both requests the same signed string.
    const v1 = (target: string, body: string) => `${VECTOR_TIME}.GET.${target}.${body}`;
    expect(v1(resplit.target, '000Z.')).toBe(v1(original.target, ''));
    expect(reasonOf(await verifier.verify(resplit))).toBe('INVALID_SIGNATURE:body-not-allowed');
    expect(codeOf(await verifier.verify(original))).toBe('ok');
  });

  it('the re-split of a signed POST is the ambiguity v1 keeps: refused once v1 is turned off (keypair.signatureVersions)', async () => {
    const original = signed('POST', '/v1/payments?note=a.b', 'c');
    const resplit: RequestInput = { ...original, target: '/v1/payments?note=a', body: 'b.c' };
    expect(reasonOf(await setup({ keypair: { signatureVersions: ['v2'] } }).verify(resplit))).toBe(
      'INVALID_SIGNATURE:version',
    );
  });
});

describe('signature header details', () => {
  it('a repeated or over-long signature/timestamp header is "malformed", not "missing"', async () => {
    const verifier = setup();
    const request = signed('POST', '/v1/payments', '{"a":1}');
    const sig = String(request.headers['x-pelago-signature']);
    const results = await Promise.all([
      verifier.verify({ ...request, headers: { ...request.headers, 'x-pelago-signature': [sig, sig] } }),
      verifier.verify({ ...request, headers: { ...request.headers, 'x-pelago-signature': sig.repeat(5) } }),
      verifier.verify({ ...request, headers: { ...request.headers, 'x-pelago-timestamp': '1'.repeat(40) } }),
      verifier.verify({ ...request, headers: { ...request.headers, 'x-pelago-signature': '' } }),
    ]);
    expect(results.map(reasonOf)).toEqual([
      'INVALID_SIGNATURE:malformed',
      'INVALID_SIGNATURE:malformed',
      'TIMESTAMP_OUT_OF_RANGE:malformed',
      'INVALID_SIGNATURE:missing',
    ]);
  });
});

describe('one signature, one spelling', () => {
  // Buffer's hex decoding reads only the low byte of a character: 'İ' (U+0130) would decode as '0'.
  it('a look-alike of a hex digit is malformed, so a replay cannot be respelled', async () => {
    const verifier = setup();
    const request = signed('POST', '/v1/payments', payment);
    const sig = String(request.headers['x-pelago-signature']);
    const zero = sig.indexOf('0');
    expect(zero).toBeGreaterThanOrEqual(0);
    const respelled = `${sig.slice(0, zero)}\u0130${sig.slice(zero + 1)}`;
    expect(await code(verifier, request)).toBe('ok');
    const result = await verifier.verify({
      ...request,
      headers: { ...request.headers, 'x-pelago-signature': respelled },
    });
    expect(reasonOf(result)).toBe('INVALID_SIGNATURE:malformed');
    expect(
      await code(verifier, { ...request, headers: { ...request.headers, 'x-pelago-signature': sig.toUpperCase() } }),
    ).toBe('REPLAYED_REQUEST');
  });
});

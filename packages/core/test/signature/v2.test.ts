import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createVerifier, signRequest, type KeygateOptions, type RequestInput } from '../../src/index.js';
import {
  codeOf,
  expectNoLeak,
  keysFile,
  manualClock,
  pairHeaders,
  reasonOf,
  signatureV2Vectors,
  signed,
  VECTOR_SECRET,
  VECTOR_TIME,
} from '../helpers.js';

function setup(options: Partial<KeygateOptions> = {}) {
  return createVerifier({ keys: keysFile(), rateLimit: false, now: manualClock().now, ...options });
}

const payment = '{"amount":100,"currency":"USD"}';
const v2 = (method: string, target: string, body: string, timestamp = VECTOR_TIME) =>
  signed(method, target, body, { version: 'v2', timestamp });

describe('v2 signature vectors (computed independently of keygate)', () => {
  const cases = signatureV2Vectors.map((v) => [v.name, v] as const);

  it.each(cases)('%s: the vector is what the design defines', (_name, vector) => {
    const bodySha256 = createHash('sha256').update(vector.body, 'utf8').digest('hex');
    expect(vector.bodySha256).toBe(bodySha256);
    expect(vector.payload).toBe(
      `v2\n${vector.timestamp}\n${vector.method.toUpperCase()}\n${vector.path}\n${bodySha256}`,
    );
    expect(vector.header).toBe(`v2=${createHmac('sha256', vector.secret).update(vector.payload).digest('hex')}`);
  });

  it.each(cases)('%s: signRequest({ version: "v2" }) makes the same headers', (_name, vector) => {
    const input = {
      method: vector.method,
      path: vector.path,
      body: vector.body,
      secret: vector.secret,
      timestamp: Number(vector.timestamp),
    };
    expect(signRequest({ ...input, version: 'v2' })).toEqual({
      'X-Pelago-Timestamp': vector.timestamp,
      'X-Pelago-Signature': vector.header,
    });
    // The body may also be given as bytes.
    expect(signRequest({ ...input, body: Buffer.from(vector.body, 'utf8'), version: 'v2' })['X-Pelago-Signature']).toBe(
      vector.header,
    );
  });

  it.each(cases)('%s: the verifier accepts it', async (_name, vector) => {
    const verifier = setup({ keypair: { signatures: 'required', signatureVersions: ['v2'] } });
    const result = await verifier.verify({
      method: vector.method,
      target: vector.path,
      body: Buffer.from(vector.body, 'utf8'),
      headers: { ...pairHeaders(), 'x-pelago-timestamp': vector.timestamp, 'x-pelago-signature': vector.header },
    });
    expect(codeOf(result)).toBe('ok');
    expect(result.ok && result.auth).toMatchObject({ keyId: 'key_pair', scheme: 'keypair', signed: true });
  });

  it('signRequest signs an object body as JSON.stringify(body), and refuses an unknown version', () => {
    const object = { amount: 100, currency: 'USD' };
    const vector = signatureV2Vectors.find((v) => v.body === JSON.stringify(object) && v.method === 'POST')!;
    expect(
      signRequest({
        method: 'post',
        path: vector.path,
        body: object,
        secret: vector.secret,
        timestamp: Number(vector.timestamp),
        version: 'v2',
      })['X-Pelago-Signature'],
    ).toBe(vector.header);
    expect(() => signRequest({ method: 'GET', path: '/', secret: VECTOR_SECRET, version: 'v3' as never })).toThrow(
      TypeError,
    );
  });
});

describe('v2 request signatures', () => {
  it.each<[string, (r: RequestInput) => RequestInput, string]>([
    ['untouched', (r) => r, 'ok'],
    ['tampered method', (r) => ({ ...r, method: 'PUT' }), 'INVALID_SIGNATURE:mismatch'],
    ['tampered path', (r) => ({ ...r, target: '/v1/refunds?limit=10' }), 'INVALID_SIGNATURE:mismatch'],
    ['tampered query', (r) => ({ ...r, target: '/v1/payments?limit=11' }), 'INVALID_SIGNATURE:mismatch'],
    ['query dropped', (r) => ({ ...r, target: '/v1/payments' }), 'INVALID_SIGNATURE:mismatch'],
    ['tampered body', (r) => ({ ...r, body: payment.replace('100', '900') }), 'INVALID_SIGNATURE:mismatch'],
    ['body dropped', (r) => ({ ...r, body: undefined }), 'INVALID_SIGNATURE:mismatch'],
    [
      'tampered timestamp',
      (r) => ({ ...r, headers: { ...r.headers, 'x-pelago-timestamp': String(VECTOR_TIME + 1) } }),
      'INVALID_SIGNATURE:mismatch',
    ],
    [
      'upper-case hex',
      (r) => ({
        ...r,
        headers: {
          ...r.headers,
          'x-pelago-signature': `v2=${String(r.headers['x-pelago-signature']).slice(3).toUpperCase()}`,
        },
      }),
      'ok',
    ],
    [
      'upper-case prefix',
      (r) => ({
        ...r,
        headers: { ...r.headers, 'x-pelago-signature': `V2=${String(r.headers['x-pelago-signature']).slice(3)}` },
      }),
      'INVALID_SIGNATURE:malformed',
    ],
    [
      'prefix dropped (read as v1)',
      (r) => ({
        ...r,
        headers: { ...r.headers, 'x-pelago-signature': String(r.headers['x-pelago-signature']).slice(3) },
      }),
      'INVALID_SIGNATURE:mismatch',
    ],
    [
      'truncated',
      (r) => ({
        ...r,
        headers: { ...r.headers, 'x-pelago-signature': String(r.headers['x-pelago-signature']).slice(0, -1) },
      }),
      'INVALID_SIGNATURE:malformed',
    ],
    [
      'another pair',
      (r) => ({
        ...r,
        headers: { ...r.headers, ...pairHeaders('pk_test_ReadOnlyPublic000001', 'sk_test_ReadOnlySecret000001') },
      }),
      'INVALID_SIGNATURE:mismatch',
    ],
  ])('%s → %s', async (_name, change, expected) => {
    const result = await setup().verify(change(v2('POST', '/v1/payments?limit=10', payment)));
    expect(reasonOf(result)).toBe(expected);
    expectNoLeak(result, VECTOR_SECRET);
  });

  it('an empty body is the SHA-256 of ""; a signature over "{}" does not stand for it (that leniency is v1 only)', async () => {
    const verifier = setup();
    expect(codeOf(await verifier.verify({ ...v2('GET', '/v1/payments', ''), body: undefined }))).toBe('ok');
    expect(reasonOf(await verifier.verify({ ...v2('GET', '/v1/other', '{}'), body: undefined }))).toBe(
      'INVALID_SIGNATURE:mismatch',
    );
  });

  it('a v2 GET may carry a body: the digest fixes it (the v1 body rule does not apply)', async () => {
    expect(codeOf(await setup().verify(v2('GET', '/v1/search', '{"q":1}')))).toBe('ok');
  });

  it('bytes that are not UTF-8 are hashed as they are', async () => {
    const body = Buffer.from([0xff, 0x00, 0xfe, 0x2e]);
    const signature = signRequest({
      method: 'POST',
      path: '/upload',
      body,
      secret: VECTOR_SECRET,
      timestamp: VECTOR_TIME,
      version: 'v2',
    });
    const headers = {
      ...pairHeaders(),
      'x-pelago-timestamp': signature['X-Pelago-Timestamp']!,
      'x-pelago-signature': signature['X-Pelago-Signature']!,
    };
    const verifier = setup();
    expect(
      reasonOf(
        await verifier.verify({
          method: 'POST',
          target: '/upload',
          body: Buffer.from([0xff, 0x00, 0xfe, 0x2f]),
          headers,
        }),
      ),
    ).toBe('INVALID_SIGNATURE:mismatch');
    expect(codeOf(await verifier.verify({ method: 'POST', target: '/upload', body, headers }))).toBe('ok');
  });

  it('a v2 signature is remembered like a v1 one: sent twice → REPLAYED_REQUEST', async () => {
    const verifier = setup();
    const request = v2('POST', '/v1/payments', payment);
    expect(codeOf(await verifier.verify(request))).toBe('ok');
    expect(codeOf(await verifier.verify(request))).toBe('REPLAYED_REQUEST');
  });
});

describe('the re-split attack under v2 (issue 8, finding 1)', () => {
  it.each(['GET', 'POST'])('moving bytes between the query and the body of a signed %s is refused', async (method) => {
    const verifier = setup();
    const original = v2(method, '/v1/payments?created_after=2026-01-01T00:00:00.000Z', '');
    const resplit: RequestInput = {
      ...original,
      target: '/v1/payments?created_after=2026-01-01T00:00:00',
      body: '000Z.',
    };
    expect(reasonOf(await verifier.verify(resplit))).toBe('INVALID_SIGNATURE:mismatch');
    const joined = v2(method, '/v1/payments?note=a', 'b.c');
    expect(reasonOf(await verifier.verify({ ...joined, target: '/v1/payments?note=a.b', body: 'c' }))).toBe(
      'INVALID_SIGNATURE:mismatch',
    );
    expect(codeOf(await verifier.verify(original))).toBe('ok');
  });

  it('the vector of the re-split body verifies only as itself', async () => {
    const vector = signatureV2Vectors.find((v) => v.body === '000Z.')!;
    const headers = { ...pairHeaders(), 'x-pelago-timestamp': vector.timestamp, 'x-pelago-signature': vector.header };
    const verifier = setup();
    expect(reasonOf(await verifier.verify({ method: 'GET', target: `${vector.path}.000Z`, body: '', headers }))).toBe(
      'INVALID_SIGNATURE:mismatch',
    );
    expect(
      codeOf(await verifier.verify({ method: vector.method, target: vector.path, body: vector.body, headers })),
    ).toBe('ok');
  });
});

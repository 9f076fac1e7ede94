import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createVerifier, MemoryReplayStore, signRequest, type KeygateOptions, type RateLimitStore, type ReplayStore, type RequestInput } from '../src/index.js';
import { keysFile, manualClock, signatureVectors, VECTOR_PUBLIC, VECTOR_SECRET, VECTOR_TIME } from './helpers.js';

function setup(options: Partial<KeygateOptions> = {}) {
  const clock = manualClock();
  const verifier = createVerifier({ keys: keysFile(), rateLimit: false, now: clock.now, ...options });
  return { clock, verifier };
}

const pairHeaders = (publicKey = VECTOR_PUBLIC, secret = VECTOR_SECRET) => ({ authorization: `Bearer ${publicKey}`, 'x-api-secret': secret });

function signed(method: string, target: string, body: string, secret = VECTOR_SECRET, timestamp = VECTOR_TIME): RequestInput {
  const signature = signRequest({ method, path: target, body, secret, timestamp });
  return {
    method,
    target,
    body,
    headers: { ...pairHeaders(), 'x-pelago-timestamp': signature['X-Pelago-Timestamp'], 'x-pelago-signature': signature['X-Pelago-Signature'] },
  };
}

async function code(verifier: ReturnType<typeof setup>['verifier'], request: RequestInput) {
  const result = await verifier.verify(request);
  if (!result.ok) {
    const visible = JSON.stringify(result.error.toJSON()) + JSON.stringify(result.headers);
    expect(visible).not.toContain(VECTOR_SECRET);
    return result.error.code;
  }
  return 'OK';
}

describe('signature vectors (byte compatibility with clients)', () => {
  it.each(signatureVectors.map((v) => [v.name, v] as const))('%s: signRequest matches', (_name, vector) => {
    const headers = signRequest({ method: vector.method, path: vector.path, body: vector.body, secret: vector.secret, timestamp: Number(vector.timestamp) });
    expect(headers).toEqual({ 'X-Pelago-Timestamp': vector.timestamp, 'X-Pelago-Signature': vector.signature });
    expect(createHmac('sha256', vector.secret).update(vector.payload).digest('hex')).toBe(vector.signature);
  });

  it.each(signatureVectors.map((v) => [v.name, v] as const))('%s: the verifier accepts it', async (_name, vector) => {
    const { verifier } = setup({ signatures: 'required' });
    const request: RequestInput = {
      method: vector.method,
      target: vector.path,
      body: Buffer.from(vector.body, 'utf8'),
      headers: { ...pairHeaders(), 'x-pelago-timestamp': vector.timestamp, 'x-pelago-signature': vector.signature },
    };
    const result = await verifier.verify(request);
    expect(result.ok && result.auth).toMatchObject({ keyId: 'key_pair', scheme: 'keypair', environment: 'test', signed: true });
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
    const { verifier } = setup({ signatures: 'required' });
    const result = await verifier.verify({
      method, target: path, body: JSON.stringify(body),
      headers: { ...pairHeaders(), 'x-pelago-timestamp': headers['X-Pelago-Timestamp'], 'x-pelago-signature': headers['X-Pelago-Signature'] },
    });
    expect(result.ok).toBe(true);
  });
});

describe('key pairs', () => {
  it('accepts a valid pair unsigned under "optional" and reports the environment', async () => {
    const { verifier } = setup();
    const result = await verifier.verify({ method: 'GET', target: '/v1/payments', headers: pairHeaders() });
    expect(result.ok && result.auth).toMatchObject({ scheme: 'keypair', keyId: 'key_pair', environment: 'test', signed: false, scopes: null });
  });

  it('answers unknown public key and wrong secret the same way', async () => {
    const { verifier } = setup();
    const unknown = await verifier.verify({ method: 'GET', target: '/', headers: pairHeaders('pk_test_Unknown000000000001') });
    const wrong = await verifier.verify({ method: 'GET', target: '/', headers: pairHeaders(VECTOR_PUBLIC, 'sk_test_WrongSecret00000001') });
    expect(!unknown.ok && !wrong.ok && [unknown.error.message, wrong.error.message]).toEqual(['Invalid or revoked API key.', 'Invalid or revoked API key.']);
    expect(!wrong.ok && wrong.error.code).toBe('INVALID_API_KEY');
  });

  it.each([
    ['missing secret', { authorization: `Bearer ${VECTOR_PUBLIC}` }, 'INVALID_API_KEY'],
    ['secret without sk_ prefix', pairHeaders(VECTOR_PUBLIC, 'VectorSecretForKeygateTests01'), 'INVALID_API_KEY'],
    ['bearer without pk_ prefix', pairHeaders('VectorPublic', VECTOR_SECRET), 'INVALID_API_KEY'],
    ['secret key as bearer', pairHeaders(VECTOR_SECRET, VECTOR_SECRET), 'INVALID_API_KEY'],
    ['pk_test with sk_live', pairHeaders(VECTOR_PUBLIC, 'sk_live_VectorSecretForKeygateTests01'), 'ENVIRONMENT_MISMATCH'],
    ['pk_live with sk_test', pairHeaders('pk_live_LivePublic0000000001', 'sk_test_LiveSecret0000000001'), 'ENVIRONMENT_MISMATCH'],
  ])('%s → %s', async (_name, headers, expected) => {
    const { verifier } = setup();
    expect(await code(verifier, { method: 'GET', target: '/', headers })).toBe(expected);
  });

  it('rejects an environment the deployment does not accept', async () => {
    const { verifier } = setup({ environments: ['live'] });
    expect(await code(verifier, { method: 'GET', target: '/', headers: pairHeaders() })).toBe('ENVIRONMENT_MISMATCH');
    const live = await verifier.verify({ method: 'GET', target: '/', headers: pairHeaders('pk_live_LivePublic0000000001', 'sk_live_LiveSecret0000000001') });
    expect(live.ok && live.auth.environment).toBe('live');
  });

  it('Basic and key-pair schemes work on one verifier', async () => {
    const { verifier } = setup();
    const basic = await verifier.verify({ method: 'GET', target: '/', headers: { authorization: `Basic ${Buffer.from('pk_live_VectorKeyForKeygateTests01:').toString('base64')}` } });
    expect(basic.ok && basic.auth.scheme).toBe('basic');
    const pair = await verifier.verify({ method: 'GET', target: '/', headers: pairHeaders() });
    expect(pair.ok && pair.auth.scheme).toBe('keypair');
    expect(!pair.ok || basic.ok).toBe(true);
  });
});

describe('request signatures', () => {
  const body = '{"amount":100,"currency":"USD"}';

  it('rejects an unsigned request under "required" and ignores signatures under "off"', async () => {
    expect(await code(setup({ signatures: 'required' }).verifier, { method: 'GET', target: '/', headers: pairHeaders() })).toBe('INVALID_SIGNATURE');
    const bogus = { ...pairHeaders(), 'x-pelago-timestamp': '1', 'x-pelago-signature': 'zz' };
    const off = await setup({ signatures: 'off' }).verifier.verify({ method: 'GET', target: '/', headers: bogus });
    expect(off.ok && off.auth.signed).toBe(false);
  });

  it.each<[string, (r: RequestInput) => RequestInput, string]>([
    ['tampered body', (r) => ({ ...r, body: body.replace('100', '900') }), 'INVALID_SIGNATURE'],
    ['tampered method', (r) => ({ ...r, method: 'PUT' }), 'INVALID_SIGNATURE'],
    ['tampered path', (r) => ({ ...r, target: '/v1/refunds' }), 'INVALID_SIGNATURE'],
    ['added query', (r) => ({ ...r, target: '/v1/payments?admin=1' }), 'INVALID_SIGNATURE'],
    ['tampered timestamp', (r) => ({ ...r, headers: { ...r.headers, 'x-pelago-timestamp': String(VECTOR_TIME + 1) } }), 'INVALID_SIGNATURE'],
    ['upper-case hex', (r) => ({ ...r, headers: { ...r.headers, 'x-pelago-signature': String(r.headers['x-pelago-signature']).toUpperCase() } }), 'OK'],
    ['truncated signature', (r) => ({ ...r, headers: { ...r.headers, 'x-pelago-signature': String(r.headers['x-pelago-signature']).slice(0, 63) } }), 'INVALID_SIGNATURE'],
    ['non-hex signature', (r) => ({ ...r, headers: { ...r.headers, 'x-pelago-signature': 'g'.repeat(64) } }), 'INVALID_SIGNATURE'],
    ['missing signature, timestamp present', (r) => ({ ...r, headers: { ...r.headers, 'x-pelago-signature': undefined } }), 'INVALID_SIGNATURE'],
    ['missing timestamp, signature present', (r) => ({ ...r, headers: { ...r.headers, 'x-pelago-timestamp': undefined } }), 'TIMESTAMP_OUT_OF_RANGE'],
    ['non-numeric timestamp', (r) => ({ ...r, headers: { ...r.headers, 'x-pelago-timestamp': '17640432e5' } }), 'TIMESTAMP_OUT_OF_RANGE'],
  ])('%s → %s', async (_name, change, expected) => {
    const { verifier } = setup();
    expect(await code(verifier, change(signed('POST', '/v1/payments', body)))).toBe(expected);
  });

  it('rejects a signature made with another secret', async () => {
    const { verifier } = setup();
    expect(await code(verifier, signed('POST', '/v1/payments', body, 'sk_test_SomeoneElsesSecret0001'))).toBe('INVALID_SIGNATURE');
  });

  it.each([
    ['too old', VECTOR_TIME - 300_001, 'too-old'],
    ['too far in the future', VECTOR_TIME + 300_001, 'too-new'],
    ['in seconds', Math.floor(VECTOR_TIME / 1000), 'seconds'],
  ])('timestamp %s → TIMESTAMP_OUT_OF_RANGE (%s)', async (_name, timestamp, reason) => {
    const { verifier } = setup();
    const result = await verifier.verify(signed('POST', '/v1/payments', body, VECTOR_SECRET, timestamp));
    expect(!result.ok && [result.error.code, result.error.details.reason]).toEqual(['TIMESTAMP_OUT_OF_RANGE', reason]);
    if (reason === 'seconds' && !result.ok) expect(result.error.message).toMatch(/milliseconds/);
  });

  it('accepts timestamps at the edges of the window', async () => {
    const { verifier } = setup();
    expect(await code(verifier, signed('POST', '/v1/payments', body, VECTOR_SECRET, VECTOR_TIME - 300_000))).toBe('OK');
    expect(await code(verifier, signed('POST', '/v1/payments', body, VECTOR_SECRET, VECTOR_TIME + 300_000))).toBe('OK');
  });

  it('rejects the same signed request twice, also concurrently, and forgets it once it left the window', async () => {
    const { verifier, clock } = setup();
    const request = signed('POST', '/v1/payments', body);
    const answers = await Promise.all(Array.from({ length: 20 }, () => code(verifier, request)));
    expect(answers.filter((answer) => answer === 'OK')).toHaveLength(1);
    expect(answers.filter((answer) => answer === 'REPLAYED_REQUEST')).toHaveLength(19);
    clock.advance(300_001);
    expect(await code(verifier, request)).toBe('TIMESTAMP_OUT_OF_RANGE');
  });

  it('accepts an empty body signed over "" or over "{}", but not a non-empty body signed over "{}"', async () => {
    const { verifier } = setup();
    expect(await code(verifier, signed('GET', '/v1/payments', ''))).toBe('OK');
    const overBraces = signed('GET', '/v1/payments?x=1', '{}');
    expect(await code(verifier, { ...overBraces, body: undefined })).toBe('OK');
    const another = signed('POST', '/v1/payments', '{}', VECTOR_SECRET, VECTOR_TIME + 1);
    expect(await code(verifier, { ...another, body: '{"a":1}' })).toBe('INVALID_SIGNATURE');
  });

  it('reads a lazy body only when a signature must be checked, and caps its size', async () => {
    const { verifier } = setup({ maxBodyBytes: 16 });
    let reads = 0;
    const lazy = () => { reads++; return Promise.resolve(Buffer.from(body)); };
    await verifier.verify({ method: 'POST', target: '/v1/payments', headers: pairHeaders(), body: lazy });
    expect(reads).toBe(0);
    const request = signed('POST', '/v1/payments', body);
    expect(await code(verifier, { ...request, body: lazy })).toBe('BODY_TOO_LARGE');
    expect(reads).toBe(1);
  });

  it('uses configured header names', async () => {
    const { verifier } = setup({ signatureHeaders: { timestamp: 'X-Acme-Time', signature: 'X-Acme-Sig' }, signatures: 'required' });
    const headers = signRequest({ method: 'GET', path: '/', secret: VECTOR_SECRET, timestamp: VECTOR_TIME, headers: { timestamp: 'x-acme-time', signature: 'x-acme-sig' } });
    const result = await verifier.verify({ method: 'GET', target: '/', headers: { ...pairHeaders(), ...headers } });
    expect(result.ok && result.auth.signed).toBe(true);
  });
});

describe('signature header details', () => {
  it('a repeated or over-long signature/timestamp header is "malformed", not "missing"', async () => {
    const { verifier } = setup();
    const request = signed('POST', '/v1/payments', '{"a":1}');
    const sig = String(request.headers['x-pelago-signature']);
    const reasons = await Promise.all([
      verifier.verify({ ...request, headers: { ...request.headers, 'x-pelago-signature': [sig, sig] } }),
      verifier.verify({ ...request, headers: { ...request.headers, 'x-pelago-signature': sig.repeat(5) } }),
      verifier.verify({ ...request, headers: { ...request.headers, 'x-pelago-timestamp': '1'.repeat(40) } }),
      verifier.verify({ ...request, headers: { ...request.headers, 'x-pelago-signature': '' } }),
    ]);
    expect(reasons.map((r) => (r.ok ? 'ok' : `${r.error.code}:${String(r.error.details.reason)}`))).toEqual([
      'INVALID_SIGNATURE:malformed', 'INVALID_SIGNATURE:malformed', 'TIMESTAMP_OUT_OF_RANGE:malformed', 'INVALID_SIGNATURE:missing',
    ]);
  });
});

const payment = '{"amount":100,"currency":"USD"}';

describe('one signature, one spelling', () => {
  // Buffer's hex decoding reads only the low byte of a character: 'İ' (U+0130) would decode as '0'.
  it('a look-alike of a hex digit is malformed, so a replay cannot be respelled', async () => {
    const { verifier } = setup();
    const request = signed('POST', '/v1/payments', payment);
    const sig = String(request.headers['x-pelago-signature']);
    const zero = sig.indexOf('0');
    expect(zero).toBeGreaterThanOrEqual(0);
    const respelled = `${sig.slice(0, zero)}\u0130${sig.slice(zero + 1)}`;
    expect(await code(verifier, request)).toBe('OK');
    const result = await verifier.verify({ ...request, headers: { ...request.headers, 'x-pelago-signature': respelled } });
    expect(!result.ok && [result.error.code, result.error.details.reason]).toEqual(['INVALID_SIGNATURE', 'malformed']);
    expect(await code(verifier, { ...request, headers: { ...request.headers, 'x-pelago-signature': sig.toUpperCase() } })).toBe('REPLAYED_REQUEST');
  });

  it('signed requests whose bodies arrive later, verified at once, each compare their own signature', async () => {
    const { verifier } = setup({ signatures: 'required' });
    const later = (request: RequestInput, ms: number): RequestInput => ({
      ...request,
      body: () => new Promise((resolve) => setTimeout(() => resolve(Buffer.from(String(request.body))), ms)),
    });
    const first = signed('POST', '/v1/payments', '{"n":1}');
    const second = signed('POST', '/v1/payments', '{"n":2}', VECTOR_SECRET, VECTOR_TIME + 1);
    // Both signatures are checked before either body has arrived, the second body first.
    expect(await Promise.all([code(verifier, later(first, 30)), code(verifier, later(second, 5))])).toEqual(['OK', 'OK']);
  });
});

describe('stores that answer with other promises (thenables) or with nonsense', () => {
  const thenable = <T>(value: T): PromiseLike<T> => ({ then: (resolve) => Promise.resolve(value).then(resolve) as never });

  it('a thenable replay store still refuses a replay, and a thenable limiter still counts', async () => {
    const memory = new MemoryReplayStore();
    const replayStore: ReplayStore = { remember: (id, ttl) => thenable(memory.remember(id, ttl)) };
    let hits = 0;
    const rateLimitStore: RateLimitStore = { hit: () => thenable({ allowed: ++hits <= 1, remaining: 0, resetAt: VECTOR_TIME + 60_000 }) };
    const { verifier } = setup({ replayStore, rateLimitStore, rateLimit: { limit: 1, windowSeconds: 60 } });
    const request = signed('POST', '/v1/payments', payment);
    expect(await code(verifier, request)).toBe('OK');
    expect(await code(verifier, request)).toBe('REPLAYED_REQUEST');
    expect(await code(verifier, signed('POST', '/v1/payments', payment, VECTOR_SECRET, VECTOR_TIME + 1))).toBe('RATE_LIMIT_EXCEEDED');
  });

  it.each([
    ['a replay store answering "yes"', { replayStore: { remember: () => 'yes' as unknown as boolean } }],
    ['a limiter answering nothing', { rateLimitStore: { hit: () => undefined as never }, rateLimit: { limit: 5, windowSeconds: 60 } }],
  ])('%s fails closed with 503, reported', async (_, stores) => {
    const errors: unknown[] = [];
    const { verifier } = setup({ ...stores, onStoreError: (error) => errors.push(error) } as Partial<KeygateOptions>);
    expect(await code(verifier, signed('POST', '/v1/payments', payment))).toBe('AUTH_UNAVAILABLE');
    expect(String(errors[0])).toMatch(/store: .* must answer/);
  });
});

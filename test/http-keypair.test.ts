/**
 * Key pairs (`Authorization: Bearer pk_…` + `X-Api-Secret: sk_…`), request signatures, replay protection and
 * scopes, through the real adapters on Express 5, Express 4, Koa 3 and Koa 2.
 * The signature vectors were made at VECTOR_NOW, so the verifiers here run on that injected clock.
 */
import { createHmac } from 'node:crypto';
import { signRequest } from '@keygate/core';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import {
  PAIRS,
  VECTOR_NOW,
  expectAdmitted,
  expectRejection,
  hmacHex,
  keysFile,
  outcome,
  pairHeaders,
  signatureVectors,
  signedHeaders,
} from './support/fixtures.js';
import { buildApp, frameworks, type TestApp, type TestKeygateOptions } from './support/servers.js';

const TEST = PAIRS.test;
const JSON_TYPE = 'application/json';

describe('signatures.json vectors against signRequest (no server)', () => {
  it.each(signatureVectors)('$name', (vector) => {
    // The vector's payload is the documented string, and its signature the documented HMAC of it…
    expect(vector.payload).toBe(`${vector.timestamp}.${vector.method}.${vector.path}.${vector.body}`);
    expect(hmacHex(vector.secret, vector.payload)).toBe(vector.signature);
    // …and the client helper produces exactly that signature.
    const headers = signRequest({
      method: vector.method,
      path: vector.path,
      body: vector.body,
      secret: vector.secret,
      timestamp: Number(vector.timestamp),
    });
    expect(headers).toEqual({ 'X-Pelago-Timestamp': vector.timestamp, 'X-Pelago-Signature': vector.signature });
  });

  it('signRequest signs an object as JSON.stringify(object), as the published sample does', () => {
    const seed = signatureVectors[0]!;
    const headers = signRequest({
      method: 'POST',
      path: seed.path,
      body: { amount: 100, currency: 'USD' },
      secret: seed.secret,
      timestamp: VECTOR_NOW,
    });
    expect(headers['X-Pelago-Signature']).toBe(seed.signature);
  });

  it('the vectors use the secret of the test pair of the fixtures', () => {
    for (const vector of signatureVectors) expect(vector.secret).toBe(TEST.secretKey);
  });
});

describe.each(frameworks)('key pairs over HTTP — $name', (fw) => {
  const make = (options: Partial<TestKeygateOptions> = {}): TestApp =>
    buildApp(fw, { keys: keysFile, now: () => VECTOR_NOW, ...options });
  const presented = (pair: { publicKey: string; secretKey: string }) => [pair.publicKey, pair.secretKey];

  describe('identification', () => {
    it('a valid pair, unsigned, under the default (optional) policy: 200, signed false', async () => {
      const app = make();
      const res = await request(app.handler).get('/echo').set(pairHeaders(TEST));
      const { auth } = expectAdmitted(res);
      expect(auth).toEqual({
        scheme: 'keypair',
        keyId: 'pair_test',
        tenantId: 'acme',
        environment: 'test',
        scopes: null,
        signed: false,
        requestId: res.headers['x-request-id'],
      });
    });

    it('a live pair reports environment "live"', async () => {
      const app = make();
      const res = await request(app.handler).get('/echo').set(pairHeaders(PAIRS.live));
      expect(expectAdmitted(res).auth).toMatchObject({ keyId: 'pair_live', environment: 'live', scheme: 'keypair' });
    });

    it('the secret header name is case-insensitive on the wire; "bearer" scheme too', async () => {
      const app = make();
      const res = await request(app.handler)
        .get('/echo')
        .set('Authorization', `bearer ${TEST.publicKey}`)
        .set('X-API-SECRET', TEST.secretKey);
      expect(expectAdmitted(res).auth.keyId).toBe('pair_test');
    });

    it('unknown public key and wrong secret answer the same 401 INVALID_API_KEY', async () => {
      const app = make();
      const unknown = await request(app.handler)
        .get('/echo')
        .set(pairHeaders({ publicKey: 'pk_test_NoSuchPublicKeyForKeygate01', secretKey: TEST.secretKey }));
      const wrong = await request(app.handler)
        .get('/echo')
        .set(pairHeaders({ publicKey: TEST.publicKey, secretKey: 'sk_test_WrongSecretKeyForKeygate0001' }));
      const a = expectRejection(unknown, 401, 'INVALID_API_KEY', {
        presented: ['pk_test_NoSuchPublicKeyForKeygate01', TEST.secretKey],
      });
      const b = expectRejection(wrong, 401, 'INVALID_API_KEY', {
        presented: [TEST.publicKey, 'sk_test_WrongSecretKeyForKeygate0001'],
      });
      expect(a.error).toEqual(b.error);
      expect(a.error.message).toBe('Invalid or revoked API key.');
    });

    it('the secret of another pair of the same environment → 401 INVALID_API_KEY', async () => {
      const app = make();
      const res = await request(app.handler)
        .get('/echo')
        .set(pairHeaders({ publicKey: TEST.publicKey, secretKey: PAIRS.readOnly.secretKey }));
      expectRejection(res, 401, 'INVALID_API_KEY', { presented: [TEST.publicKey, PAIRS.readOnly.secretKey] });
    });

    it('missing secret header → 401 INVALID_API_KEY', async () => {
      const app = make();
      const res = await request(app.handler).get('/echo').set('Authorization', `Bearer ${TEST.publicKey}`);
      expectRejection(res, 401, 'INVALID_API_KEY', { presented: [TEST.publicKey] });
    });

    it.each([
      ['empty secret', { authorization: `Bearer ${TEST.publicKey}`, 'x-api-secret': '' }],
      ['secret in the Bearer slot', { authorization: `Bearer ${TEST.secretKey}`, 'x-api-secret': TEST.publicKey }],
      ['public key as the secret', { authorization: `Bearer ${TEST.publicKey}`, 'x-api-secret': TEST.publicKey }],
      ['empty Bearer', { authorization: 'Bearer', 'x-api-secret': TEST.secretKey }],
      [
        'Bearer without environment prefix',
        { authorization: 'Bearer VectorPublicKeyForKeygateTests01', 'x-api-secret': TEST.secretKey },
      ],
      ['secret with a space', { authorization: `Bearer ${TEST.publicKey}`, 'x-api-secret': `${TEST.secretKey} x` }],
      [
        'pair sent as Basic',
        { authorization: `Basic ${Buffer.from(`${TEST.publicKey}:${TEST.secretKey}`).toString('base64')}` },
      ],
    ])('malformed pair (%s) → 401 INVALID_API_KEY', async (_name, headers) => {
      const app = make();
      const res = await request(app.handler).get('/echo').set(headers);
      expectRejection(res, 401, 'INVALID_API_KEY', { presented: presented(TEST) });
    });

    it('two X-Api-Secret headers (Node joins them with ", ") → 401 INVALID_API_KEY', async () => {
      const app = make();
      const res = await request(app.handler)
        .get('/echo')
        .set('Authorization', `Bearer ${TEST.publicKey}`)
        .set('X-Api-Secret', [TEST.secretKey, TEST.secretKey] as unknown as string);
      expectRejection(res, 401, 'INVALID_API_KEY', { presented: presented(TEST) });
    });

    it('pk_test with sk_live → 401 ENVIRONMENT_MISMATCH', async () => {
      const app = make();
      const res = await request(app.handler)
        .get('/echo')
        .set(pairHeaders({ publicKey: TEST.publicKey, secretKey: PAIRS.live.secretKey }));
      expectRejection(res, 401, 'ENVIRONMENT_MISMATCH', { presented: [TEST.publicKey, PAIRS.live.secretKey] });
    });

    it('pk_live with sk_test → 401 ENVIRONMENT_MISMATCH', async () => {
      const app = make();
      const res = await request(app.handler)
        .get('/echo')
        .set(pairHeaders({ publicKey: PAIRS.live.publicKey, secretKey: TEST.secretKey }));
      expectRejection(res, 401, 'ENVIRONMENT_MISMATCH', { presented: [PAIRS.live.publicKey, TEST.secretKey] });
    });

    it('environments: ["live"] refuses a valid test pair → 401 ENVIRONMENT_MISMATCH, admits the live pair', async () => {
      const app = make({ environments: ['live'] });
      expectRejection(await request(app.handler).get('/echo').set(pairHeaders(TEST)), 401, 'ENVIRONMENT_MISMATCH', {
        presented: presented(TEST),
      });
      expect(
        expectAdmitted(await request(app.handler).get('/echo').set(pairHeaders(PAIRS.live))).auth.environment,
      ).toBe('live');
    });

    it('environments: ["test"] refuses the live pair → 401 ENVIRONMENT_MISMATCH', async () => {
      const app = make({ environments: ['test'] });
      expectRejection(
        await request(app.handler).get('/echo').set(pairHeaders(PAIRS.live)),
        401,
        'ENVIRONMENT_MISMATCH',
        { presented: presented(PAIRS.live) },
      );
    });

    it('a pair of a suspended tenant → 401 TENANT_INACTIVE', async () => {
      const app = make();
      expectRejection(
        await request(app.handler).get('/echo').set(pairHeaders(PAIRS.suspended)),
        401,
        'TENANT_INACTIVE',
        { presented: presented(PAIRS.suspended) },
      );
    });

    it('a revoked pair → 401 INVALID_API_KEY', async () => {
      const app = make();
      expectRejection(await request(app.handler).get('/echo').set(pairHeaders(PAIRS.revoked)), 401, 'INVALID_API_KEY', {
        presented: presented(PAIRS.revoked),
      });
    });

    it('a Basic-only verifier refuses a valid pair', async () => {
      const app = make({ schemes: ['basic'] });
      const res = await request(app.handler).get('/echo').set(pairHeaders(TEST));
      expectRejection(res, 401, 'INVALID_API_KEY', { presented: presented(TEST) });
      expect(res.headers['www-authenticate']).toBe('Basic realm="api", charset="UTF-8"');
    });

    it('a custom secretHeader is used instead of X-Api-Secret', async () => {
      const app = make({ keypair: { secretHeader: 'X-Secret-Key' } });
      expectRejection(await request(app.handler).get('/echo').set(pairHeaders(TEST)), 401, 'INVALID_API_KEY', {
        presented: presented(TEST),
      });
      const res = await request(app.handler)
        .get('/echo')
        .set('Authorization', `Bearer ${TEST.publicKey}`)
        .set('X-Secret-Key', TEST.secretKey);
      expect(expectAdmitted(res).auth.keyId).toBe('pair_test');
    });
  });

  describe('signatures.json vectors over HTTP', () => {
    it.each(signatureVectors)('$name: $method $path is admitted, signed', async (vector) => {
      const app = make({ keypair: { signatures: 'required' } });
      const headers = {
        ...pairHeaders(TEST),
        'x-pelago-timestamp': vector.timestamp,
        'x-pelago-signature': vector.signature,
      };
      // GET/DELETE clients send no body (a client that signed `{}` still sends none); others send the exact bytes.
      const withBody = vector.method === 'POST';
      let req = request(app.handler)
        [vector.method.toLowerCase() as 'get' | 'post' | 'delete'](vector.path)
        .set(headers);
      if (withBody) req = req.set('Content-Type', JSON_TYPE).send(vector.body);
      const answer = expectAdmitted(await req);
      expect(answer.target).toBe(vector.path);
      expect(answer.auth).toMatchObject({ keyId: 'pair_test', signed: true, scheme: 'keypair', environment: 'test' });
      if (withBody) expect(answer.body).toEqual(JSON.parse(vector.body));
    });

    it.each(signatureVectors)(
      '$name: the same headers on another path are refused (INVALID_SIGNATURE)',
      async (vector) => {
        const app = make();
        const headers = {
          ...pairHeaders(TEST),
          'x-pelago-timestamp': vector.timestamp,
          'x-pelago-signature': vector.signature,
        };
        let req = request(app.handler)
          [vector.method.toLowerCase() as 'get' | 'post' | 'delete'](`${vector.path.split('?')[0]}/other`)
          .set(headers);
        if (vector.method === 'POST') req = req.set('Content-Type', JSON_TYPE).send(vector.body);
        expectRejection(await req, 401, 'INVALID_SIGNATURE', { presented: presented(TEST) });
      },
    );

    it('signRequest output, sent as is, is admitted (each vector)', async () => {
      const app = make({ keypair: { signatures: 'required' } });
      for (const vector of signatureVectors.filter((v) => v.method === 'POST')) {
        const headers = signRequest({
          method: vector.method,
          path: vector.path,
          body: vector.body,
          secret: TEST.secretKey,
          timestamp: VECTOR_NOW + 1,
        });
        const res = await request(app.handler)
          .post(vector.path)
          .set(pairHeaders(TEST))
          .set(headers)
          .set('Content-Type', JSON_TYPE)
          .send(vector.body);
        expect(expectAdmitted(res).auth.signed).toBe(true);
      }
    });
  });

  describe('signature policy', () => {
    const body = '{"amount":100,"currency":"USD"}';

    it('a valid signed POST: 200, signed true, the route sees the parsed body', async () => {
      const app = make();
      const res = await request(app.handler)
        .post('/echo')
        .set(signedHeaders(TEST, { method: 'POST', path: '/echo', body }))
        .set('Content-Type', JSON_TYPE)
        .send(body);
      const answer = expectAdmitted(res);
      expect(answer.auth.signed).toBe(true);
      expect(answer.body).toEqual({ amount: 100, currency: 'USD' });
    });

    it('unsigned under "optional": 200, signed false', async () => {
      const app = make({ keypair: { signatures: 'optional' } });
      const res = await request(app.handler)
        .post('/echo')
        .set(pairHeaders(TEST))
        .set('Content-Type', JSON_TYPE)
        .send(body);
      expect(expectAdmitted(res).auth.signed).toBe(false);
    });

    it('unsigned under "required" → 401 INVALID_SIGNATURE', async () => {
      const app = make({ keypair: { signatures: 'required' } });
      const res = await request(app.handler)
        .post('/echo')
        .set(pairHeaders(TEST))
        .set('Content-Type', JSON_TYPE)
        .send(body);
      const envelope = expectRejection(res, 401, 'INVALID_SIGNATURE', { presented: presented(TEST) });
      expect(envelope.error.details).toMatchObject({ reason: 'missing' });
    });

    it('"required" with schemes: ["keypair"]: a Basic key (no secret to sign with) gets 401, never an unsigned pass', async () => {
      const app = make({ keypair: { signatures: 'required' }, schemes: ['keypair'] });
      const res = await request(app.handler).get('/echo').auth('pk_live_VectorKeyForKeygateTests01', '');
      expectRejection(res, 401, 'INVALID_API_KEY', { presented: ['pk_live_VectorKeyForKeygateTests01'] });
      expect(res.headers['www-authenticate']).toBe('Bearer realm="api"');
    });

    it('"required" alone leaves the schemes at their default (both): Basic keys pass unsigned, pairs must sign', async () => {
      // Before the options were split by concern, 'required' also dropped the Basic scheme; it no longer changes
      // another option. An API that wants signed key pairs only lists schemes: ['keypair'] (test above).
      const app = make({ keypair: { signatures: 'required' } });
      const res = await request(app.handler).get('/echo').auth('pk_live_VectorKeyForKeygateTests01', '');
      expect(expectAdmitted(res).auth).toMatchObject({ scheme: 'basic', signed: false });
      const unsigned = await request(app.handler).get('/echo').set(pairHeaders(TEST));
      expectRejection(unsigned, 401, 'INVALID_SIGNATURE', { presented: presented(TEST) });
      expect(unsigned.headers['www-authenticate']).toBe('Basic realm="api", charset="UTF-8", Bearer realm="api"');
    });

    it('"required" with the Basic scheme listed explicitly: key pairs must sign, Basic keys pass unsigned', async () => {
      const app = make({ keypair: { signatures: 'required' }, schemes: ['basic', 'keypair'] });
      const res = await request(app.handler).get('/echo').auth('pk_live_VectorKeyForKeygateTests01', '');
      expect(expectAdmitted(res).auth).toMatchObject({ scheme: 'basic', signed: false });
      const unsigned = await request(app.handler).get('/echo').set(pairHeaders(TEST));
      expectRejection(unsigned, 401, 'INVALID_SIGNATURE', { presented: [TEST.secretKey] });
    });

    it('"off": signature headers are ignored, even wrong ones; signed false', async () => {
      const app = make({ keypair: { signatures: 'off' } });
      const res = await request(app.handler)
        .post('/echo')
        .set(pairHeaders(TEST))
        .set({ 'x-pelago-timestamp': '1', 'x-pelago-signature': 'nonsense' })
        .set('Content-Type', JSON_TYPE)
        .send(body);
      expect(expectAdmitted(res).auth.signed).toBe(false);
    });

    it('custom signature header names', async () => {
      const app = make({ keypair: { signatureHeaders: { timestamp: 'X-Ts', signature: 'X-Sig' } } });
      const sig = signRequest({
        method: 'POST',
        path: '/echo',
        body,
        secret: TEST.secretKey,
        timestamp: VECTOR_NOW,
        headers: { timestamp: 'X-Ts', signature: 'X-Sig' },
      });
      const res = await request(app.handler)
        .post('/echo')
        .set(pairHeaders(TEST))
        .set(sig)
        .set('Content-Type', JSON_TYPE)
        .send(body);
      expect(expectAdmitted(res).auth.signed).toBe(true);
      // The default names are then just unknown headers: unsigned.
      const defaults = signedHeaders(TEST, { method: 'POST', path: '/echo', body });
      const res2 = await request(app.handler).post('/echo').set(defaults).set('Content-Type', JSON_TYPE).send(body);
      expect(expectAdmitted(res2).auth.signed).toBe(false);
    });
  });

  describe('bad signatures → 401', () => {
    const body = '{"amount":100,"currency":"USD"}';
    const post = (
      app: TestApp,
      path: string,
      headers: Record<string, string>,
      sent = body,
      method: 'post' | 'put' | 'patch' = 'post',
    ) => request(app.handler)[method](path).set(headers).set('Content-Type', JSON_TYPE).send(sent);

    it('tampered body', async () => {
      const app = make();
      const res = await post(
        app,
        '/echo',
        signedHeaders(TEST, { method: 'POST', path: '/echo', body }),
        body.replace('100', '900'),
      );
      const envelope = expectRejection(res, 401, 'INVALID_SIGNATURE', { presented: presented(TEST) });
      expect(envelope.error.details).toMatchObject({ reason: 'mismatch' });
    });

    it('body re-serialised (whitespace differs from what was signed)', async () => {
      const app = make();
      const res = await post(
        app,
        '/echo',
        signedHeaders(TEST, { method: 'POST', path: '/echo', body }),
        '{"amount": 100, "currency": "USD"}',
      );
      expectRejection(res, 401, 'INVALID_SIGNATURE', { presented: presented(TEST) });
    });

    it('tampered method', async () => {
      const app = make();
      const res = await post(app, '/echo', signedHeaders(TEST, { method: 'POST', path: '/echo', body }), body, 'put');
      expectRejection(res, 401, 'INVALID_SIGNATURE', { presented: presented(TEST) });
    });

    it('method signed in lower case is the same as upper case (METHOD is upper-cased)', async () => {
      const app = make();
      const res = await post(app, '/echo', signedHeaders(TEST, { method: 'post', path: '/echo', body }));
      expect(expectAdmitted(res).auth.signed).toBe(true);
    });

    it('tampered path', async () => {
      const app = make();
      const res = await post(app, '/payments', signedHeaders(TEST, { method: 'POST', path: '/echo', body }));
      expectRejection(res, 401, 'INVALID_SIGNATURE', { presented: presented(TEST) });
    });

    it('tampered query', async () => {
      const app = make();
      const headers = signedHeaders(TEST, { method: 'POST', path: '/echo?amount=1', body });
      expectAdmitted(await post(app, '/echo?amount=1', headers));
      const app2 = make();
      expectRejection(await post(app2, '/echo?amount=2', headers), 401, 'INVALID_SIGNATURE', {
        presented: presented(TEST),
      });
      expectRejection(await post(app2, '/echo', headers), 401, 'INVALID_SIGNATURE', { presented: presented(TEST) });
    });

    it('tampered timestamp (still inside the window)', async () => {
      const app = make();
      const headers = signedHeaders(TEST, { method: 'POST', path: '/echo', body, timestamp: VECTOR_NOW });
      const res = await post(app, '/echo', { ...headers, 'x-pelago-timestamp': String(VECTOR_NOW + 1) });
      expectRejection(res, 401, 'INVALID_SIGNATURE', { presented: presented(TEST) });
    });

    it('signature made with another secret', async () => {
      const app = make();
      const other = signRequest({
        method: 'POST',
        path: '/echo',
        body,
        secret: PAIRS.live.secretKey,
        timestamp: VECTOR_NOW,
      });
      const res = await post(app, '/echo', { ...pairHeaders(TEST), ...other });
      expectRejection(res, 401, 'INVALID_SIGNATURE', { presented: [...presented(TEST), PAIRS.live.secretKey] });
    });

    it('upper-case hex is accepted', async () => {
      const app = make();
      const headers = signedHeaders(TEST, { method: 'POST', path: '/echo', body });
      const res = await post(app, '/echo', {
        ...headers,
        'x-pelago-signature': headers['x-pelago-signature']!.toUpperCase(),
      });
      expect(expectAdmitted(res).auth.signed).toBe(true);
    });

    it.each([
      ['truncated (63 hex digits)', (s: string) => s.slice(0, 63)],
      ['truncated (32 hex digits)', (s: string) => s.slice(0, 32)],
      ['odd length (65 hex digits)', (s: string) => `${s}0`],
      ['too long (128 hex digits)', (s: string) => s + s],
      ['non-hex', (s: string) => `${s.slice(0, 63)}g`],
      ['base64 of the MAC', (s: string) => Buffer.from(s, 'hex').toString('base64')],
      ['with a sha256= prefix', (s: string) => `sha256=${s}`],
      ['empty', () => ''],
    ])('malformed signature: %s → INVALID_SIGNATURE', async (_name, mangle) => {
      const app = make();
      const headers = signedHeaders(TEST, { method: 'POST', path: '/echo', body });
      const res = await post(app, '/echo', {
        ...headers,
        'x-pelago-signature': mangle(headers['x-pelago-signature']!),
      });
      expectRejection(res, 401, 'INVALID_SIGNATURE', { presented: presented(TEST) });
    });

    it('signature without a timestamp → TIMESTAMP_OUT_OF_RANGE', async () => {
      const app = make();
      const { 'x-pelago-timestamp': _dropped, ...headers } = signedHeaders(TEST, {
        method: 'POST',
        path: '/echo',
        body,
      });
      expectRejection(await post(app, '/echo', headers), 401, 'TIMESTAMP_OUT_OF_RANGE', { presented: presented(TEST) });
    });

    it('timestamp without a signature → INVALID_SIGNATURE', async () => {
      const app = make();
      const res = await post(app, '/echo', { ...pairHeaders(TEST), 'x-pelago-timestamp': String(VECTOR_NOW) });
      expectRejection(res, 401, 'INVALID_SIGNATURE', { presented: presented(TEST) });
    });
  });

  describe('timestamps', () => {
    const body = '{"amount":100,"currency":"USD"}';
    const send = (app: TestApp, timestamp: string, signAt = timestamp) => {
      const signature = hmacHex(TEST.secretKey, `${signAt}.POST./echo.${body}`);
      return request(app.handler)
        .post('/echo')
        .set({ ...pairHeaders(TEST), 'x-pelago-timestamp': timestamp, 'x-pelago-signature': signature })
        .set('Content-Type', JSON_TYPE)
        .send(body);
    };

    it.each([
      ['301 s old', String(VECTOR_NOW - 301_000)],
      ['one hour old', String(VECTOR_NOW - 3_600_000)],
      ['301 s in the future', String(VECTOR_NOW + 301_000)],
      ['a day in the future', String(VECTOR_NOW + 86_400_000)],
      ['zero', '0'],
    ])('%s → TIMESTAMP_OUT_OF_RANGE', async (_name, timestamp) => {
      const res = await send(make(), timestamp);
      expectRejection(res, 401, 'TIMESTAMP_OUT_OF_RANGE', { presented: presented(TEST) });
    });

    it.each([
      ['299 s old', String(VECTOR_NOW - 299_000)],
      ['exactly 300 s old', String(VECTOR_NOW - 300_000)],
      ['299 s in the future', String(VECTOR_NOW + 299_000)],
      ['exactly 300 s in the future', String(VECTOR_NOW + 300_000)],
    ])('%s is inside the default ±300 s window', async (_name, timestamp) => {
      expect(expectAdmitted(await send(make(), timestamp)).auth.signed).toBe(true);
    });

    it('replay.windowSeconds: 30 narrows the window', async () => {
      expectRejection(
        await send(make({ replay: { windowSeconds: 30 } }), String(VECTOR_NOW - 31_000)),
        401,
        'TIMESTAMP_OUT_OF_RANGE',
      );
      expectAdmitted(await send(make({ replay: { windowSeconds: 30 } }), String(VECTOR_NOW - 29_000)));
    });

    it.each([
      ['non-numeric', 'yesterday'],
      ['ISO date', '2025-11-25T04:00:00Z'],
      ['decimal', `${VECTOR_NOW}.5`],
      ['negative', `-${VECTOR_NOW}`],
      ['hex', `0x${VECTOR_NOW.toString(16)}`],
      ['with spaces inside', `${VECTOR_NOW} 1`],
      ['exponent', '1.7640432e12'],
      ['absurdly long', '9'.repeat(40)],
    ])('%s timestamp → TIMESTAMP_OUT_OF_RANGE', async (_name, timestamp) => {
      const res = await send(make(), timestamp);
      expectRejection(res, 401, 'TIMESTAMP_OUT_OF_RANGE', { presented: presented(TEST) });
    });

    it.each([
      ['301 s old', VECTOR_NOW - 301_000, { reason: 'too-old', skewMs: -301_000 }],
      ['301 s in the future', VECTOR_NOW + 301_000, { reason: 'too-new', skewMs: 301_000 }],
      ['a day old', VECTOR_NOW - 86_400_000, { reason: 'too-old', skewMs: -86_400_000 }],
    ])(
      '%s: details { reason, serverTimeMs, skewMs, windowMs } show the client its clock error',
      async (_name, timestamp, expected) => {
        const envelope = expectRejection(await send(make(), String(timestamp)), 401, 'TIMESTAMP_OUT_OF_RANGE', {
          presented: presented(TEST),
        });
        expect(envelope.error.details).toEqual({ ...expected, serverTimeMs: VECTOR_NOW, windowMs: 300_000 });
      },
    );

    it('windowMs is the half-width of the configured window (replay.windowSeconds: 30)', async () => {
      const res = await send(make({ replay: { windowSeconds: 30 } }), String(VECTOR_NOW + 31_000));
      const envelope = expectRejection(res, 401, 'TIMESTAMP_OUT_OF_RANGE', { presented: presented(TEST) });
      expect(envelope.error.details).toEqual({
        reason: 'too-new',
        serverTimeMs: VECTOR_NOW,
        skewMs: 31_000,
        windowMs: 30_000,
      });
    });

    it('a timestamp that cannot be read (malformed, missing): details without skewMs', async () => {
      const malformed = expectRejection(await send(make(), 'yesterday'), 401, 'TIMESTAMP_OUT_OF_RANGE', {
        presented: presented(TEST),
      });
      expect(malformed.error.details).toEqual({ reason: 'malformed', serverTimeMs: VECTOR_NOW, windowMs: 300_000 });
      const { 'x-pelago-timestamp': _dropped, ...unstamped } = signedHeaders(TEST, {
        method: 'POST',
        path: '/echo',
        body,
      });
      const res = await request(make().handler).post('/echo').set(unstamped).set('Content-Type', JSON_TYPE).send(body);
      const missing = expectRejection(res, 401, 'TIMESTAMP_OUT_OF_RANGE', { presented: presented(TEST) });
      expect(missing.error.details).toEqual({ reason: 'missing', serverTimeMs: VECTOR_NOW, windowMs: 300_000 });
    });

    it('a timestamp in seconds → TIMESTAMP_OUT_OF_RANGE with a message about milliseconds', async () => {
      const seconds = String(VECTOR_NOW / 1000);
      const res = await send(make(), seconds);
      const envelope = expectRejection(res, 401, 'TIMESTAMP_OUT_OF_RANGE', { presented: presented(TEST) });
      expect(envelope.error.message).toMatch(/milliseconds/i);
      expect(envelope.error.details).toMatchObject({ reason: 'seconds' });
    });
  });

  describe('replay', () => {
    const body = '{"amount":100,"currency":"USD"}';

    it('the same signed request twice → the second is 401 REPLAYED_REQUEST', async () => {
      const app = make();
      const headers = signedHeaders(TEST, { method: 'POST', path: '/echo', body });
      const send = () => request(app.handler).post('/echo').set(headers).set('Content-Type', JSON_TYPE).send(body);
      expect(expectAdmitted(await send()).auth.signed).toBe(true);
      expectRejection(await send(), 401, 'REPLAYED_REQUEST', { presented: presented(TEST) });
      expectRejection(await send(), 401, 'REPLAYED_REQUEST', { presented: presented(TEST) });
    });

    it('the replayed signature in upper case is still a replay', async () => {
      const app = make();
      const headers = signedHeaders(TEST, { method: 'POST', path: '/echo', body });
      const send = (h: Record<string, string>) =>
        request(app.handler).post('/echo').set(h).set('Content-Type', JSON_TYPE).send(body);
      expectAdmitted(await send(headers));
      expectRejection(
        await send({ ...headers, 'x-pelago-signature': headers['x-pelago-signature']!.toUpperCase() }),
        401,
        'REPLAYED_REQUEST',
      );
    });

    it('concurrent copies of one signed request: exactly one is admitted', async () => {
      const app = make();
      const headers = signedHeaders(TEST, { method: 'POST', path: '/echo', body });
      const results = await Promise.all(
        Array.from({ length: 8 }, () =>
          request(app.handler).post('/echo').set(headers).set('Content-Type', JSON_TYPE).send(body),
        ),
      );
      expect(results.map(outcome).sort()).toEqual(['200', ...Array(7).fill('401 REPLAYED_REQUEST')]);
      for (const res of results.filter((r) => r.status !== 200)) expectRejection(res, 401, 'REPLAYED_REQUEST');
    });

    it('a request refused for its signature does not burn the signature of a later valid request', async () => {
      const app = make();
      const headers = signedHeaders(TEST, { method: 'POST', path: '/echo', body });
      expectRejection(
        await request(app.handler).post('/echo').set(headers).set('Content-Type', JSON_TYPE).send(`${body} `),
        401,
        'INVALID_SIGNATURE',
      );
      expectAdmitted(await request(app.handler).post('/echo').set(headers).set('Content-Type', JSON_TYPE).send(body));
    });

    it('two different signed requests at the same millisecond are both admitted', async () => {
      const app = make();
      const a = '{"amount":1}';
      const b = '{"amount":2}';
      expectAdmitted(
        await request(app.handler)
          .post('/echo')
          .set(signedHeaders(TEST, { method: 'POST', path: '/echo', body: a }))
          .set('Content-Type', JSON_TYPE)
          .send(a),
      );
      expectAdmitted(
        await request(app.handler)
          .post('/echo')
          .set(signedHeaders(TEST, { method: 'POST', path: '/echo', body: b }))
          .set('Content-Type', JSON_TYPE)
          .send(b),
      );
    });
  });

  describe('clients', () => {
    it('a request made exactly as the seed client (examples/shared/client.mjs) does: POST', async () => {
      const app = buildApp(fw, { keys: keysFile, keypair: { signatures: 'required' } }); // real clock, like the client
      const method = 'POST';
      const path = '/payments';
      const body = JSON.parse('{"amount":100,"currency":"USD"}') as unknown;
      const timestamp = Date.now();
      const payload = `${timestamp}.${method}.${path}.${JSON.stringify(body)}`;
      const signature = createHmac('sha256', TEST.secretKey).update(payload).digest('hex');
      const res = await request(app.handler)
        .post(path)
        .set({
          Authorization: `Bearer ${TEST.publicKey}`,
          'X-Api-Secret': TEST.secretKey,
          'Content-Type': 'application/json',
          'X-Pelago-Timestamp': timestamp.toString(),
          'X-Pelago-Signature': signature,
        })
        .send(JSON.stringify(body));
      const answer = expectAdmitted(res);
      expect(answer.auth.signed).toBe(true);
      expect(answer.body).toEqual(body);
    });

    it('a request made exactly as the seed client does: GET (signs JSON.stringify({}), sends no body)', async () => {
      const app = buildApp(fw, { keys: keysFile, keypair: { signatures: 'required' } });
      const method = 'GET';
      const path = '/payments?limit=10';
      const body = JSON.parse('{}') as unknown;
      const timestamp = Date.now();
      const signature = createHmac('sha256', TEST.secretKey)
        .update(`${timestamp}.${method}.${path}.${JSON.stringify(body)}`)
        .digest('hex');
      const res = await request(app.handler)
        .get(path)
        .set({
          Authorization: `Bearer ${TEST.publicKey}`,
          'X-Api-Secret': TEST.secretKey,
          'Content-Type': 'application/json',
          'X-Pelago-Timestamp': timestamp.toString(),
          'X-Pelago-Signature': signature,
        });
      expect(expectAdmitted(res).auth.signed).toBe(true);
    });

    it('a GET signed over "{}" and over "" are both accepted (empty body)', async () => {
      const app = make({ keypair: { signatures: 'required' } });
      for (const signedBody of ['{}', '']) {
        const res = await request(app.handler)
          .get('/echo')
          .set(
            signedHeaders(TEST, {
              method: 'GET',
              path: '/echo',
              body: signedBody,
              timestamp: VECTOR_NOW - signedBody.length,
            }),
          );
        expect(expectAdmitted(res).auth.signed).toBe(true);
      }
    });

    it('"{}" is accepted only for an empty body: a POST with a body signed as "{}" is refused', async () => {
      const app = make();
      const res = await request(app.handler)
        .post('/echo')
        .set(signedHeaders(TEST, { method: 'POST', path: '/echo', body: '{}' }))
        .set('Content-Type', JSON_TYPE)
        .send('{"amount":1}');
      expectRejection(res, 401, 'INVALID_SIGNATURE', { presented: presented(TEST) });
    });

    it('a GET signed over a body it does not send is refused', async () => {
      const app = make();
      const res = await request(app.handler)
        .get('/echo')
        .set(signedHeaders(TEST, { method: 'GET', path: '/echo', body: '{"a":1}' }));
      expectRejection(res, 401, 'INVALID_SIGNATURE', { presented: presented(TEST) });
    });
  });

  describe('scopes', () => {
    it('a key with the scope passes the guard (read-only pair on GET /payments)', async () => {
      const app = make();
      const res = await request(app.handler).get('/payments').set(pairHeaders(PAIRS.readOnly));
      const answer = expectAdmitted(res);
      expect(answer.route).toBe('payments');
      expect(answer.auth.scopes).toEqual(['payments:read']);
    });

    it('a key without it → 403 INSUFFICIENT_SCOPE listing the missing scope', async () => {
      const app = make();
      const res = await request(app.handler)
        .post('/payments')
        .set(pairHeaders(PAIRS.readOnly))
        .set('Content-Type', JSON_TYPE)
        .send('{"amount":1}');
      const envelope = expectRejection(res, 403, 'INSUFFICIENT_SCOPE', { presented: presented(PAIRS.readOnly) });
      expect(envelope.error.details.missingScopes).toEqual(['payments:write']);
      // A 403 to an identified key still carries its rate-limit headers, and the verified request id.
      expect(res.headers['x-ratelimit-limit']).toBe('60');
      expect(res.headers['x-request-id']).toBe(envelope.requestId);
    });

    it('the same for a signed request and a Basic key with scopes', async () => {
      const app = make();
      const body = '{"amount":1}';
      const signed = await request(app.handler)
        .post('/payments')
        .set(signedHeaders(PAIRS.readOnly, { method: 'POST', path: '/payments', body }))
        .set('Content-Type', JSON_TYPE)
        .send(body);
      expect(expectRejection(signed, 403, 'INSUFFICIENT_SCOPE').error.details.missingScopes).toEqual([
        'payments:write',
      ]);
      const basicKey = await request(app.handler)
        .post('/payments')
        .auth('pk_live_ReadOnlyBasicKeyForKeygate01', '')
        .send({ amount: 1 });
      expect(expectRejection(basicKey, 403, 'INSUFFICIENT_SCOPE').error.details.missingScopes).toEqual([
        'payments:write',
      ]);
    });

    it('an unrestricted key passes every guard', async () => {
      const app = make();
      expect(expectAdmitted(await request(app.handler).get('/payments').set(pairHeaders(TEST))).route).toBe('payments');
      const res = await request(app.handler)
        .post('/payments')
        .set(pairHeaders(TEST))
        .set('Content-Type', JSON_TYPE)
        .send('{"amount":1}');
      const answer = expectAdmitted(res);
      expect(answer.route).toBe('payments');
      expect(answer.body).toEqual({ amount: 1 });
      expect(answer.auth.scopes).toBeNull();
    });
  });
});

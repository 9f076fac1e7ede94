/**
 * Signature v2 and what the server refuses in v1 (issue 8; DESIGN.md Part 2, "Signed requests"), through the
 * real adapters on Express 5, Express 4, Koa 3 and Koa 2. The vectors were made at VECTOR_NOW, so the verifiers
 * here run on that injected clock.
 */
import { createHash } from 'node:crypto';
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
  pairHeaders,
  signatureV2Vectors,
  signatureVectors,
  signedHeaders,
  signedHeadersV2,
} from './support/fixtures.js';
import { buildApp, frameworks, rawRequest, type TestApp, type TestKeygateOptions } from './support/servers.js';

const TEST = PAIRS.test;
const JSON_TYPE = 'application/json';
const presented = [TEST.publicKey, TEST.secretKey];

/** The re-split of issue 8: a `.` moved from the query into the body leaves the v1 string unchanged. */
const ORIGINAL = { method: 'GET', path: '/v1/payments?created_after=2026-01-01T00:00:00.000Z', body: '' };
const RESPLIT = { method: 'GET', path: '/v1/payments?created_after=2026-01-01T00:00:00', body: '000Z.' };

describe('signatures-v2.json vectors against signRequest (no server)', () => {
  it.each(signatureV2Vectors)('$name', (vector) => {
    // The vector's payload is the documented string, and its header the documented HMAC of it…
    expect(createHash('sha256').update(vector.body, 'utf8').digest('hex')).toBe(vector.bodySha256);
    expect(vector.payload).toBe(`v2\n${vector.timestamp}\n${vector.method}\n${vector.path}\n${vector.bodySha256}`);
    expect(`v2=${hmacHex(vector.secret, vector.payload)}`).toBe(vector.header);
    // …and the client helper produces exactly that header.
    const headers = signRequest({
      method: vector.method,
      path: vector.path,
      body: vector.body,
      secret: vector.secret,
      timestamp: Number(vector.timestamp),
      version: 'v2',
    });
    expect(headers).toEqual({ 'X-Pelago-Timestamp': vector.timestamp, 'X-Pelago-Signature': vector.header });
    // The tests' own v2 signer (node:crypto, from the contract) agrees with the vectors too.
    const own = signedHeadersV2(
      { publicKey: TEST.publicKey, secretKey: vector.secret },
      { ...vector, timestamp: Number(vector.timestamp) },
    );
    expect(own['x-pelago-signature']).toBe(vector.header);
  });

  it('the v1 re-split really is one v1 string for two requests (the attack these tests refuse)', () => {
    const v1 = (r: typeof ORIGINAL) => `${VECTOR_NOW}.${r.method}.${r.path}.${r.body}`;
    expect(v1(RESPLIT)).toBe(v1(ORIGINAL));
    const sign = (r: typeof ORIGINAL, version: 'v1' | 'v2') =>
      signRequest({ ...r, secret: TEST.secretKey, timestamp: VECTOR_NOW, version });
    expect(sign(RESPLIT, 'v1')).toEqual(sign(ORIGINAL, 'v1'));
    expect(sign(RESPLIT, 'v2')).not.toEqual(sign(ORIGINAL, 'v2'));
  });
});

describe.each(frameworks)('signatures v2 and v1 hardening over HTTP — $name', (fw) => {
  const make = (options: Partial<TestKeygateOptions> = {}): TestApp =>
    buildApp(fw, { keys: keysFile, now: () => VECTOR_NOW, ...options });

  /** Sends `r` with `headers`; GET with a body goes through Node's client (supertest would drop or reframe it). */
  const send = (app: TestApp, r: { method: string; path: string; body: string }, headers: Record<string, string>) =>
    r.body === '' && r.method === 'GET'
      ? request(app.handler).get(r.path).set(headers)
      : rawRequest(app.handler, {
          method: r.method,
          path: r.path,
          headers: { ...headers, 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(r.body)) },
          chunks: [r.body],
        });

  describe('signatures-v2.json vectors', () => {
    it.each(signatureV2Vectors)('$name: $method $path is admitted, signed', async (vector) => {
      const app = make({ keypair: { signatures: 'required' } });
      const headers = {
        ...pairHeaders(TEST),
        'x-pelago-timestamp': vector.timestamp,
        'x-pelago-signature': vector.header,
      };
      const res =
        vector.method === 'POST'
          ? await request(app.handler).post(vector.path).set(headers).set('Content-Type', JSON_TYPE).send(vector.body)
          : await send(app, vector, headers);
      const answer = expectAdmitted(res);
      expect(answer.target).toBe(vector.path);
      expect(answer.auth).toMatchObject({ keyId: 'pair_test', signed: true, scheme: 'keypair', environment: 'test' });
      if (vector.method === 'POST') expect(answer.body).toEqual(JSON.parse(vector.body));
    });

    it.each(signatureV2Vectors)(
      '$name: the same headers on another path are refused (INVALID_SIGNATURE mismatch)',
      async (vector) => {
        const app = make();
        const headers = {
          ...pairHeaders(TEST),
          'x-pelago-timestamp': vector.timestamp,
          'x-pelago-signature': vector.header,
        };
        const res = await send(app, { ...vector, path: `${vector.path.split('?')[0]}/other` }, headers);
        const envelope = expectRejection(res, 401, 'INVALID_SIGNATURE', { presented });
        expect(envelope.error.details).toEqual({ reason: 'mismatch' });
      },
    );
  });

  describe('v2 refuses every tampered part', () => {
    const body = '{"amount":100,"currency":"USD"}';
    const signed = signedHeadersV2(TEST, { method: 'POST', path: '/echo?account=acct_1', body });
    const post = (app: TestApp, path: string, sent = body, method: 'post' | 'put' = 'post') =>
      request(app.handler)[method](path).set(signed).set('Content-Type', JSON_TYPE).send(sent);

    it.each([
      ['method (POST signed, PUT sent)', (app: TestApp) => post(app, '/echo?account=acct_1', body, 'put')],
      ['path', (app: TestApp) => post(app, '/payments?account=acct_1')],
      ['query', (app: TestApp) => post(app, '/echo?account=acct_2')],
      ['query dropped', (app: TestApp) => post(app, '/echo')],
      ['body', (app: TestApp) => post(app, '/echo?account=acct_1', body.replace('100', '900'))],
      ['body re-serialised', (app: TestApp) => post(app, '/echo?account=acct_1', '{"amount": 100, "currency": "USD"}')],
    ])(
      'tampered %s → 401 INVALID_SIGNATURE (mismatch); the untampered request is then admitted',
      async (_name, tampered) => {
        const app = make();
        const envelope = expectRejection(await tampered(app), 401, 'INVALID_SIGNATURE', { presented });
        expect(envelope.error.details).toEqual({ reason: 'mismatch' });
        // The refusal burned nothing, and the signature itself was good.
        expect(expectAdmitted(await post(app, '/echo?account=acct_1')).auth.signed).toBe(true);
      },
    );

    it('tampered timestamp (inside the window) → 401 INVALID_SIGNATURE (mismatch); the untampered request is then admitted', async () => {
      const app = make();
      const res = await post(app, '/echo?account=acct_1').set('x-pelago-timestamp', String(VECTOR_NOW + 1));
      expect(expectRejection(res, 401, 'INVALID_SIGNATURE', { presented }).error.details).toEqual({
        reason: 'mismatch',
      });
      expect(expectAdmitted(await post(app, '/echo?account=acct_1')).auth.signed).toBe(true);
    });

    it('a v2 signature sent as a bare hex value (read as v1) → 401 INVALID_SIGNATURE (mismatch); with its prefix, admitted', async () => {
      const app = make();
      const res = await post(app, '/echo?account=acct_1').set(
        'x-pelago-signature',
        signed['x-pelago-signature']!.slice(3),
      );
      expect(expectRejection(res, 401, 'INVALID_SIGNATURE', { presented }).error.details).toEqual({
        reason: 'mismatch',
      });
      expect(expectAdmitted(await post(app, '/echo?account=acct_1')).auth.signed).toBe(true);
    });

    it.each([
      ['upper-case prefix', (s: string) => s.replace('v2=', 'V2=')],
      ['v3 prefix', (s: string) => s.replace('v2=', 'v3=')],
      ['space after the prefix', (s: string) => s.replace('v2=', 'v2= ')],
      ['prefix only', () => 'v2='],
      ['truncated', (s: string) => s.slice(0, -1)],
    ])('a malformed v2 header (%s) → 401 INVALID_SIGNATURE (malformed)', async (_name, mangle) => {
      const app = make();
      const res = await post(app, '/echo?account=acct_1').set(
        'x-pelago-signature',
        mangle(signed['x-pelago-signature']!),
      );
      const envelope = expectRejection(res, 401, 'INVALID_SIGNATURE', { presented });
      expect(envelope.error.details).toEqual({ reason: 'malformed' });
      expect(expectAdmitted(await post(app, '/echo?account=acct_1')).auth.signed).toBe(true);
    });
  });

  describe('the v1 re-split attack (issue 8, finding 1)', () => {
    it('v1: the re-split GET (same headers, "000Z." moved into the body) → 401 INVALID_SIGNATURE body-not-allowed; the original is still admitted', async () => {
      const app = make();
      const headers = signedHeaders(TEST, ORIGINAL);
      const refused = expectRejection(await send(app, RESPLIT, headers), 401, 'INVALID_SIGNATURE', { presented });
      expect(refused.error.details).toEqual({ reason: 'body-not-allowed' });
      // The published sample's request itself: admitted, and the refusal above burned nothing.
      const answer = expectAdmitted(await send(app, ORIGINAL, headers));
      expect(answer).toMatchObject({ target: ORIGINAL.path, auth: { signed: true } });
    });

    it('v2: the same re-split → 401 INVALID_SIGNATURE mismatch; the original is still admitted', async () => {
      const app = make();
      const headers = signedHeadersV2(TEST, ORIGINAL);
      const refused = expectRejection(await send(app, RESPLIT, headers), 401, 'INVALID_SIGNATURE', { presented });
      expect(refused.error.details).toEqual({ reason: 'mismatch' });
      expect(expectAdmitted(await send(app, ORIGINAL, headers)).auth.signed).toBe(true);
    });

    it('v1: a signed GET with any non-empty body is refused, even one signed over that body', async () => {
      const app = make();
      const withBody = { method: 'GET', path: '/echo', body: '{"a":1}' };
      const res = await send(app, withBody, signedHeaders(TEST, withBody));
      expect(expectRejection(res, 401, 'INVALID_SIGNATURE', { presented }).error.details).toEqual({
        reason: 'body-not-allowed',
      });
    });

    it('v2: a GET with a body signed over it is admitted (the body is fixed by its digest)', async () => {
      const app = make();
      const res = await send(app, RESPLIT, signedHeadersV2(TEST, RESPLIT));
      expect(expectAdmitted(res)).toMatchObject({ target: RESPLIT.path, auth: { signed: true } });
    });

    it.each(signatureVectors.filter((vector) => vector.method !== 'POST'))(
      'the published v1 sample is still accepted: $name',
      async (vector) => {
        const app = make({ keypair: { signatures: 'required' } });
        const headers = {
          ...pairHeaders(TEST),
          'x-pelago-timestamp': vector.timestamp,
          'x-pelago-signature': vector.signature,
        };
        // The sample sends no body on GET/DELETE, whatever it signed ('' or '{}').
        const res = await request(app.handler)
          [vector.method.toLowerCase() as 'get' | 'delete'](vector.path)
          .set(headers);
        expect(expectAdmitted(res).auth.signed).toBe(true);
      },
    );
  });

  describe("keypair.signatureVersions: ['v2']", () => {
    const body = '{"amount":100,"currency":"USD"}';
    const post = (app: TestApp, version: 'v1' | 'v2') =>
      request(app.handler)
        .post('/echo')
        .set((version === 'v2' ? signedHeadersV2 : signedHeaders)(TEST, { method: 'POST', path: '/echo', body }))
        .set('Content-Type', JSON_TYPE)
        .send(body);

    it('refuses a valid v1 signature → 401 INVALID_SIGNATURE (reason "version"), admits v2', async () => {
      const app = make({ keypair: { signatureVersions: ['v2'] } });
      const refused = expectRejection(await post(app, 'v1'), 401, 'INVALID_SIGNATURE', { presented });
      expect(refused.error.details).toEqual({ reason: 'version' });
      expect(expectAdmitted(await post(app, 'v2')).auth.signed).toBe(true);
    });

    it('refuses the published v1 vectors too', async () => {
      const app = make({ keypair: { signatureVersions: ['v2'] } });
      const vector = signatureVectors[0]!;
      const res = await request(app.handler)
        .post(vector.path)
        .set({ ...pairHeaders(TEST), 'x-pelago-timestamp': vector.timestamp, 'x-pelago-signature': vector.signature })
        .set('Content-Type', JSON_TYPE)
        .send(vector.body);
      expect(expectRejection(res, 401, 'INVALID_SIGNATURE', { presented }).error.details).toEqual({
        reason: 'version',
      });
    });

    it("['v1'] refuses v2 the same way; the default accepts both", async () => {
      const v1Only = make({ keypair: { signatureVersions: ['v1'] } });
      expect(expectRejection(await post(v1Only, 'v2'), 401, 'INVALID_SIGNATURE').error.details).toEqual({
        reason: 'version',
      });
      const both = make();
      expect(expectAdmitted(await post(both, 'v1')).auth.signed).toBe(true);
      expect(expectAdmitted(await post(both, 'v2')).auth.signed).toBe(true);
    });

    it('an unsigned pair under "optional" is still admitted (the versions bound signatures, not the policy)', async () => {
      const app = make({ keypair: { signatureVersions: ['v2'] } });
      const res = await request(app.handler)
        .post('/echo')
        .set(pairHeaders(TEST))
        .set('Content-Type', JSON_TYPE)
        .send(body);
      expect(expectAdmitted(res).auth.signed).toBe(false);
    });
  });
});

/**
 * API key over HTTP Basic auth, through the real adapters on Express 5, Express 4, Koa 3 and Koa 2.
 * Every rejection is checked for status, code, the envelope, x-request-id, WWW-Authenticate and that no
 * credential is echoed (see `expectRejection`).
 */
import { connect } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASIC, basic, basicHeaderVectors, expectAdmitted, expectRejection, keysFile } from './support/fixtures.js';
import { buildApp, frameworks, listen, type TestApp, type TestKeygateOptions } from './support/servers.js';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe.each(frameworks)('Basic API key over HTTP — $name', (fw) => {
  const make = (options: Partial<TestKeygateOptions> = {}): TestApp => buildApp(fw, { keys: keysFile, ...options });

  describe('basic-headers.json vectors (Basic-only verifier)', () => {
    const app = make({ schemes: ['basic'] });

    it.each(basicHeaderVectors)('$note: "$header"', async (vector) => {
      const res = await request(app.handler).get('/echo').set('Authorization', vector.header);
      if ('key' in vector.expect) {
        const { auth } = expectAdmitted(res);
        expect(vector.expect.key).toBe(BASIC.valid);
        expect(auth).toMatchObject({ keyId: 'key_basic', tenantId: 'acme', scheme: 'basic' });
      } else {
        expectRejection(res, 401, vector.expect.error, { presented: [BASIC.valid] });
      }
    });
  });

  describe('basic-headers.json vectors (default verifier: Basic and key pairs)', () => {
    const app = make();

    it.each(basicHeaderVectors)('$note: "$header" is still refused or admitted alike', async (vector) => {
      const res = await request(app.handler).get('/echo').set('Authorization', vector.header);
      if ('key' in vector.expect) expectAdmitted(res);
      // A Bearer key without its secret header is a malformed key pair: still INVALID_API_KEY.
      else expectRejection(res, 401, vector.expect.error, { presented: [BASIC.valid] });
    });
  });

  describe('admitted', () => {
    it('a valid key: 200, auth fields, x-request-id and rate-limit headers', async () => {
      const app = make();
      const res = await request(app.handler).get('/echo').set(basic(BASIC.valid));
      const { auth } = expectAdmitted(res);
      expect(auth).toEqual({
        scheme: 'basic',
        keyId: 'key_basic',
        tenantId: 'acme',
        environment: 'live',
        scopes: null,
        signed: false,
        requestId: res.headers['x-request-id'],
      });
      expect(res.headers['x-ratelimit-limit']).toBe('60');
      expect(res.headers['x-ratelimit-remaining']).toBe('59');
      expect(Number(res.headers['x-ratelimit-reset'])).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + 59);
      expect(Number(res.headers['x-ratelimit-reset'])).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 61);
    });

    it('exactly what `curl -u "KEY:"` sends', async () => {
      const app = make();
      const res = await request(app.handler)
        .get('/echo')
        .set('Authorization', `Basic ${b64(`${BASIC.valid}:`)}`);
      expect(expectAdmitted(res).auth.keyId).toBe('key_basic');
    });

    it('supertest .auth(KEY, "") (what HTTP clients send for a user with an empty password)', async () => {
      const app = make();
      const res = await request(app.handler).get('/echo').auth(BASIC.valid, '');
      expect(expectAdmitted(res).auth.keyId).toBe('key_basic');
    });

    it.each(['Basic', 'basic', 'BASIC', 'bAsIc'])('scheme name "%s" (case-insensitive)', async (scheme) => {
      const app = make();
      const res = await request(app.handler)
        .get('/echo')
        .set('Authorization', `${scheme} ${b64(`${BASIC.valid}:`)}`);
      expect(expectAdmitted(res).auth.keyId).toBe('key_basic');
    });

    it.each([
      ['two spaces after the scheme', `Basic  ${b64(`${BASIC.valid}:`)}`],
      ['a tab after the scheme', `Basic \t${b64(`${BASIC.valid}:`)}`],
      ['leading and trailing spaces', `  Basic ${b64(`${BASIC.valid}:`)}  `],
    ])('extra whitespace: %s', async (_name, header) => {
      const app = make();
      const res = await request(app.handler).get('/echo').set('Authorization', header);
      expect(expectAdmitted(res).auth.keyId).toBe('key_basic');
    });

    it('a key stored only as keyHash', async () => {
      const app = make();
      const res = await request(app.handler).get('/echo').set(basic(BASIC.hashed));
      expect(expectAdmitted(res).auth).toMatchObject({
        keyId: 'key_hashed',
        tenantId: 'acme',
        environment: 'live',
        scheme: 'basic',
      });
    });

    it('a key whose expiresAt is in the future', async () => {
      const app = make();
      const res = await request(app.handler).get('/echo').set(basic(BASIC.notYetExpired));
      expect(expectAdmitted(res).auth.keyId).toBe('key_future');
    });

    it('a sandbox key reports environment "test"', async () => {
      const app = make();
      const res = await request(app.handler).get('/echo').set(basic(BASIC.test));
      expect(expectAdmitted(res).auth).toMatchObject({ keyId: 'key_sandbox', environment: 'test' });
    });

    it('a key with scopes reports them; POST with a JSON body reaches the route', async () => {
      const app = make();
      const res = await request(app.handler).post('/echo').set(basic(BASIC.readOnly)).send({ hello: 'world' });
      const answer = expectAdmitted(res);
      expect(answer.auth).toMatchObject({ keyId: 'key_readonly', scopes: ['payments:read'], signed: false });
      expect(answer.body).toEqual({ hello: 'world' });
    });

    it('non-empty password is accepted (and ignored) with basic.allowPassword: true', async () => {
      const app = make({ basic: { allowPassword: true } });
      const res = await request(app.handler).get('/echo').auth(BASIC.valid, 'some-password');
      expect(expectAdmitted(res).auth.keyId).toBe('key_basic');
    });
  });

  describe('refused', () => {
    const app = make();
    const get = (headers: Record<string, string>) => request(app.handler).get('/echo').set(headers);

    it('unknown key → 401 INVALID_API_KEY', async () => {
      const res = await get(basic(BASIC.unknown));
      const body = expectRejection(res, 401, 'INVALID_API_KEY', { presented: [BASIC.unknown] });
      expect(body.error.message).toBe('Invalid or revoked API key.');
      expect(body.error.details).toEqual({});
    });

    it('revoked key → 401 INVALID_API_KEY with the same message as an unknown key', async () => {
      const unknown = expectRejection(await get(basic(BASIC.unknown)), 401, 'INVALID_API_KEY');
      const revoked = expectRejection(await get(basic(BASIC.revoked)), 401, 'INVALID_API_KEY', {
        presented: [BASIC.revoked],
      });
      expect(revoked.error).toEqual(unknown.error);
    });

    it('expired key (expiresAt in the past) → 401 INVALID_API_KEY', async () => {
      const unknown = expectRejection(await get(basic(BASIC.unknown)), 401, 'INVALID_API_KEY');
      const expired = expectRejection(await get(basic(BASIC.expired)), 401, 'INVALID_API_KEY', {
        presented: [BASIC.expired],
      });
      expect(expired.error).toEqual(unknown.error);
    });

    it('key of a suspended tenant → 401 TENANT_INACTIVE', async () => {
      const body = expectRejection(await get(basic(BASIC.suspended)), 401, 'TENANT_INACTIVE', {
        presented: [BASIC.suspended],
      });
      expect(body.error.message).not.toContain('globex');
    });

    it('no Authorization header → 401 INVALID_API_KEY (no public endpoints by default)', async () => {
      const res = await request(app.handler).get('/echo');
      expectRejection(res, 401, 'INVALID_API_KEY');
      expect(res.headers['www-authenticate']).toBe('Basic realm="api", charset="UTF-8", Bearer realm="api"');
    });

    it('no Authorization header on POST, on an unknown path and on a guarded route → 401 too', async () => {
      expectRejection(await request(app.handler).post('/echo').send({ a: 1 }), 401, 'INVALID_API_KEY');
      expectRejection(await request(app.handler).get('/nowhere'), 401, 'INVALID_API_KEY');
      expectRejection(await request(app.handler).post('/payments').send({ a: 1 }), 401, 'INVALID_API_KEY');
    });

    it.each([
      ['empty header', ''],
      ['scheme only', 'Basic'],
      ['scheme and a space', 'Basic '],
      ['wrong scheme (Digest)', `Digest ${b64(`${BASIC.valid}:`)}`],
      ['wrong scheme (Bearer with the Basic key, no secret)', `Bearer ${BASIC.valid}`],
      ['key without scheme', BASIC.valid],
      ['base64 without scheme', b64(`${BASIC.valid}:`)],
      ['bad base64 (!!!!)', 'Basic !!!!'],
      ['bad base64 (one char too many)', `Basic ${b64(`${BASIC.valid}:`)}A`],
      ['base64url alphabet', `Basic ${b64(`${BASIC.valid}:`).replace(/\+/g, '-').replace(/\//g, '_')}-_`],
      ['no colon', `Basic ${b64(BASIC.valid)}`],
      ['empty key (":")', `Basic ${b64(':')}`],
      ['key after the colon (password only)', `Basic ${b64(`:${BASIC.valid}`)}`],
      ['credentials in clear', `Basic ${BASIC.valid}:`],
      ['space inside the base64', `Basic ${b64(`${BASIC.valid}:`).slice(0, 10)} ${b64(`${BASIC.valid}:`).slice(10)}`],
      ['key with a trailing space', `Basic ${b64(`${BASIC.valid} :`)}`],
      ['key with a NUL', `Basic ${b64(`${BASIC.valid}\u0000:`)}`],
      ['key in a different case', `Basic ${b64(`${BASIC.valid.toUpperCase()}:`)}`],
      ['non-ASCII key (UTF-8 in the base64)', `Basic ${b64('pk_live_clé_secrète_ключ:')}`],
      ['invalid UTF-8 in the base64', `Basic ${Buffer.from([0x70, 0x6b, 0xff, 0xfe, 0x3a]).toString('base64')}`],
      ['non-ASCII (latin-1) byte in the header itself', 'Basic \u00e9\u00e9\u00e9\u00e9'],
    ])('malformed: %s → 401 INVALID_API_KEY', async (_name, header) => {
      const res = await get({ authorization: header });
      expectRejection(res, 401, 'INVALID_API_KEY', { presented: [BASIC.valid] });
    });

    it('non-empty password → 401 INVALID_API_KEY by default', async () => {
      const res = await request(app.handler).get('/echo').auth(BASIC.valid, 'some-password');
      const body = expectRejection(res, 401, 'INVALID_API_KEY', { presented: [BASIC.valid, 'some-password'] });
      expect(body.error.message).toBe('Invalid or revoked API key.');
    });

    it.each([
      ['a bad one, then a valid one', ['Basic !!!!', basic(BASIC.valid).authorization!]],
      ['a valid one, then another', [basic(BASIC.valid).authorization!, basic(BASIC.unknown).authorization!]],
      ['the same valid one twice', [basic(BASIC.valid).authorization!, basic(BASIC.valid).authorization!]],
    ])(
      'two Authorization headers (%s) → 401: Node would keep the first, a proxy may use the last',
      async (_, headers) => {
        // superagent sends an array as repeated headers
        const res = await request(app.handler)
          .get('/echo')
          .set('Authorization', headers as unknown as string);
        expectRejection(res, 401, 'INVALID_API_KEY', { presented: [BASIC.valid] });
      },
    );

    it('two Authorization headers in different letter cases → 401 too', async () => {
      const server = await listen(app.handler);
      try {
        const { port } = new URL(server.url);
        const valid = basic(BASIC.valid).authorization!;
        const answer = await new Promise<string>((resolve, reject) => {
          const socket = connect(Number(port), '127.0.0.1', () =>
            socket.end(
              `GET /echo HTTP/1.1\r\nHost: localhost\r\nauthorization: ${valid}\r\nAUTHORIZATION: ${valid}\r\nConnection: close\r\n\r\n`,
            ),
          );
          let text = '';
          socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
          socket.on('end', () => resolve(text));
          socket.on('error', reject);
        });
        expect(answer).toMatch(/^HTTP\/1\.1 401 /);
        expect(answer).toContain('"code":"INVALID_API_KEY"');
      } finally {
        await server.close();
      }
    });

    it('all refusals of one verifier carry the same WWW-Authenticate and fresh UUID request ids', async () => {
      const ids = new Set<string>();
      for (const headers of [basic(BASIC.unknown), basic(BASIC.revoked), {}, { authorization: 'Basic !!!!' }]) {
        const res = await get(headers);
        const body = expectRejection(res, 401, 'INVALID_API_KEY');
        expect(res.headers['www-authenticate']).toBe('Basic realm="api", charset="UTF-8", Bearer realm="api"');
        expect(body.requestId).toMatch(/^[0-9a-f-]{36}$/);
        ids.add(body.requestId);
      }
      expect(ids.size).toBe(4);
    });

    it('a Basic-only verifier announces only the Basic challenge, with the configured realm', async () => {
      const basicOnly = make({ schemes: ['basic'], realm: 'payments' });
      const res = await request(basicOnly.handler).get('/echo');
      expectRejection(res, 401, 'INVALID_API_KEY');
      expect(res.headers['www-authenticate']).toBe('Basic realm="payments", charset="UTF-8"');
    });

    it('a key-pair-only verifier refuses a valid Basic key', async () => {
      const pairOnly = make({ schemes: ['keypair'] });
      const res = await request(pairOnly.handler).get('/echo').set(basic(BASIC.valid));
      expectRejection(res, 401, 'INVALID_API_KEY', { presented: [BASIC.valid] });
      expect(res.headers['www-authenticate']).toBe('Bearer realm="api"');
    });

    it('environments: ["live"] refuses a sandbox Basic key → 401 ENVIRONMENT_MISMATCH', async () => {
      const liveOnly = make({ environments: ['live'] });
      expectRejection(
        await request(liveOnly.handler).get('/echo').set(basic(BASIC.test)),
        401,
        'ENVIRONMENT_MISMATCH',
        { presented: [BASIC.test] },
      );
      expectAdmitted(await request(liveOnly.handler).get('/echo').set(basic(BASIC.valid)));
    });

    it('a header over maxHeaderLength is refused before decoding → 401 INVALID_API_KEY', async () => {
      const header = `Basic ${b64(`${BASIC.valid}:`)}`;
      expect(header.length).toBe(54);
      expectAdmitted(
        await request(make({ maxHeaderLength: 54 }).handler)
          .get('/echo')
          .set('Authorization', header),
      );
      // The same valid header, one character over the limit, is never decoded.
      const res = await request(make({ maxHeaderLength: 53 }).handler)
        .get('/echo')
        .set('Authorization', header);
      expectRejection(res, 401, 'INVALID_API_KEY', { presented: [BASIC.valid] });
    });

    it("a 5 KB header (over the default maxHeaderLength, under Node's header limit) → 401 INVALID_API_KEY", async () => {
      // A password is allowed here, so the length is the only thing wrong with this header.
      const header = `Basic ${b64(`${BASIC.valid}:${'x'.repeat(3800)}`)}`;
      expect(header.length).toBeGreaterThan(4096);
      const lenient = make({ basic: { allowPassword: true } });
      expectAdmitted(
        await request(lenient.handler)
          .get('/echo')
          .set('Authorization', `Basic ${b64(`${BASIC.valid}:${'x'.repeat(2900)}`)}`),
      );
      const res = await request(lenient.handler).get('/echo').set({ authorization: header });
      expectRejection(res, 401, 'INVALID_API_KEY', { presented: [BASIC.valid] });
    });
  });

  describe('a 100 KB Authorization header', () => {
    // Node refuses request headers over --max-http-header-size (16 KB by default) with 431 before any
    // middleware runs, so keygate only sees a 100 KB header on a server whose maxHeaderSize was raised.
    let raised: Awaited<ReturnType<typeof listen>>;
    let plain: Awaited<ReturnType<typeof listen>>;
    const app = make();
    const huge = `Basic ${'A'.repeat(100 * 1024)}`;

    beforeAll(async () => {
      raised = await listen(app.handler, { maxHeaderSize: 256 * 1024 });
      plain = await listen(app.handler);
    });
    afterAll(async () => {
      await raised.close();
      await plain.close();
    });

    it('with maxHeaderSize raised to 256 KB: keygate answers 401 INVALID_API_KEY, quickly', async () => {
      const started = performance.now();
      const res = await request(raised.url).get('/echo').set('Authorization', huge);
      const elapsed = performance.now() - started;
      expectRejection(res, 401, 'INVALID_API_KEY');
      expect(elapsed).toBeLessThan(1000);
    });

    it('the same for a 100 KB header that is valid base64 of a 100 KB "key:"', async () => {
      const header = `Basic ${b64(`pk_live_${'k'.repeat(75 * 1024)}:`)}`;
      expect(header.length).toBeGreaterThan(100 * 1024);
      const started = performance.now();
      const res = await request(raised.url).get('/echo').set('Authorization', header);
      expectRejection(res, 401, 'INVALID_API_KEY');
      expect(performance.now() - started).toBeLessThan(1000);
    });

    it("on Node's default limit (16 KB) the server itself answers 431 before keygate runs (documented, not keygate's answer)", async () => {
      // A raw socket: from Node 24 the server resets the connection right after its 431, while the client is still
      // sending, so an HTTP client reports ECONNRESET instead of the answer; the answer's bytes arrive first.
      const { port } = new URL(plain.url);
      const answer = await new Promise<string>((resolve) => {
        let text = '';
        const socket = connect(Number(port), '127.0.0.1', () =>
          socket.write(`GET /echo HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${huge}\r\n\r\n`),
        );
        socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        socket.on('error', () => {}); // the reset after the answer
        socket.on('close', () => resolve(text));
      });
      expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    });
  });
});

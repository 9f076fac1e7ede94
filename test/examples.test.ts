import { createHash, createHmac } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  runPrinted,
  sendBytes,
  sendRaw,
  startExample,
  type ExampleProcess,
  type RawAnswer,
} from './support/example-process.js';
import { until } from './support/poll.js';
import { tempDir } from './support/temp-dir.js';

/** The demo's sandbox key pair (no scope list: unrestricted). */
const SANDBOX_PAIR = {
  authorization: 'Bearer pk_test_DemoPairPublicKey00000004',
  'x-api-secret': 'sk_test_DemoPairSecretKey00000004',
};
const SANDBOX_SECRET = 'sk_test_DemoPairSecretKey00000004';
const PAYMENT = '{"amount":100,"currency":"USD"}';
/** The demo's Basic key (no scope list), as a raw header line. */
const BASIC_LINE = `Authorization: Basic ${Buffer.from('pk_live_DemoBasicKeyForKeygate0001:').toString('base64')}`;

/** Raw header lines of the sandbox pair, and of a signature made now over (method, path, body). */
function pairLines(signature?: { method: string; path: string; body: string; version: 'v1' | 'v2' }): string {
  const lines = [`Authorization: ${SANDBOX_PAIR.authorization}`, `X-Api-Secret: ${SANDBOX_SECRET}`];
  if (signature) {
    const { method, path, body, version } = signature;
    // Distinct timestamps: two requests signed over the same bytes in one millisecond would be replays.
    const timestamp = Date.now() + Math.floor(Math.random() * 1000);
    const hmac = (payload: string) => createHmac('sha256', SANDBOX_SECRET).update(payload).digest('hex');
    const value =
      version === 'v2'
        ? `v2=${hmac(`v2\n${timestamp}\n${method}\n${path}\n${createHash('sha256').update(body).digest('hex')}`)}`
        : hmac(`${timestamp}.${method}.${path}.${body}`);
    lines.push(`X-Pelago-Timestamp: ${timestamp}`, `X-Pelago-Signature: ${value}`);
  }
  return lines.join('\r\n');
}

/** An answer in the envelope, `x-request-id` equal to its `requestId`; returns the body. */
function expectEnvelope(
  answer: RawAnswer | { status: number; headers: Headers; text: string },
  status: number,
  code: string,
) {
  const header = (name: string) =>
    answer.headers instanceof Headers ? answer.headers.get(name) : answer.headers[name];
  expect({ status: answer.status, text: answer.text.slice(0, 300) }).toMatchObject({ status });
  expect(header('content-type')).toMatch(/^application\/json/);
  const body = JSON.parse(answer.text) as {
    success: boolean;
    error: { code: string; message: string; details: object };
    requestId: string;
  };
  expect(body).toMatchObject({ success: false, error: { code, message: expect.any(String), details: {} } });
  expect(body.requestId).toMatch(/^[0-9a-f-]{36}$/);
  expect(header('x-request-id')).toBe(body.requestId);
  return body;
}

async function fetched(response: Response) {
  return { status: response.status, headers: response.headers, text: await response.text() };
}

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
    expect(body).toMatchObject({
      success: true,
      data: { tenantId: 'acme', keyId: 'key_basic_live', environment: 'live' },
    });
  });

  it('the revoked-key command gets the 401 envelope, the suspended one TENANT_INACTIVE', async () => {
    const revoked = JSON.parse(await runPrinted(commandAfter(server.banner, 'revoked key')));
    expect(revoked).toMatchObject({
      success: false,
      error: { code: 'INVALID_API_KEY', message: 'Invalid or revoked API key.' },
    });
    expect(revoked.requestId).toEqual(expect.any(String));
    const suspended = JSON.parse(await runPrinted(commandAfter(server.banner, 'suspended')));
    expect(suspended.error.code).toBe('TENANT_INACTIVE');
  });

  it('the key-pair command lists payments in the sandbox environment', async () => {
    const body = JSON.parse(await runPrinted(commandAfter(server.banner, 'Key pair')));
    expect(body).toMatchObject({
      success: true,
      data: { environment: 'test', keyId: 'key_pair_test', payments: expect.any(Array) },
    });
  });

  it('the demo signs with version 2: accepted, its replay rejected', async () => {
    const command = commandAfter(server.banner, 'signature version 2');
    expect(command).toMatch(/client\.mjs .* --v2 --replay$/);
    const output = await runPrinted(command);
    expect(output).toMatch(/^request -> 201 .*"success":true/m);
    expect(output).toMatch(/^replay {2}-> 401 .*"code":"REPLAYED_REQUEST"/m);
  });

  it('a request signed as the published client does (version 1) is accepted, its replay rejected', async () => {
    const command = commandAfter(server.banner, 'signature version 1');
    expect(command).not.toContain('--v2');
    const output = await runPrinted(command);
    expect(output).toMatch(/^request -> 201 .*"success":true/m);
    expect(output).toMatch(/^replay {2}-> 401 .*"code":"REPLAYED_REQUEST"/m);
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

  // Bodies keygate let through (unsigned, or signed and verified) that the app's JSON parser cannot take: both
  // examples answer each one alike, in the envelope, never 500 and never plain text.
  it.each([
    [
      'a 2 MB body (over the parser limit)',
      413,
      'BODY_TOO_LARGE',
      { 'content-type': 'application/json' },
      `{"pad":"${'x'.repeat(2 * 1024 * 1024)}"}`,
    ],
    [
      'a 5 MB gzip body (limit applies once inflated)',
      413,
      'BODY_TOO_LARGE',
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      gzipSync(`{"pad":"${'x'.repeat(5e6)}"}`),
    ],
    [
      'an unknown charset',
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      { 'content-type': 'application/json; charset=bogus' },
      '{"amount":1}',
    ],
    // Koa's parser ignored the charset and took the bytes as UTF-8 (201); Express's refused it.
    ['JSON in latin1', 415, 'UNSUPPORTED_MEDIA_TYPE', { 'content-type': 'application/json; charset=latin1' }, PAYMENT],
    ['a text/plain body', 415, 'UNSUPPORTED_MEDIA_TYPE', { 'content-type': 'text/plain' }, PAYMENT],
    [
      'a form body',
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      { 'content-type': 'application/x-www-form-urlencoded' },
      'amount=100&currency=USD',
    ],
    [
      'a gzip claim on plain bytes',
      400,
      'INVALID_REQUEST',
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      '{"amount":1}',
    ],
    [
      'a deflate claim on plain bytes',
      400,
      'INVALID_REQUEST',
      { 'content-type': 'application/json', 'content-encoding': 'deflate' },
      '{"amount":1}',
    ],
    // Koa: 500 (brotli's error code is not zlib's Z_…).
    [
      'a br claim on plain bytes',
      400,
      'INVALID_REQUEST',
      { 'content-type': 'application/json', 'content-encoding': 'br' },
      '{"amount":1}',
    ],
    [
      'an unknown content coding',
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      { 'content-type': 'application/json', 'content-encoding': 'zstd' },
      '{"amount":1}',
    ],
    [
      'a list of content codings',
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      { 'content-type': 'application/json', 'content-encoding': 'gzip, br' },
      '{"amount":1}',
    ],
    ['a JSON scalar', 400, 'INVALID_REQUEST', { 'content-type': 'application/json' }, '"100"'],
    // Express: 201 (JSON.parse keeps "__proto__" as a key); Koa's parser refuses it.
    [
      'a "__proto__" key',
      400,
      'INVALID_REQUEST',
      { 'content-type': 'application/json' },
      '{"__proto__":{"admin":true},"amount":100,"currency":"USD"}',
    ],
  ] as const)('answers %s from a valid key with %i %s in the envelope', async (_, status, code, headers, body) => {
    const response = await fetch(`${server.baseUrl}/v1/payments`, {
      method: 'POST',
      headers: { ...SANDBOX_PAIR, ...headers },
      body,
    });
    expectEnvelope(await fetched(response), status, code);
  });

  it.each([
    ['identity', PAYMENT],
    ['IDENTITY', PAYMENT], // Koa: 415 (content codings are case-insensitive, its parser compared them as written)
    ['GZIP', gzipSync(PAYMENT)],
    ['br', brotliCompressSync(PAYMENT)],
  ] as const)('takes a body with Content-Encoding: %s', async (coding, body) => {
    const response = await fetch(`${server.baseUrl}/v1/payments`, {
      method: 'POST',
      headers: { ...SANDBOX_PAIR, 'content-type': 'application/json', 'content-encoding': coding },
      body,
    });
    expect(response.status).toBe(201);
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
    expectEnvelope(await fetched(missing), 404, 'NOT_FOUND');
    const traced = await sendRaw(server.baseUrl, `TRACE /v1/nothing-here HTTP/1.1\r\n${pairLines()}`);
    expectEnvelope(traced, 404, 'NOT_FOUND');
  });

  // Koa answered TRACE and PROPFIND with a plain-text 501 and OPTIONS with an empty 200; Express said 404.
  it.each(['TRACE', 'PROPFIND', 'OPTIONS', 'DELETE', 'PUT'])(
    'answers %s on an authenticated route with 405 and Allow, in the envelope',
    async (method) => {
      const answer = await sendRaw(server.baseUrl, `${method} /v1/payments HTTP/1.1\r\n${pairLines()}`);
      expectEnvelope(answer, 405, 'METHOD_NOT_ALLOWED');
      expect(answer.headers.allow).toBe('GET, HEAD, POST');
    },
  );

  // Node answered these itself, with a bare status line.
  it.each([
    ['a malformed request line', 'GET /v1/pay ments HTTP/1.1', 400, 'INVALID_REQUEST'],
    ['an unknown method token', 'FROB /v1/payments HTTP/1.1', 400, 'INVALID_REQUEST'],
    [
      "headers over Node's 16 KB",
      `GET /v1/payments HTTP/1.1\r\nX-Padding: ${'x'.repeat(20_000)}`,
      431,
      'HEADERS_TOO_LARGE',
    ],
  ])('answers %s, which Node refuses before the app, in the envelope too', async (_, head, status, code) => {
    expectEnvelope(await sendRaw(server.baseUrl, head), status, code);
  });

  // Node answered these itself too: a bare 417 without a body (Expect), a bare 400 (no Host); CONNECT got the
  // socket closed without a word. Each is now the envelope, and the connection is closed.
  it.each([
    ['an Expect other than 100-continue', 'GET /v1/payments HTTP/1.1\r\nExpect: 200-ok', 417, 'EXPECTATION_FAILED'],
    [
      'an Expect other than 100-continue on a POST with a body',
      `POST /v1/payments HTTP/1.1\r\n${BASIC_LINE}\r\nExpect: bogus\r\nContent-Type: application/json\r\nContent-Length: ${PAYMENT.length}\r\n\r\n${PAYMENT}`,
      417,
      'EXPECTATION_FAILED',
    ],
    ['an HTTP/1.1 request without Host', `GET /v1/payments HTTP/1.1\r\n${pairLines()}\r\n\r\n`, 400, 'INVALID_REQUEST'],
    [
      'an HTTP/1.1 POST without Host',
      `POST /v1/payments HTTP/1.1\r\n${BASIC_LINE}\r\nContent-Type: application/json\r\nContent-Length: ${PAYMENT.length}\r\n\r\n${PAYMENT}`,
      400,
      'INVALID_REQUEST',
    ],
    [
      'CONNECT to a host:port',
      'CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: 127.0.0.1:80\r\n\r\n',
      405,
      'METHOD_NOT_ALLOWED',
    ],
  ])('answers %s in the envelope and closes the connection', async (_, request, status, code) => {
    // Sent as is (no Connection: close from the client): the server has to close the connection itself.
    const answer = await sendBytes(
      server.baseUrl,
      request.includes('\r\n\r\n') ? request : `${request}\r\nHost: x\r\n\r\n`,
    );
    expectEnvelope(answer, status, code);
    expect(answer.headers.connection).toBe('close');
    if (status === 405) expect(answer.headers.allow).toBe(''); // nothing is served at a host:port
  });

  it("answers CONNECT to a route path with 405 and the route's Allow", async () => {
    const answer = await sendBytes(server.baseUrl, 'CONNECT /v1/payments HTTP/1.1\r\nHost: x\r\n\r\n');
    expectEnvelope(answer, 405, 'METHOD_NOT_ALLOWED');
    expect(answer.headers.allow).toBe('GET, HEAD, POST');
  });

  it('still serves HTTP/1.0 without Host, and Expect: 100-continue', async () => {
    const old = await sendBytes(server.baseUrl, `GET /v1/wallets/service/balance HTTP/1.0\r\n${BASIC_LINE}\r\n\r\n`);
    expect(old.status).toBe(200);
    const head = `POST /v1/payments HTTP/1.1\r\n${BASIC_LINE}\r\nExpect: 100-continue\r\nContent-Type: application/json\r\nContent-Length: ${PAYMENT.length}`;
    const continued = await sendRaw(server.baseUrl, head, PAYMENT);
    // Node sends `100 Continue` first; the answer follows it.
    expect(continued.status).toBe(100);
    expect(continued.text).toMatch(/^HTTP\/1\.1 201 /);
  });

  // Koa: 499 "Request already closed" in plain text (keygate's peek consumed the empty body and its end).
  describe.each(['v1', 'v2'] as const)('signed %s POST with an empty body', (version) => {
    const signature = { method: 'POST', path: '/v1/payments', body: '', version };

    it('sent chunked, is admitted and reaches the route (which wants an amount)', async () => {
      const answer = await sendRaw(
        server.baseUrl,
        `POST /v1/payments HTTP/1.1\r\n${pairLines(signature)}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked`,
        '0\r\n\r\n',
      );
      expect(expectEnvelope(answer, 400, 'INVALID_REQUEST').error.message).toMatch(/"amount"/);
    });

    it('sent with Content-Length: 00, is admitted and reaches the route', async () => {
      const answer = await sendRaw(
        server.baseUrl,
        `POST /v1/payments HTTP/1.1\r\n${pairLines(signature)}\r\nContent-Type: application/json\r\nContent-Length: 00`,
      );
      expect(expectEnvelope(answer, 400, 'INVALID_REQUEST').error.message).toMatch(/"amount"/);
    });
  });

  it('a signed v2 body sent chunked in pieces is admitted whole', async () => {
    const head = `POST /v1/payments HTTP/1.1\r\n${pairLines({ method: 'POST', path: '/v1/payments', body: PAYMENT, version: 'v2' })}\r\n`;
    const chunks = [PAYMENT.slice(0, 7), PAYMENT.slice(7)]
      .map((part) => `${part.length.toString(16)}\r\n${part}\r\n`)
      .join('');
    const answer = await sendRaw(
      server.baseUrl,
      `${head}Content-Type: application/json\r\nTransfer-Encoding: chunked`,
      `${chunks}0\r\n\r\n`,
    );
    expect(answer.status).toBe(201);
    expect(JSON.parse(answer.text)).toMatchObject({
      success: true,
      data: { payment: { amount: 100, currency: 'USD' }, keyId: 'key_pair_test' },
    });
  });
});

// keygate's bodyTimeoutMs covers signed bodies only; an unsigned body that stalled was held until Node's
// requestTimeout (300 s). KEYGATE_BODY_TIMEOUT_MS sets both deadlines; short here so the tests are quick.
describe.each(['express', 'koa'] as const)('example server: %s, a body that stalls', (name) => {
  const TIMEOUT_MS = 400;
  const SLACK_MS = 1000;
  let server: ExampleProcess;
  beforeAll(async () => {
    server = await startExample(name, { KEYGATE_BODY_TIMEOUT_MS: String(TIMEOUT_MS) });
  });
  afterAll(() => server.stop());

  /** Sends `head` with `Content-Length: 100` and only the start of the body; the answer and how long it took. */
  async function stalled(head: string) {
    const started = Date.now();
    const answer = await sendRaw(
      server.baseUrl,
      `${head}\r\nContent-Type: application/json\r\nContent-Length: 100`,
      '{"a',
    );
    return { answer, elapsed: Date.now() - started };
  }

  it('unsigned (a Basic key): 408 REQUEST_TIMEOUT in the envelope after the timeout, connection closed', {
    timeout: 5000,
  }, async () => {
    const { answer, elapsed } = await stalled(`POST /v1/payments HTTP/1.1\r\n${BASIC_LINE}`);
    expectEnvelope(answer, 408, 'REQUEST_TIMEOUT');
    expect(answer.headers.connection).toBe('close');
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + SLACK_MS);
  });

  it('unsigned (a key pair) on the refunds route too', { timeout: 5000 }, async () => {
    const { answer, elapsed } = await stalled(`POST /v1/refunds HTTP/1.1\r\n${pairLines()}`);
    expectEnvelope(answer, 408, 'REQUEST_TIMEOUT');
    expect(answer.headers.connection).toBe('close');
    expect(elapsed).toBeLessThan(TIMEOUT_MS + SLACK_MS);
  });

  it('signed: keygate answers 408 after the same timeout', { timeout: 5000 }, async () => {
    const body = `{"a${' '.repeat(97)}`;
    const { answer, elapsed } = await stalled(
      `POST /v1/payments HTTP/1.1\r\n${pairLines({ method: 'POST', path: '/v1/payments', body, version: 'v2' })}`,
    );
    expect(expectEnvelope(answer, 408, 'REQUEST_TIMEOUT').error.details).toEqual({ timeoutMs: TIMEOUT_MS });
    expect(answer.headers.connection).toBe('close');
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + SLACK_MS);
  });

  it('a body that arrives in time is served, and the server goes on serving', async () => {
    const answer = await sendRaw(
      server.baseUrl,
      `POST /v1/payments HTTP/1.1\r\n${BASIC_LINE}\r\nContent-Type: application/json\r\nContent-Length: ${PAYMENT.length}`,
      PAYMENT,
    );
    expect(answer.status).toBe(201);
    // Past the deadline of that request: nothing fires late.
    await new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS + 100));
    const again = await fetch(`${server.baseUrl}/v1/payments`, { headers: SANDBOX_PAIR });
    expect(again.status).toBe(200);
  });
});

/** How a start meant to fail ended: its error message, or "started" (the server is stopped again, not leaked). */
function startFailure(name: 'express' | 'koa', env: Record<string, string>): Promise<string> {
  return startExample(name, env).then(
    async (server) => {
      await server.stop();
      return 'started';
    },
    (error: Error) => error.message,
  );
}

describe('example configuration', () => {
  it('stops at start with a message naming the file, entry and field of a bad keys file', async () => {
    const dir = tempDir('keygate-example-');
    const file = join(dir, 'keys.json');
    writeFileSync(
      file,
      JSON.stringify({
        tenants: [{ id: 'acme' }],
        keys: [{ id: 'k1', tenant: 'acme', publicKey: 'pk_live_abcdefgh', secretKey: 'sk_test_abcdefgh' }],
      }),
    );
    expect(await startFailure('express', { KEYGATE_KEYS: file })).toMatch(
      /exited with 1:[\s\S]*keys\.json: keys\[0\] \("k1"\): field "secretKey"/,
    );
  });

  it('stops at start, naming the key, when a rate limit cannot fit the memory store', async () => {
    const file = join(tempDir('keygate-example-'), 'keys.json');
    writeFileSync(
      file,
      JSON.stringify({
        tenants: [{ id: 'acme' }],
        keys: [
          {
            id: 'k_huge',
            tenant: 'acme',
            key: 'pk_live_abcdefgh',
            rateLimit: { limit: 10_000_000, windowSeconds: 60 },
          },
        ],
      }),
    );
    expect(await startFailure('koa', { KEYGATE_KEYS: file })).toMatch(
      /exited with 1:[\s\S]*key "k_huge": field "rateLimit.limit" is too large/,
    );
  });

  it('rejects a bad KEYGATE_SIGNATURES value at start', async () => {
    expect(await startFailure('koa', { KEYGATE_SIGNATURES: 'always' })).toMatch(
      /KEYGATE_SIGNATURES must be required, optional or off/,
    );
  });

  it('KEYGATE_SIGNATURES=required and KEYGATE_ENVIRONMENTS=live take effect', async () => {
    const server = await startExample('express', { KEYGATE_SIGNATURES: 'required', KEYGATE_ENVIRONMENTS: 'live' });
    try {
      // Only commands that can succeed are printed: no Basic keys, no unsigned key pairs.
      expect(server.banner).not.toMatch(/^curl /m);
      expect(server.banner).toContain('client.mjs');
      const pair = {
        authorization: 'Bearer pk_live_DemoPairPublicKey00000005',
        'x-api-secret': 'sk_live_DemoPairSecretKey00000005',
      };
      const unsigned = await fetch(`${server.baseUrl}/v1/payments`, { headers: pair });
      expect(((await unsigned.json()) as { error: { code: string } }).error.code).toBe('INVALID_SIGNATURE');
      const sandbox = await fetch(`${server.baseUrl}/v1/payments`, { headers: SANDBOX_PAIR });
      expect(((await sandbox.json()) as { error: { code: string } }).error.code).toBe('ENVIRONMENT_MISMATCH');
      // Basic keys cannot be signed: the example turns the scheme off (keygate's schemes default keeps it).
      const basicKey = await fetch(`${server.baseUrl}/v1/wallets/service/balance`, {
        headers: { authorization: `Basic ${Buffer.from('pk_live_DemoBasicKeyForKeygate0001:').toString('base64')}` },
      });
      expect(basicKey.status).toBe(401);
    } finally {
      await server.stop();
    }
  });

  it.each(['0', '-5', '1.5', 'ten', '3000000000'])(
    'stops at start naming KEYGATE_BODY_TIMEOUT_MS when it is "%s"',
    async (value) => {
      expect(await startFailure('koa', { KEYGATE_BODY_TIMEOUT_MS: value })).toMatch(
        /exited with 1:[\s\S]*KEYGATE_BODY_TIMEOUT_MS must be a whole number of milliseconds/,
      );
    },
  );

  it.each(['v3', 'v1,', 'V2', ''])(
    'stops at start naming KEYGATE_SIGNATURE_VERSIONS when it is "%s"',
    async (value) => {
      expect(await startFailure('express', { KEYGATE_SIGNATURE_VERSIONS: value })).toMatch(
        /exited with 1:[\s\S]*KEYGATE_SIGNATURE_VERSIONS must be a comma-separated list of v1 and v2/,
      );
    },
  );

  it('KEYGATE_SIGNATURE_VERSIONS=v2 refuses version 1 and prints only version 2 commands', async () => {
    const server = await startExample('koa', { KEYGATE_SIGNATURE_VERSIONS: 'v2' });
    try {
      expect(server.banner).not.toContain('signature version 1');
      const output = await runPrinted(commandAfter(server.banner, 'signature version 2'));
      expect(output).toMatch(/^request -> 201 /m);
      const v1 = await sendRaw(
        server.baseUrl,
        `POST /v1/payments HTTP/1.1\r\n${pairLines({ method: 'POST', path: '/v1/payments', body: PAYMENT, version: 'v1' })}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${PAYMENT.length}`,
        PAYMENT,
      );
      expect(expectEnvelope(v1, 401, 'INVALID_SIGNATURE').error.details).toEqual({ reason: 'version' });
    } finally {
      await server.stop();
    }
  });

  it('KEYGATE_SIGNATURES=off prints no signing command; its read-only command gets 403', async () => {
    const server = await startExample('express', { KEYGATE_SIGNATURES: 'off' });
    try {
      expect(server.banner).not.toContain('client.mjs');
      const output = await runPrinted(commandAfter(server.banner, 'payments:read-only'));
      expect(JSON.parse(output)).toMatchObject({ success: false, error: { code: 'INSUFFICIENT_SCOPE' } });
    } finally {
      await server.stop();
    }
  });
});

describe.each(['express', 'koa'] as const)('example server: %s, keys file changed while it runs', (name) => {
  it('refuses a key revoked in KEYGATE_KEYS within 1 s (atomic rename), without a restart', async () => {
    const dir = tempDir('keygate-example-');
    const file = join(dir, 'keys.json');
    const keys = (revoked: boolean) =>
      JSON.stringify({
        tenants: [{ id: 'acme' }],
        keys: [{ id: 'k1', tenant: 'acme', key: 'pk_live_ReloadedKeyForExample01', revoked }],
      });
    writeFileSync(file, keys(false));
    const server = await startExample(name, { KEYGATE_KEYS: file });
    try {
      const authorization = `Basic ${Buffer.from('pk_live_ReloadedKeyForExample01:').toString('base64')}`;
      const call = async () =>
        (await fetch(`${server.baseUrl}/v1/wallets/service/balance`, { headers: { authorization } })).status;
      expect(await call()).toBe(200);
      writeFileSync(join(dir, 'keys.json.tmp'), keys(true));
      renameSync(join(dir, 'keys.json.tmp'), file);
      expect(await until(call, 401)).toBeLessThan(1000);
    } finally {
      await server.stop();
    }
  });
});

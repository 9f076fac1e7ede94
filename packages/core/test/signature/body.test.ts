import { describe, expect, it } from 'vitest';
import { createVerifier, type KeygateOptions, type RequestInput } from '../../src/index.js';
import { codeOf, keysFile, manualClock, pairHeaders, reasonOf, signed, VECTOR_TIME } from '../helpers.js';

function setup(options: Partial<KeygateOptions> = {}) {
  return createVerifier({ keys: keysFile(), rateLimit: false, now: manualClock().now, ...options });
}

const body = '{"amount":100,"currency":"USD"}';

describe('the body of a signed request', () => {
  it('is read on demand only when a signature must be checked, and its size is capped', async () => {
    const verifier = setup({ maxBodyBytes: 16 });
    let reads = 0;
    const lazy = () => {
      reads++;
      return Promise.resolve(Buffer.from(body));
    };
    expect(
      codeOf(await verifier.verify({ method: 'POST', target: '/v1/payments', headers: pairHeaders(), body: lazy })),
    ).toBe('ok');
    expect(reads).toBe(0);
    const result = await verifier.verify({ ...signed('POST', '/v1/payments', body), body: lazy });
    expect(codeOf(result)).toBe('BODY_TOO_LARGE');
    expect(reads).toBe(1);
    // The reader is told the most bytes to read; the error names the bound.
    expect(result.ok ? 'ok' : result.error.details).toEqual({ maxBytes: 16 });
  });

  it('is never read for a Basic key or with signatures off', async () => {
    let reads = 0;
    const lazy = () => {
      reads++;
      return Promise.resolve('x');
    };
    await setup({ keypair: { signatures: 'off' } }).verify({ ...signed('POST', '/v1/payments', body), body: lazy });
    await setup().verify({
      method: 'POST',
      target: '/',
      headers: { authorization: `Basic ${Buffer.from('pk_live_VectorKeyForKeygateTests01:').toString('base64')}` },
      body: lazy,
    });
    expect(reads).toBe(0);
  });

  it('passes maxBodyBytes to the reader', async () => {
    let asked: number | undefined;
    await setup({ maxBodyBytes: 1234 }).verify({
      ...signed('POST', '/v1/payments', body),
      body: (max) => ((asked = max), Promise.resolve(body)),
    });
    expect(asked).toBe(1234);
  });

  it('signed requests whose bodies arrive later, verified at once, each compare their own signature', async () => {
    const verifier = setup({ keypair: { signatures: 'required' } });
    const later = (request: RequestInput, ms: number): RequestInput => ({
      ...request,
      body: () => new Promise((resolve) => setTimeout(() => resolve(Buffer.from(String(request.body))), ms)),
    });
    const first = signed('POST', '/v1/payments', '{"n":1}');
    const second = signed('POST', '/v1/payments', '{"n":2}', { timestamp: VECTOR_TIME + 1 });
    // Both signatures are checked before either body has arrived, the second body first.
    const results = await Promise.all([verifier.verify(later(first, 30)), verifier.verify(later(second, 5))]);
    expect(results.map(codeOf)).toEqual(['ok', 'ok']);
  });

  it('that does not arrive within bodyTimeoutMs → 408 REQUEST_TIMEOUT { timeoutMs } with connection: close', async () => {
    const verifier = setup({ bodyTimeoutMs: 50 });
    const started = Date.now();
    const result = await verifier.verify({
      ...signed('POST', '/v1/payments', body),
      body: () => new Promise(() => {}),
    });
    expect(codeOf(result)).toBe('REQUEST_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(2_000);
    if (result.ok) return;
    expect([result.error.status, result.error.details]).toEqual([408, { timeoutMs: 50 }]);
    expect(result.headers).toMatchObject({ connection: 'close', 'x-request-id': result.requestId });
  });

  it('that fails to arrive (the client went away) → INVALID_SIGNATURE body-unreadable, never a crash', async () => {
    const result = await setup().verify({
      ...signed('POST', '/v1/payments', body),
      body: () => Promise.reject(new Error('aborted')),
    });
    expect(reasonOf(result)).toBe('INVALID_SIGNATURE:body-unreadable');
  });
});

import { describe, expect, it } from 'vitest';
import { basicAuthorization, createVerifier, signRequest, type KeygateOptions } from '../../src/index.js';
import {
  codeOf,
  keysFile,
  manualClock,
  pairHeaders,
  reasonOf,
  signed,
  VECTOR_KEY,
  VECTOR_SECRET,
  VECTOR_TIME,
} from '../helpers.js';

function setup(options: Partial<KeygateOptions> = {}) {
  return createVerifier({ keys: keysFile(), rateLimit: false, now: manualClock().now, ...options });
}

const payment = '{"amount":100,"currency":"USD"}';

describe('keypair.signatures: required, optional, off', () => {
  it('rejects an unsigned request under "required" and ignores signatures under "off"', async () => {
    const required = await setup({ keypair: { signatures: 'required' } }).verify({
      method: 'GET',
      target: '/',
      headers: pairHeaders(),
    });
    expect(reasonOf(required)).toBe('INVALID_SIGNATURE:missing');
    const bogus = { ...pairHeaders(), 'x-pelago-timestamp': '1', 'x-pelago-signature': 'zz' };
    const off = await setup({ keypair: { signatures: 'off' } }).verify({ method: 'GET', target: '/', headers: bogus });
    expect(codeOf(off)).toBe('ok');
    expect(off.ok && off.auth.signed).toBe(false);
  });

  it('"optional" (the default) verifies a signature when one is sent', async () => {
    const verifier = setup();
    const result = await verifier.verify(signed('POST', '/v1/payments', payment));
    expect(result.ok && result.auth.signed).toBe(true);
    expect(
      codeOf(
        await verifier.verify({
          ...signed('POST', '/v1/payments', payment, { timestamp: VECTOR_TIME + 1 }),
          body: '{}',
        }),
      ),
    ).toBe('INVALID_SIGNATURE');
  });

  // Changed on purpose (issue 9): "required" no longer changes the default schemes; Basic keys stay accepted
  // (unsigned) unless `schemes` says otherwise.
  it('"required" leaves the schemes alone: Basic keys are still accepted unless schemes says otherwise', async () => {
    const basic = { method: 'GET', target: '/', headers: { authorization: basicAuthorization(VECTOR_KEY) } };
    expect(codeOf(await setup({ keypair: { signatures: 'required' } }).verify(basic))).toBe('ok');
    expect(codeOf(await setup({ keypair: { signatures: 'required' }, schemes: ['keypair'] }).verify(basic))).toBe(
      'INVALID_API_KEY',
    );
  });

  it('uses configured header names', async () => {
    const verifier = setup({
      keypair: { signatureHeaders: { timestamp: 'X-Acme-Time', signature: 'X-Acme-Sig' }, signatures: 'required' },
    });
    const headers = signRequest({
      method: 'GET',
      path: '/',
      secret: VECTOR_SECRET,
      timestamp: VECTOR_TIME,
      headers: { timestamp: 'x-acme-time', signature: 'x-acme-sig' },
    });
    const result = await verifier.verify({ method: 'GET', target: '/', headers: { ...pairHeaders(), ...headers } });
    expect(codeOf(result)).toBe('ok');
    expect(result.ok && result.auth.signed).toBe(true);
  });
});

describe('keypair.signatureVersions (issue 8)', () => {
  it('accepts v1 and v2 by default', async () => {
    const verifier = setup({ keypair: { signatures: 'required' } });
    expect(codeOf(await verifier.verify(signed('POST', '/v1/payments', payment, { version: 'v1' })))).toBe('ok');
    expect(codeOf(await verifier.verify(signed('POST', '/v1/payments', payment, { version: 'v2' })))).toBe('ok');
  });

  it('["v2"] refuses a valid v1 signature as INVALID_SIGNATURE (reason "version") and accepts v2', async () => {
    const verifier = setup({ keypair: { signatureVersions: ['v2'] } });
    const v1 = await verifier.verify(signed('POST', '/v1/payments', payment, { version: 'v1' }));
    expect(reasonOf(v1)).toBe('INVALID_SIGNATURE:version');
    expect(v1.ok ? 'ok' : v1.error.status).toBe(401);
    expect(codeOf(await verifier.verify(signed('POST', '/v1/payments', payment, { version: 'v2' })))).toBe('ok');
  });

  it('["v1"] refuses v2', async () => {
    const verifier = setup({ keypair: { signatureVersions: ['v1'] } });
    expect(reasonOf(await verifier.verify(signed('POST', '/v1/payments', payment, { version: 'v2' })))).toBe(
      'INVALID_SIGNATURE:version',
    );
    expect(codeOf(await verifier.verify(signed('POST', '/v1/payments', payment, { version: 'v1' })))).toBe('ok');
  });

  it('a refused version uses no quota and leaves no replay entry', async () => {
    const verifier = setup({ keypair: { signatureVersions: ['v2'] }, rateLimit: { limit: 1, windowSeconds: 60 } });
    expect(reasonOf(await verifier.verify(signed('POST', '/v1/payments', payment, { version: 'v1' })))).toBe(
      'INVALID_SIGNATURE:version',
    );
    expect(codeOf(await verifier.verify(signed('POST', '/v1/payments', payment, { version: 'v2' })))).toBe('ok');
  });

  it.each([[[]], [['v3']], ['v2']])('%j is refused at start-up', (versions) => {
    expect(() => setup({ keypair: { signatureVersions: versions as never } })).toThrow(
      /option "keypair\.signatureVersions"/,
    );
  });
});

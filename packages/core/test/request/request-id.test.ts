import { describe, expect, it } from 'vitest';
import { basicAuthorization, createVerifier } from '../../src/index.js';
import { codeOf, expectNoLeak, keysFile, pairHeaders, VECTOR_KEY, VECTOR_PUBLIC, VECTOR_SECRET } from '../helpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const verifier = createVerifier({ keys: keysFile(), rateLimit: false });
const verify = (headers: Record<string, string>) => verifier.verify({ method: 'GET', target: '/v1/x', headers });
const withId = (id: string, key = VECTOR_KEY) => verify({ authorization: basicAuthorization(key), 'x-request-id': id });

describe('request ids', () => {
  it('reuses a well-formed incoming x-request-id', async () => {
    expect((await withId('req_12345678')).requestId).toBe('req_12345678');
  });

  it('replaces a malformed one, or one that carries the key, with a fresh UUID', async () => {
    expect((await withId('bad id with spaces')).requestId).toMatch(UUID);
    expect((await withId(VECTOR_KEY)).requestId).toMatch(UUID);
    expect((await withId(`x-${VECTOR_KEY}`)).requestId).toMatch(UUID);
    expect((await withId('VectorKeyFor')).requestId).toMatch(UUID);
    // A key sent without a scheme is still a credential that must not be echoed.
    const bare = await verify({ authorization: VECTOR_KEY, 'x-request-id': VECTOR_KEY });
    expect(bare.requestId).toMatch(UUID);
  });

  it('never echoes a Basic password that basic.allowPassword ignores', async () => {
    const lenient = createVerifier({ keys: keysFile(), rateLimit: false, basic: { allowPassword: true } });
    const authorization = `Basic ${Buffer.from(`${VECTOR_KEY}:MyPassword12345`).toString('base64')}`;
    const result = await lenient.verify({
      method: 'GET',
      target: '/',
      headers: { authorization, 'x-request-id': 'MyPassword12345' },
    });
    expect(codeOf(result)).toBe('ok');
    expect(result.requestId).not.toBe('MyPassword12345');
  });

  it('makes fresh ids that are UUID-shaped, all different, and made only of hex digits and dashes', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const { requestId } = await verify({ authorization: basicAuthorization(VECTOR_KEY) });
      expect(requestId).toMatch(UUID);
      ids.add(requestId);
    }
    expect(ids.size).toBe(2000);
  });

  it('never trusts the incoming id when told not to', async () => {
    const strict = createVerifier({ keys: keysFile(), rateLimit: false, trustRequestId: false });
    const result = await strict.verify({ method: 'GET', target: '/', headers: { 'x-request-id': 'req_12345678' } });
    expect(result.requestId).not.toBe('req_12345678');
  });

  // Issue 8, finding 3: `Authorization: Basic<TAB>…` with `X-Request-Id: <the key>` echoed the key.
  it.each([
    ['a TAB', '\t'],
    ['a TAB and spaces', ' \t '],
    ['a vertical tab', '\v'],
    ['a form feed', '\f'],
  ])('never echoes a Basic key whose header separates scheme and credentials with %s', async (_name, separator) => {
    const token = basicAuthorization(VECTOR_KEY).slice('Basic '.length);
    for (const id of [VECTOR_KEY, token, `id-${VECTOR_KEY}`]) {
      const result = await verify({ authorization: `Basic${separator}${token}`, 'x-request-id': id });
      expect(result.requestId, `x-request-id ${JSON.stringify(id.slice(0, 12))}… came back`).toMatch(UUID);
      expectNoLeak(result, VECTOR_KEY, token);
    }
  });

  it('never echoes a public or secret key whose Bearer header is separated by a TAB', async () => {
    for (const id of [VECTOR_PUBLIC, VECTOR_SECRET]) {
      const result = await verify({ ...pairHeaders(), authorization: `Bearer\t${VECTOR_PUBLIC}`, 'x-request-id': id });
      expect(result.requestId).toMatch(UUID);
      expectNoLeak(result, VECTOR_PUBLIC, VECTOR_SECRET);
    }
  });

  it('never echoes a secret sent in the secret header or a signature sent in the signature header', async () => {
    const signature = 'a'.repeat(64);
    const secret = await verify({ ...pairHeaders(), 'x-request-id': VECTOR_SECRET });
    expect(secret.requestId).toMatch(UUID);
    const signed = await verify({
      ...pairHeaders(),
      'x-pelago-timestamp': '1764043200000',
      'x-pelago-signature': signature,
      'x-request-id': signature,
    });
    expect(signed.requestId).toMatch(UUID);
  });

  // Found by the property test: `=` cannot stand in a request id, so `v2=` used to hide the hex behind it.
  it('never echoes the hex of a v2 signature, alone or inside a longer id', async () => {
    const hex = 'ab'.repeat(32);
    for (const id of [hex, `req-${hex}-1`, hex.slice(0, 20)]) {
      const result = await verify({
        ...pairHeaders(),
        'x-pelago-timestamp': '1764043200000',
        'x-pelago-signature': `v2=${hex}`,
        'x-request-id': id,
      });
      expect(result.requestId, `x-request-id ${id.slice(0, 16)}… came back`).toMatch(UUID);
    }
  });

  it('still reuses an unrelated id beside a v2 signature', async () => {
    const result = await verify({
      ...pairHeaders(),
      'x-pelago-timestamp': '1764043200000',
      'x-pelago-signature': `v2=${'ab'.repeat(32)}`,
      'x-request-id': 'req_v2_12345678',
    });
    expect(result.requestId).toBe('req_v2_12345678');
  });

  // The attacker's review after the fix for finding 3: any character where the space belongs hid the key too.
  it.each(['=', ',', ';', ':', '"', '+', '/', '!', '.', '(', 'x', 'Basic '])(
    'never echoes a Basic key framed as "Basic%scredentials"',
    async (separator) => {
      const token = Buffer.from(`${VECTOR_KEY}:`).toString('base64');
      for (const id of [VECTOR_KEY, `trace-${VECTOR_KEY}-1`, VECTOR_KEY.slice(3, 20)]) {
        const result = await verify({ authorization: `Basic${separator}${token}`, 'x-request-id': id });
        expect(result.requestId).toMatch(UUID);
      }
    },
  );

  it('never echoes a signature whose case differs from the id', async () => {
    const hex = 'ab'.repeat(32);
    const result = await verify({
      authorization: `Bearer ${VECTOR_PUBLIC}`,
      'x-api-secret': VECTOR_SECRET,
      'x-pelago-timestamp': '1764043200000',
      'x-pelago-signature': `v2=${hex.toUpperCase()}`,
      'x-request-id': hex,
    });
    expect(result.requestId).toMatch(UUID);
  });
});

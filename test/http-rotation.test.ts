/**
 * Key rotation (issue 10, item 2; DESIGN.md Part 2, "Key format, generation and rotation"), through the real
 * adapters on Express 5, Express 4, Koa 3 and Koa 2: a pair holding two secrets accepts either — as
 * `X-Api-Secret` and as the key of v1 and v2 signatures — until the old one's `notAfter`, read with the
 * verifier's clock; then only the new one.
 */
import { generateKeyPair, type KeysFile } from '@keygate/core';
import request from 'supertest';
import { describe, it } from 'vitest';
import { VECTOR_NOW, expectAdmitted, expectRejection, signedHeaders, signedHeadersV2 } from './support/fixtures.js';
import { buildApp, frameworks } from './support/servers.js';

const { publicKey, secretKey: oldSecret } = generateKeyPair('live');
const newSecret = generateKeyPair('live').secretKey;
const OLD_ENDS = VECTOR_NOW + 7 * 24 * 3600 * 1000;

const rotating: KeysFile = {
  tenants: [{ id: 'acme' }],
  keys: [
    {
      id: 'key_rotating',
      tenant: 'acme',
      publicKey,
      secretKeys: [{ secretKey: newSecret }, { secretKey: oldSecret, notAfter: new Date(OLD_ENDS).toISOString() }],
    },
  ],
};

describe.each(frameworks)('key rotation — $name', (fw) => {
  const setup = () => {
    const clock = { now: VECTOR_NOW };
    const app = buildApp(fw, { keys: rotating, now: () => clock.now });
    const unsigned = (secret: string) =>
      request(app.handler)
        .get('/echo')
        .set({ authorization: `Bearer ${publicKey}`, 'x-api-secret': secret });
    const signed = (presented: string, signingSecret: string, version: 'v1' | 'v2') => {
      const body = `{"at":${clock.now},"v":"${version}"}`;
      const sign = version === 'v1' ? signedHeaders : signedHeadersV2;
      const headers = sign(
        { publicKey, secretKey: signingSecret },
        { method: 'POST', path: '/echo', body, timestamp: clock.now },
      );
      return request(app.handler)
        .post('/echo')
        .set({ ...headers, 'x-api-secret': presented })
        .set('Content-Type', 'application/json')
        .send(body);
    };
    return { clock, unsigned, signed };
  };

  it('accepts the old and the new secret until the old one ends, as X-Api-Secret and for v1 and v2 signatures', async () => {
    const { clock, unsigned, signed } = setup();
    for (const secret of [newSecret, oldSecret]) expectAdmitted(await unsigned(secret));
    for (const version of ['v1', 'v2'] as const) {
      for (const secret of [newSecret, oldSecret]) {
        clock.now += 1;
        expectAdmitted(await signed(secret, secret, version));
      }
      // Signed with the old secret while presenting the new one (a client half-way through its update).
      clock.now += 1;
      expectAdmitted(await signed(newSecret, oldSecret, version));
    }
  });

  it('accepts only the new secret once the old one has ended (verifier clock)', async () => {
    const { clock, unsigned, signed } = setup();
    clock.now = OLD_ENDS;
    expectRejection(await unsigned(oldSecret), 401, 'INVALID_API_KEY');
    expectAdmitted(await unsigned(newSecret));
    for (const version of ['v1', 'v2'] as const) {
      clock.now += 1;
      expectRejection(await signed(newSecret, oldSecret, version), 401, 'INVALID_SIGNATURE');
      clock.now += 1;
      expectAdmitted(await signed(newSecret, newSecret, version));
    }
  });
});

import type { KeysFile } from '../src/index.js';

export { basicHeaderVectors, signatureVectors, type BasicHeaderVector, type SignatureVector } from '../../../test/support/vectors.js';

export const VECTOR_KEY = 'pk_live_VectorKeyForKeygateTests01';
export const VECTOR_SECRET = 'sk_test_VectorSecretForKeygateTests01';
export const VECTOR_PUBLIC = 'pk_test_VectorPublicKeyForKeygate01';
export const VECTOR_TIME = 1764043200000;

export function keysFile(): KeysFile {
  return {
    tenants: [
      { id: 'acme', status: 'active' },
      { id: 'globex', status: 'suspended' },
    ],
    keys: [
      { id: 'key_vector', tenant: 'acme', key: VECTOR_KEY },
      { id: 'key_revoked', tenant: 'acme', key: 'pk_live_RevokedKey000000000001', revoked: true },
      { id: 'key_expired', tenant: 'acme', key: 'pk_live_ExpiredKey000000000001', expiresAt: '2020-01-01T00:00:00Z' },
      { id: 'key_future', tenant: 'acme', key: 'pk_live_FutureExpiry0000000001', expiresAt: '2999-01-01T00:00:00Z' },
      { id: 'key_suspended', tenant: 'globex', key: 'pk_live_SuspendedTenant0000001' },
      { id: 'key_plain', tenant: 'acme', key: 'plainkey-without-prefix-01' },
      { id: 'key_pair', tenant: 'acme', publicKey: VECTOR_PUBLIC, secretKey: VECTOR_SECRET },
      { id: 'key_live_pair', tenant: 'acme', publicKey: 'pk_live_LivePublic0000000001', secretKey: 'sk_live_LiveSecret0000000001' },
      {
        id: 'key_read',
        tenant: 'acme',
        publicKey: 'pk_test_ReadOnlyPublic000001',
        secretKey: 'sk_test_ReadOnlySecret000001',
        scopes: ['payments:read'],
        rateLimit: { limit: 2, windowSeconds: 10 },
      },
    ],
  };
}

/** A clock the test moves by hand. */
export function manualClock(start = VECTOR_TIME) {
  let now = start;
  return { now: () => now, set: (value: number) => void (now = value), advance: (ms: number) => void (now += ms) };
}

import { expect } from 'vitest';
import {
  signRequest,
  type KeysFile,
  type RequestInput,
  type SignatureVersion,
  type VerifyResult,
} from '../src/index.js';

export {
  basicHeaderVectors,
  signatureVectors,
  signatureV2Vectors,
  type BasicHeaderVector,
  type SignatureVector,
  type SignatureV2Vector,
} from '../../../test/support/vectors.js';

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
      {
        id: 'key_live_pair',
        tenant: 'acme',
        publicKey: 'pk_live_LivePublic0000000001',
        secretKey: 'sk_live_LiveSecret0000000001',
      },
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

/** What came back, as one string a failing `expect` prints: `'ok'` or the error code. */
export function codeOf(result: VerifyResult): string {
  return result.ok ? 'ok' : result.error.code;
}

/** `'ok'`, or `CODE:reason` when the error's details carry a reason (signature and timestamp failures). */
export function reasonOf(result: VerifyResult): string {
  if (result.ok) return 'ok';
  const details = result.error.details as { reason?: unknown };
  return details.reason === undefined ? result.error.code : `${result.error.code}:${String(details.reason)}`;
}

/** Everything a client would see of a result: the envelope (or the auth context) and the headers. */
export function visibleText(result: VerifyResult): string {
  const body = result.ok ? { auth: result.auth, requestId: result.requestId } : result.error.toJSON();
  return `${JSON.stringify(body)}\n${JSON.stringify(result.headers)}\n${result.ok ? '' : result.error.message}`;
}

/** Fails, naming the credential (its start only), when any of `secrets` appears in what a client would see. */
export function expectNoLeak(result: VerifyResult, ...secrets: string[]): void {
  const visible = visibleText(result);
  for (const secret of secrets) {
    expect(visible.includes(secret), `the answer echoes the credential ${JSON.stringify(secret.slice(0, 12))}…`).toBe(
      false,
    );
  }
}

/** `Authorization: Bearer pk_…` + `x-api-secret: sk_…` (lower-case names, as Node gives them). */
export const pairHeaders = (publicKey = VECTOR_PUBLIC, secret = VECTOR_SECRET): Record<string, string> => ({
  authorization: `Bearer ${publicKey}`,
  'x-api-secret': secret,
});

/** The test pair's request, signed over exactly (method, target, body) at `timestamp` with `version`. */
export function signed(
  method: string,
  target: string,
  body: string,
  options: { secret?: string; timestamp?: number; version?: SignatureVersion; publicKey?: string } = {},
): RequestInput & { headers: Record<string, string | undefined> } {
  const { secret = VECTOR_SECRET, timestamp = VECTOR_TIME, version, publicKey = VECTOR_PUBLIC } = options;
  const signature = signRequest({ method, path: target, body, secret, timestamp, version });
  return {
    method,
    target,
    body,
    headers: {
      ...pairHeaders(publicKey, publicKey === VECTOR_PUBLIC ? VECTOR_SECRET : pairSecretOf(publicKey)),
      'x-pelago-timestamp': signature['X-Pelago-Timestamp'],
      'x-pelago-signature': signature['X-Pelago-Signature'],
    },
  };
}

/** The secret key of a pair of `keysFile()`, by its public key. */
export function pairSecretOf(publicKey: string): string {
  const entry = keysFile().keys.find((key) => key.publicKey === publicKey);
  if (entry?.secretKey === undefined) throw new Error(`no pair ${publicKey} in keysFile()`);
  return entry.secretKey;
}

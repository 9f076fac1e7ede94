/**
 * Keys, key pairs and the shared test vectors used by the HTTP tests, plus the assertions every rejection
 * must pass (envelope shape, request id, WWW-Authenticate, no credential echoed).
 */
import { createHash, createHmac } from 'node:crypto';
import { basicAuthorization, signRequest, type KeysFile } from '@keygate/core';
import { expect } from 'vitest';
import { VECTOR_NOW } from './vectors.js';

// The test vectors (test/vectors, copied from the design), loaded in vectors.ts.
export {
  basicHeaderVectors,
  signatureVectors,
  signatureV2Vectors,
  VECTOR_NOW,
  type BasicHeaderVector,
  type SignatureVector,
  type SignatureV2Vector,
} from './vectors.js';

// ---------------------------------------------------------------------------------------------------------
// Credentials

/** Basic-auth API keys (the Basic username, empty password). */
export const BASIC = {
  /** The key of basic-headers.json; active tenant, unrestricted. */
  valid: 'pk_live_VectorKeyForKeygateTests01',
  revoked: 'pk_live_RevokedKeyForKeygateTests01',
  expired: 'pk_live_ExpiredKeyForKeygateTests01',
  /** Expires in 2099: must still work. */
  notYetExpired: 'pk_live_FutureExpiryKeyForKeygateTests01',
  /** Belongs to the suspended tenant. */
  suspended: 'pk_live_SuspendedTenantKeyForKeygate01',
  /** Stored only as `keyHash` (environment declared `live`). */
  hashed: 'pk_live_HashedKeyForKeygateTests01',
  /** A sandbox Basic key. */
  test: 'pk_test_SandboxBasicKeyForKeygate01',
  /** Per-key rate limit override: 2 per 60 s. */
  limited: 'pk_live_LimitedKeyForKeygateTests01',
  /** Scopes ['payments:read'] only. */
  readOnly: 'pk_live_ReadOnlyBasicKeyForKeygate01',
  /** Never stored. */
  unknown: 'pk_live_UnknownKeyForKeygateTests01',
} as const;

export interface Pair {
  id: string;
  publicKey: string;
  secretKey: string;
}

/** Key pairs. */
export const PAIRS = {
  /** Sandbox pair whose secret is the one of signatures.json; unrestricted. */
  test: {
    id: 'pair_test',
    publicKey: 'pk_test_VectorPublicKeyForKeygateTests01',
    secretKey: 'sk_test_VectorSecretForKeygateTests01',
  },
  /** Production pair; unrestricted. */
  live: {
    id: 'pair_live',
    publicKey: 'pk_live_LivePublicKeyForKeygateTests01',
    secretKey: 'sk_live_LiveSecretKeyForKeygateTests01',
  },
  /** Sandbox pair with scopes ['payments:read']. */
  readOnly: {
    id: 'pair_readonly',
    publicKey: 'pk_test_ReadOnlyPublicKeyForKeygate01',
    secretKey: 'sk_test_ReadOnlySecretKeyForKeygate01',
  },
  /** Sandbox pair of the suspended tenant. */
  suspended: {
    id: 'pair_suspended',
    publicKey: 'pk_test_SuspendedPublicKeyForKeygate01',
    secretKey: 'sk_test_SuspendedSecretKeyForKeygate01',
  },
  /** Sandbox pair, revoked. */
  revoked: {
    id: 'pair_revoked',
    publicKey: 'pk_test_RevokedPublicKeyForKeygate01',
    secretKey: 'sk_test_RevokedSecretKeyForKeygate01',
  },
  /** Sandbox pair with a per-key rate limit of 2 per 60 s. */
  limited: {
    id: 'pair_limited',
    publicKey: 'pk_test_LimitedPublicKeyForKeygate01',
    secretKey: 'sk_test_LimitedSecretKeyForKeygate01',
  },
} as const satisfies Record<string, Pair>;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export const keysFile: KeysFile = {
  tenants: [
    { id: 'acme', status: 'active' },
    { id: 'globex', status: 'suspended' },
  ],
  keys: [
    { id: 'key_basic', tenant: 'acme', key: BASIC.valid },
    { id: 'key_revoked', tenant: 'acme', key: BASIC.revoked, revoked: true },
    { id: 'key_expired', tenant: 'acme', key: BASIC.expired, expiresAt: '2020-01-01T00:00:00Z' },
    { id: 'key_future', tenant: 'acme', key: BASIC.notYetExpired, expiresAt: '2099-01-01T00:00:00Z' },
    { id: 'key_suspended', tenant: 'globex', key: BASIC.suspended },
    { id: 'key_hashed', tenant: 'acme', keyHash: `sha256:${sha256(BASIC.hashed)}`, environment: 'live' },
    { id: 'key_sandbox', tenant: 'acme', key: BASIC.test },
    { id: 'key_limited', tenant: 'acme', key: BASIC.limited, rateLimit: { limit: 2, windowSeconds: 60 } },
    { id: 'key_readonly', tenant: 'acme', key: BASIC.readOnly, scopes: ['payments:read'] },
    { id: PAIRS.test.id, tenant: 'acme', publicKey: PAIRS.test.publicKey, secretKey: PAIRS.test.secretKey },
    { id: PAIRS.live.id, tenant: 'acme', publicKey: PAIRS.live.publicKey, secretKey: PAIRS.live.secretKey },
    {
      id: PAIRS.readOnly.id,
      tenant: 'acme',
      publicKey: PAIRS.readOnly.publicKey,
      secretKey: PAIRS.readOnly.secretKey,
      scopes: ['payments:read'],
    },
    {
      id: PAIRS.suspended.id,
      tenant: 'globex',
      publicKey: PAIRS.suspended.publicKey,
      secretKey: PAIRS.suspended.secretKey,
    },
    {
      id: PAIRS.revoked.id,
      tenant: 'acme',
      publicKey: PAIRS.revoked.publicKey,
      secretKey: PAIRS.revoked.secretKey,
      revoked: true,
    },
    {
      id: PAIRS.limited.id,
      tenant: 'acme',
      publicKey: PAIRS.limited.publicKey,
      secretKey: PAIRS.limited.secretKey,
      rateLimit: { limit: 2, windowSeconds: 60 },
    },
  ],
};

/** Every credential in the fixtures: none may ever appear in a response. */
export const ALL_SECRETS: readonly string[] = [
  ...Object.values(BASIC),
  ...Object.values(PAIRS).flatMap((pair) => [pair.publicKey, pair.secretKey]),
];

/** `Authorization` for a Basic key, as `curl -u "KEY:"` sends it. */
export const basic = (key: string): Record<string, string> => ({ authorization: basicAuthorization(key) });

/** `Authorization: Bearer pk_…` + `X-Api-Secret: sk_…`. */
export const pairHeaders = (pair: { publicKey: string; secretKey: string }): Record<string, string> => ({
  authorization: `Bearer ${pair.publicKey}`,
  'x-api-secret': pair.secretKey,
});

/** Pair headers plus a v1 signature (keygate's `signRequest`) over exactly (method, path, body) at `timestamp`. */
export function signedHeaders(
  pair: { publicKey: string; secretKey: string },
  request: { method: string; path: string; body?: string | Buffer; timestamp?: number },
): Record<string, string> {
  const { method, path, body, timestamp = VECTOR_NOW } = request;
  return {
    ...pairHeaders(pair),
    ...lowerCaseKeys(signRequest({ method, path, body, secret: pair.secretKey, timestamp })),
  };
}

/**
 * Pair headers plus a v2 signature over exactly (method, path, body) at `timestamp`, computed from the contract
 * with node:crypto (`v2\n${timestamp}\n${METHOD}\n${path}\n${sha256hex(body)}`), not with keygate's code.
 */
export function signedHeadersV2(
  pair: { publicKey: string; secretKey: string },
  request: { method: string; path: string; body?: string | Buffer; timestamp?: number },
): Record<string, string> {
  const { method, path, body = '', timestamp = VECTOR_NOW } = request;
  const payload = `v2\n${timestamp}\n${method.toUpperCase()}\n${path}\n${createHash('sha256').update(body).digest('hex')}`;
  return {
    ...pairHeaders(pair),
    'x-pelago-timestamp': String(timestamp),
    'x-pelago-signature': `v2=${hmacHex(pair.secretKey, payload)}`,
  };
}

/** The HMAC the contract defines, computed independently of keygate's `signRequest`. */
export function hmacHex(secret: string, payload: string | Buffer): string {
  return createHmac('sha256', secret).update(payload).digest('hex');
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

// ---------------------------------------------------------------------------------------------------------
// Assertions

/** The part of a supertest (or raw) response the assertions read. */
export interface ResponseLike {
  status: number;
  headers: Record<string, unknown>;
  text: string;
}

export interface ErrorEnvelopeBody {
  success: false;
  error: { message: string; code: string; details: Record<string, unknown> };
  requestId: string;
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * What came back, in one comparable string: `"401 INVALID_SIGNATURE"` for an envelope, `"200"` otherwise, so that
 * a failed expectation shows both the status and the code.
 */
export function outcome(res: ResponseLike): string {
  try {
    const code = (JSON.parse(res.text) as { error?: { code?: unknown } } | null)?.error?.code;
    if (typeof code === 'string') return `${res.status} ${code}`;
  } catch {
    // not JSON: the status alone
  }
  return String(res.status);
}

/** No credential (given, or any of the fixtures') appears in the body or any header of the response. */
export function expectNoCredentialLeak(res: ResponseLike, presented: readonly string[] = []): void {
  const everything = `${res.text}\n${JSON.stringify(res.headers)}`;
  for (const secret of new Set([...presented, ...ALL_SECRETS])) {
    if (secret.length < 4) continue;
    expect(everything.includes(secret), `response echoes the credential ${JSON.stringify(secret.slice(0, 12))}…`).toBe(
      false,
    );
  }
}

/**
 * A keygate rejection: status, code, the exact envelope `{ success, error: { message, code, details }, requestId }`,
 * `x-request-id` equal to `requestId`, `WWW-Authenticate` on 401 (none otherwise) and no credential echoed.
 */
export function expectRejection(
  res: ResponseLike,
  status: number,
  code: string,
  options: { presented?: readonly string[]; wwwAuthenticate?: boolean } = {},
): ErrorEnvelopeBody {
  expect(outcome(res), res.text.slice(0, 300)).toBe(`${status} ${code}`);
  expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
  const body = JSON.parse(res.text) as ErrorEnvelopeBody;
  expect(Object.keys(body).sort()).toEqual(['error', 'requestId', 'success']);
  expect(body.success).toBe(false);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'details', 'message']);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(typeof body.error.details).toBe('object');
  expect(body.error.details).not.toBeNull();
  expect(Array.isArray(body.error.details)).toBe(false);
  expect(typeof body.requestId).toBe('string');
  expect(body.requestId.length).toBeGreaterThan(0);
  expect(res.headers['x-request-id']).toBe(body.requestId);
  if (status === 401 && options.wwwAuthenticate !== false) {
    expect(res.headers['www-authenticate'], 'a 401 carries WWW-Authenticate').toEqual(
      expect.stringMatching(/^(Basic|Bearer) realm="/),
    );
  }
  if (status !== 401) expect(res.headers['www-authenticate']).toBeUndefined();
  expectNoCredentialLeak(res, options.presented);
  return body;
}

/** A request keygate admitted: 200, x-request-id equal to auth.requestId, rate-limit headers when limited. */
export function expectAdmitted(
  res: ResponseLike,
  options: { rateLimited?: boolean } = {},
): { auth: Record<string, unknown>; body: unknown; target: string; route: string } {
  expect(outcome(res), res.text.slice(0, 400)).toBe('200');
  const body = JSON.parse(res.text) as { auth: Record<string, unknown>; body: unknown; target: string; route: string };
  expect(body.auth).not.toBeNull();
  expect(res.headers['x-request-id']).toBe(body.auth.requestId);
  if (options.rateLimited !== false) {
    expect(res.headers['x-ratelimit-limit']).toMatch(/^\d+$/);
    expect(res.headers['x-ratelimit-remaining']).toMatch(/^\d+$/);
    expect(res.headers['x-ratelimit-reset']).toMatch(/^\d+$/);
  }
  expect(res.headers['www-authenticate']).toBeUndefined();
  expectNoCredentialLeak(res);
  return body;
}

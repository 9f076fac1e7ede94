import { describe, expect, it } from 'vitest';
import {
  basicAuthorization,
  createVerifier,
  ERROR_STATUS,
  isKeygateError,
  KeygateError,
  type AnyKeygateError,
  type DecisionStore,
  type ErrorCode,
  type SignatureFailure,
  type TimestampFailure,
  type TokenFailure,
  type VerifyResult,
} from '../src/index.js';
import { codeOf, keysFile, signed, VECTOR_KEY, VECTOR_TIME } from './helpers.js';

/**
 * Compile-time check (issue 9): `switch (error.code)` narrows `error.details`. Each case reads a field that only
 * its code has; without narrowing this function would not compile (`pnpm typecheck` runs on this file), and the
 * `@ts-expect-error` lines prove that a field is not readable before narrowing, nor on another code.
 */
function explain(error: AnyKeygateError): string {
  // @ts-expect-error before narrowing, details.reason is not on every code's details
  if (error.details.reason === 'never') return 'unreachable';
  switch (error.code) {
    case 'INVALID_SIGNATURE': {
      const reason: SignatureFailure = error.details.reason;
      return `signature ${reason}`;
    }
    case 'TIMESTAMP_OUT_OF_RANGE': {
      const reason: TimestampFailure = error.details.reason;
      const skew: number | undefined = error.details.skewMs;
      const window: number = error.details.windowMs;
      const server: number = error.details.serverTimeMs;
      return `timestamp ${reason} skew=${skew ?? '?'} window=${window} server=${server}`;
    }
    case 'INSUFFICIENT_SCOPE': {
      const missing: string[] = error.details.missingScopes;
      return `missing ${missing.join(',')} of ${error.details.requiredScopes.join(',')}`;
    }
    case 'REQUEST_TIMEOUT': {
      const timeout: number = error.details.timeoutMs;
      // @ts-expect-error REQUEST_TIMEOUT's details are { timeoutMs }, not BODY_TOO_LARGE's { maxBytes }
      if (error.details.maxBytes !== undefined) return 'unreachable';
      return `timeout ${timeout}`;
    }
    case 'BODY_TOO_LARGE': {
      const max: number = error.details.maxBytes;
      return `max ${max}`;
    }
    case 'INVALID_TOKEN': {
      const reason: TokenFailure = error.details.reason;
      return `token ${reason}`;
    }
    case 'AUTH_UNAVAILABLE': {
      const status: 503 = error.status;
      return `${status} ${JSON.stringify(error.details)}`;
    }
    case 'INVALID_API_KEY':
    case 'TENANT_INACTIVE':
    case 'ENVIRONMENT_MISMATCH':
    case 'REPLAYED_REQUEST':
    case 'RATE_LIMIT_EXCEEDED':
    case 'TOO_MANY_FAILED_ATTEMPTS':
    case 'RAW_BODY_UNAVAILABLE':
      return error.code;
    default: {
      const exhaustive: never = error;
      return exhaustive;
    }
  }
}

// The constructor asks for the details a code has, and only those.
// @ts-expect-error INVALID_SIGNATURE needs details.reason
export const missingDetails = () => new KeygateError('INVALID_SIGNATURE');
// @ts-expect-error REQUEST_TIMEOUT details are { timeoutMs }
export const wrongDetails = () => new KeygateError('REQUEST_TIMEOUT', { details: { maxBytes: 1 } });

const ONE_OF_EACH: AnyKeygateError[] = [
  new KeygateError('INVALID_API_KEY'),
  new KeygateError('TENANT_INACTIVE'),
  new KeygateError('ENVIRONMENT_MISMATCH'),
  new KeygateError('INVALID_SIGNATURE', { details: { reason: 'mismatch' } }),
  new KeygateError('TIMESTAMP_OUT_OF_RANGE', {
    details: { reason: 'too-old', serverTimeMs: 2, skewMs: -1, windowMs: 1 },
  }),
  new KeygateError('REPLAYED_REQUEST'),
  new KeygateError('INVALID_TOKEN', { details: { reason: 'expired' } }),
  new KeygateError('INSUFFICIENT_SCOPE', { details: { missingScopes: ['a'], requiredScopes: ['a', 'b'] } }),
  new KeygateError('REQUEST_TIMEOUT', { details: { timeoutMs: 10 } }),
  new KeygateError('BODY_TOO_LARGE', { details: { maxBytes: 5 } }),
  new KeygateError('RATE_LIMIT_EXCEEDED'),
  new KeygateError('TOO_MANY_FAILED_ATTEMPTS'),
  new KeygateError('RAW_BODY_UNAVAILABLE'),
  new KeygateError('AUTH_UNAVAILABLE'),
];

describe('typed errors (issue 9)', () => {
  it('every code is covered here, with the status of the table', () => {
    expect(ONE_OF_EACH.map((error) => error.code).sort()).toEqual((Object.keys(ERROR_STATUS) as ErrorCode[]).sort());
    for (const error of ONE_OF_EACH)
      expect([error.code, error.status, error.statusCode]).toEqual([
        error.code,
        ERROR_STATUS[error.code],
        ERROR_STATUS[error.code],
      ]);
  });

  it('expose is true for 4xx and false for 5xx (Koa-style handlers hide 5xx messages)', () => {
    const exposed = Object.fromEntries(ONE_OF_EACH.map((error) => [error.code, error.expose]));
    expect(exposed).toEqual(Object.fromEntries(ONE_OF_EACH.map((error) => [error.code, error.status < 500])));
    expect(exposed).toMatchObject({
      RAW_BODY_UNAVAILABLE: false,
      AUTH_UNAVAILABLE: false,
      INVALID_API_KEY: true,
      REQUEST_TIMEOUT: true,
    });
  });

  it('switch (error.code) narrows the details (see explain() above)', () => {
    expect(ONE_OF_EACH.map(explain)).toEqual([
      'INVALID_API_KEY',
      'TENANT_INACTIVE',
      'ENVIRONMENT_MISMATCH',
      'signature mismatch',
      'timestamp too-old skew=-1 window=1 server=2',
      'REPLAYED_REQUEST',
      'token expired',
      'missing a of a,b',
      'timeout 10',
      'max 5',
      'RATE_LIMIT_EXCEEDED',
      'TOO_MANY_FAILED_ATTEMPTS',
      'RAW_BODY_UNAVAILABLE',
      '503 {}',
    ]);
  });

  it('a verifier rejection narrows the same way, and the envelope carries the typed details', async () => {
    const verifier = createVerifier({ keys: keysFile(), rateLimit: false, now: () => VECTOR_TIME });
    const result: VerifyResult = await verifier.verify(
      signed('POST', '/v1/payments', '{}', { timestamp: VECTOR_TIME + 301_000 }),
    );
    expect(result.ok ? 'ok' : explain(result.error)).toBe(
      `timestamp too-new skew=301000 window=300000 server=${VECTOR_TIME}`,
    );
    expect(result.ok ? 'ok' : result.error.toJSON()).toEqual({
      success: false,
      error: {
        message: expect.any(String),
        code: 'TIMESTAMP_OUT_OF_RANGE',
        details: { reason: 'too-new', serverTimeMs: VECTOR_TIME, skewMs: 301_000, windowMs: 300_000 },
      },
      requestId: result.requestId,
    });
    expect(isKeygateError(result.ok ? undefined : result.error)).toBe(true);
    expect(isKeygateError(new Error('x'))).toBe(false);
  });

  it('a 503 from the verifier is not exposed; a 401 is', async () => {
    const broken: DecisionStore = { decide: () => Promise.reject(new Error('down')) };
    const verifier = createVerifier({ keys: keysFile(), store: broken, onStoreError: () => {} });
    const unavailable = await verifier.verify({
      method: 'GET',
      target: '/',
      headers: { authorization: basicAuthorization(VECTOR_KEY) },
    });
    expect(codeOf(unavailable)).toBe('AUTH_UNAVAILABLE');
    expect(unavailable.ok ? 'ok' : [unavailable.error.status, unavailable.error.expose]).toEqual([503, false]);
    const unknown = await verifier.verify({ method: 'GET', target: '/', headers: {} });
    expect(unknown.ok ? 'ok' : [unknown.error.status, unknown.error.expose]).toEqual([401, true]);
  });

  it('details default to {} for codes without details', () => {
    expect(new KeygateError('INVALID_API_KEY').toJSON().error.details).toEqual({});
  });
});

/** Verifies a compact JWT with jose and turns each of jose's refusals into the design's `INVALID_TOKEN` reason. */
import { errors, jwtVerify, type JWTVerifyOptions } from 'jose';
import { KeygateError, type TokenFailure } from '../errors.js';
import type { JwtClaims } from '../types.js';
import type { JwtConfiguration } from './options.js';

/** The `INVALID_TOKEN` refusal for `reason`. */
export function invalidToken(reason: TokenFailure): KeygateError<'INVALID_TOKEN'> {
  return new KeygateError('INVALID_TOKEN', { details: { reason } });
}

/** Which claim jose found wanting, as the client is told it. */
const CLAIM_FAILURES: Record<string, TokenFailure> = {
  nbf: 'not-yet-valid',
  iat: 'not-yet-valid',
  iss: 'issuer',
  aud: 'audience',
};

/** The reason for one of jose's errors, or `undefined` when it is not a verdict on the token. */
function failureOf(error: unknown): TokenFailure | undefined {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return 'missing-claim';
    return error.reason === 'check_failed' ? (CLAIM_FAILURES[error.claim] ?? 'malformed') : 'malformed';
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature';
  if (error instanceof errors.JWKSNoMatchingKey) return 'unknown-key';
  if (error instanceof errors.JOSEError) return 'malformed';
  return undefined;
}

/**
 * A key set with several keys fitting the token's header (no `kid`): each is tried, as jose documents; any other
 * refusal than a wrong signature (expired, wrong issuer, …) is final.
 */
async function verifyWithEach(
  token: string,
  error: errors.JWKSMultipleMatchingKeys,
  options: JWTVerifyOptions,
): Promise<JwtClaims> {
  for await (const candidate of error) {
    try {
      return (await jwtVerify(token, candidate, options)).payload;
    } catch (inner) {
      if (!(inner instanceof errors.JWSSignatureVerificationFailed)) throw inner;
    }
  }
  throw new errors.JWSSignatureVerificationFailed();
}

/**
 * The verified claims of `token` at `now` (Unix ms, the verifier's clock, so tests need no sleeping). Throws
 * `INVALID_TOKEN` with its reason, or the `JwksUnavailableError` of an unreachable JWKS (answered 503).
 */
export async function verifyJwt(token: string, config: JwtConfiguration, now: number): Promise<JwtClaims> {
  const options: JWTVerifyOptions = { ...config.verifyOptions, currentDate: new Date(now) };
  let claims: JwtClaims;
  try {
    try {
      claims = (await jwtVerify(token, config.key as Parameters<typeof jwtVerify>[1], options)).payload;
    } catch (error) {
      if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error;
      claims = await verifyWithEach(token, error, options);
    }
  } catch (error) {
    const reason = failureOf(error);
    if (reason === undefined) throw error;
    throw invalidToken(reason);
  }
  // jose checks `iat` only for a maximum age: a token issued in the future is not valid yet.
  if (typeof claims.iat === 'number' && claims.iat > now / 1000 + config.clockToleranceSeconds)
    throw invalidToken('not-yet-valid');
  return claims;
}

/** The key a token is verified with: a remote JWKS, a local one, public keys turned into one, or an HMAC secret. */
import { createPublicKey, KeyObject, type JsonWebKey } from 'node:crypto';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type JSONWebKeySet,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';
import { KeygateConfigError } from '../config-error.js';
import type { JwtKeySource } from './options.js';

/** What `jwtVerify` is given: a key-set lookup by the token's header, or the HMAC secret. */
export type TokenKey = JWTVerifyGetKey | Uint8Array;

/**
 * The JWKS endpoint could not be read (down, slow past the timeout, not 200, not a key set). Not the client's
 * fault: the verifier reports it to `onStoreError` and answers 503 `AUTH_UNAVAILABLE`, never 401.
 */
export class JwksUnavailableError extends Error {
  override readonly name = 'JwksUnavailableError';
}

export interface RemoteJwksTiming {
  cooldownMs: number;
  timeoutMs: number;
  cacheMaxAgeMs: number;
}

const MIN_SECRET_BYTES = 32;

function invalid(field: string, message: string): never {
  throw new KeygateConfigError('ERR_KEYGATE_INVALID_VALUE', `keygate: option "jwt.${field}" ${message}`);
}

/** A public JWK, validated now (a bad or private key stops the server at start-up, not a request later). */
function publicJwk(field: string, key: string | JWK | KeyObject): JWK {
  if (key instanceof KeyObject) {
    if (key.type !== 'public') invalid(field, 'must hold public keys only');
    return key.export({ format: 'jwk' }) as JWK;
  }
  if (typeof key === 'string') {
    if (key.includes('PRIVATE KEY')) invalid(field, 'must hold public keys only (a PEM private key was given)');
    try {
      return createPublicKey(key).export({ format: 'jwk' }) as JWK;
    } catch {
      return invalid(field, 'holds a string that is not a PEM public key or certificate');
    }
  }
  if (typeof key !== 'object' || key === null) invalid(field, 'must hold PEM strings, JWKs or KeyObjects');
  if ('d' in key || key.kty === 'oct')
    invalid(field, 'must hold public keys only (a private or symmetric JWK was given)');
  try {
    createPublicKey({ key: key as JsonWebKey, format: 'jwk' });
  } catch {
    invalid(
      field,
      `holds a JWK that is not a usable public key${typeof key.kid === 'string' ? ` (kid "${key.kid}")` : ''}`,
    );
  }
  return { ...key };
}

function localSet(field: string, keys: readonly (string | JWK | KeyObject)[]): JWTVerifyGetKey {
  if (!Array.isArray(keys) || keys.length === 0) invalid(field, 'must be a non-empty array of keys');
  const set: JSONWebKeySet = { keys: keys.map((key, index) => publicJwk(`${field}[${index}]`, key)) };
  return createLocalJWKSet(set);
}

/** A remote set whose fetch failures become `JwksUnavailableError`; "no such key" stays the token's fault. */
function remoteSet(url: string | URL, timing: RemoteJwksTiming): JWTVerifyGetKey {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return invalid('jwksUrl', 'must be an absolute http(s) URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    invalid('jwksUrl', 'must be an absolute http(s) URL');
  const remote = createRemoteJWKSet(parsed, {
    timeoutDuration: timing.timeoutMs,
    cooldownDuration: timing.cooldownMs,
    cacheMaxAge: timing.cacheMaxAgeMs,
  });
  // Named without its query string, which may hold a credential of the issuer's.
  const where = `${parsed.origin}${parsed.pathname}`;
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      const cause =
        error instanceof errors.JWKSTimeout ? `no answer within ${timing.timeoutMs} ms` : (error as Error)?.message;
      throw new JwksUnavailableError(`JWKS ${where} unavailable: ${cause}`, { cause: error });
    }
  };
}

/** Builds the key of the configured source once, at start-up. */
export function keySource(options: JwtKeySource, timing: RemoteJwksTiming): TokenKey {
  if (options.jwksUrl !== undefined) return remoteSet(options.jwksUrl, timing);
  if (options.jwks !== undefined) {
    const keys = (options.jwks as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(keys)) invalid('jwks', 'must be a JWKS: { keys: [...] }');
    return localSet('jwks.keys', keys as JWK[]);
  }
  if (options.publicKeys !== undefined) return localSet('publicKeys', options.publicKeys);
  const secret = typeof options.secret === 'string' ? new TextEncoder().encode(options.secret) : options.secret;
  if (!(secret instanceof Uint8Array) || secret.byteLength < MIN_SECRET_BYTES) {
    invalid('secret', `must be a string or Uint8Array of at least ${MIN_SECRET_BYTES} bytes`);
  }
  return new Uint8Array(secret);
}

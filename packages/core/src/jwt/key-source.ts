/** The key a token is verified with: a remote JWKS, a local one, public keys turned into one, or an HMAC secret. */
import { createPublicKey, KeyObject, type JsonWebKey } from 'node:crypto';
import { createLocalJWKSet, type JSONWebKeySet, type JWK, type JWTVerifyGetKey } from 'jose';
import { KeygateConfigError } from '../config-error.js';
import type { JwtKeySource } from './options.js';
import { remoteJwks, type RemoteJwksTiming } from './remote-jwks.js';

export { JwksUnavailableError, type RemoteJwksTiming } from './remote-jwks.js';

/** What `jwtVerify` is given: a key-set lookup by the token's header, or the HMAC secret. */
export type TokenKey = JWTVerifyGetKey | Uint8Array;

const MIN_SECRET_BYTES = 32;

function invalid(field: string, message: string): never {
  throw new KeygateConfigError('ERR_KEYGATE_INVALID_VALUE', `keygate: option "jwt.${field}" ${message}`);
}

/** jose refuses a shorter RSA key when it verifies: refused here, so that the mistake stops the start, not every request. */
const MIN_RSA_BITS = 2048;

/** The key of a `publicKeys`/`jwks` entry, as Node reads it (a bad one throws). */
function keyObjectOf(field: string, key: string | JWK | KeyObject): KeyObject {
  if (key instanceof KeyObject) {
    if (key.type !== 'public') invalid(field, 'must hold public keys only');
    return key;
  }
  if (typeof key === 'string') {
    if (key.includes('PRIVATE KEY')) invalid(field, 'must hold public keys only (a PEM private key was given)');
    try {
      return createPublicKey(key);
    } catch {
      return invalid(field, 'holds a string that is not a PEM public key or certificate');
    }
  }
  if (typeof key !== 'object' || key === null) invalid(field, 'must hold PEM strings, JWKs or KeyObjects');
  if ('d' in key || key.kty === 'oct')
    invalid(field, 'must hold public keys only (a private or symmetric JWK was given)');
  try {
    return createPublicKey({ key: key as JsonWebKey, format: 'jwk' });
  } catch {
    return invalid(
      field,
      `holds a JWK that is not a usable public key${typeof key.kid === 'string' ? ` (kid "${key.kid}")` : ''}`,
    );
  }
}

/** A public JWK, validated now (a bad, weak or private key stops the server at start-up, not a request later). */
function publicJwk(field: string, key: string | JWK | KeyObject): JWK {
  const keyObject = keyObjectOf(field, key);
  const bits = keyObject.asymmetricKeyDetails?.modulusLength;
  if (bits !== undefined && bits < MIN_RSA_BITS)
    invalid(field, `holds an RSA key of ${bits} bits (at least ${MIN_RSA_BITS} are needed)`);
  return key instanceof KeyObject || typeof key === 'string'
    ? (keyObject.export({ format: 'jwk' }) as JWK)
    : { ...key };
}

function localSet(field: string, keys: readonly (string | JWK | KeyObject)[]): JWTVerifyGetKey {
  if (!Array.isArray(keys) || keys.length === 0) invalid(field, 'must be a non-empty array of keys');
  const set: JSONWebKeySet = { keys: keys.map((key, index) => publicJwk(`${field}[${index}]`, key)) };
  return createLocalJWKSet(set);
}

/** The `jwksUrl` option: an absolute http(s) URL. */
function jwksUrl(url: string | URL): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return invalid('jwksUrl', 'must be an absolute http(s) URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    invalid('jwksUrl', 'must be an absolute http(s) URL');
  // fetch refuses such a URL on every request, and its error quotes the URL, password included, into the logs.
  if (parsed.username !== '' || parsed.password !== '') invalid('jwksUrl', 'must not hold a user name or password');
  return parsed;
}

/** Builds the key of the configured source once, at start-up. */
export function keySource(options: JwtKeySource, timing: RemoteJwksTiming): TokenKey {
  if (options.jwksUrl !== undefined) return remoteJwks(jwksUrl(options.jwksUrl), timing);
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

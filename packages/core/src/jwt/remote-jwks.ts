/**
 * The issuer's JWKS endpoint, fetched by jose: an answer of bounded size, no retry storm while it fails, and its
 * faults (an empty set, a key jose cannot use) reported as the JWKS's, never turned into 401s.
 */
import { createRemoteJWKSet, customFetch, errors, type FetchImplementation, type JWTVerifyGetKey } from 'jose';

/**
 * The JWKS endpoint could not be read (down, slow past the timeout, not 200, too large, not a key set or an empty
 * one) or served a key jose cannot verify with. Not the client's fault: the verifier reports it to `onStoreError` and answers 503 `AUTH_UNAVAILABLE`, never 401.
 */
export class JwksUnavailableError extends Error {
  override readonly name = 'JwksUnavailableError';
}

export interface RemoteJwksTiming {
  cooldownMs: number;
  timeoutMs: number;
  cacheMaxAgeMs: number;
}

/** A real key set is a few kilobytes; anything near this is not one, and is not read into memory. */
const MAX_JWKS_BYTES = 1024 * 1024;
/** After a failed fetch, the next one waits this long: requests that need the key set meanwhile get 503 at once. */
const JWKS_RETRY_MS = 1000;

/** jose verifies with no shorter RSA key. */
const MIN_RSA_BITS = 2048;

/** Refused without a fetch: the last one failed moments ago. */
class RetryLater extends Error {}

/** `fetch`, reading at most `maxBytes` of a 200 answer (decoded), so an endpoint cannot make the server hold gigabytes. */
function boundedFetch(maxBytes: number): FetchImplementation {
  return async (url, init) => {
    const response = await fetch(url, init);
    if (response.status !== 200 || response.body === null) return response; // jose refuses it
    const tooLarge = () => new Error(`answer larger than ${maxBytes} bytes`);
    if (Number(response.headers.get('content-length')) > maxBytes) {
      await response.body.cancel();
      throw tooLarge();
    }
    const chunks: Uint8Array[] = [];
    let length = 0;
    for await (const chunk of response.body) {
      length += chunk.byteLength;
      if (length > maxBytes) throw tooLarge(); // leaving the loop cancels the stream
      chunks.push(chunk);
    }
    const body = Buffer.concat(chunks);
    // An issuer answering no keys is broken, not saying every token is forged: 503 (counted by no client's failed
    // attempts), and jose keeps the keys it holds.
    if (emptyKeySet(body)) throw new Error('a key set without keys');
    return new Response(body, { status: 200 });
  };
}

function emptyKeySet(body: Buffer): boolean {
  try {
    const { keys } = JSON.parse(body.toString('utf8')) ?? {};
    return Array.isArray(keys) && keys.length === 0;
  } catch {
    return false; // jose refuses it
  }
}

/**
 * A remote set whose fetch failures become `JwksUnavailableError`; "no such key" stays the token's fault. jose
 * shares one fetch among concurrent requests but fetches again for the next request after a failure: while the
 * endpoint fails, fetches are spaced by `JWKS_RETRY_MS` instead of following the request rate.
 */
export function remoteJwks(url: URL, timing: RemoteJwksTiming): JWTVerifyGetKey {
  let failedAt = Number.NEGATIVE_INFINITY;
  const fetchBounded = boundedFetch(MAX_JWKS_BYTES);
  const remote = createRemoteJWKSet(url, {
    timeoutDuration: timing.timeoutMs,
    cooldownDuration: timing.cooldownMs,
    cacheMaxAge: timing.cacheMaxAgeMs,
    [customFetch]: async (href, init) => {
      if (Date.now() - failedAt < JWKS_RETRY_MS)
        throw new RetryLater(`the last fetch failed less than ${JWKS_RETRY_MS} ms ago`);
      return fetchBounded(href, init);
    },
  });
  // Named without its query string, which may hold a credential of the issuer's.
  const where = `${url.origin}${url.pathname}`;
  return async (header, token) => {
    let key: Awaited<ReturnType<typeof remote>>;
    try {
      key = await remote(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      if (!(error instanceof RetryLater)) failedAt = Date.now();
      const cause =
        error instanceof errors.JWKSTimeout ? `no answer within ${timing.timeoutMs} ms` : (error as Error)?.message;
      throw new JwksUnavailableError(`JWKS ${where} unavailable: ${cause}`, { cause: error });
    }
    // jose would refuse it with a TypeError, which the verifier could only report as a key-store failure.
    const bits = (key.algorithm as { modulusLength?: number }).modulusLength;
    if (bits !== undefined && bits < MIN_RSA_BITS)
      throw new JwksUnavailableError(
        `JWKS ${where} serves an RSA key of ${bits} bits (at least ${MIN_RSA_BITS} are needed)`,
      );
    return key;
  };
}

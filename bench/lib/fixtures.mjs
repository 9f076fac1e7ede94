// The credentials, bodies and limits every case shares. Demo values only: never real keys.
import { signRequest } from '@keygate/core';

/** A Basic-auth API key: 40 bytes (`pk_live_` + 32), the size keygate generates. */
export const BASIC_KEY = `pk_live_${'b3nchBasicKey0123456789abcdefghij'}`;
export const PUBLIC_KEY = `pk_live_${'b3nchPublicKey123456789abcdefghi'}`;
export const SECRET_KEY = `sk_live_${'b3nchSecretKey123456789abcdefghi'}`;
export const BASIC_AUTHORIZATION = `Basic ${Buffer.from(`${BASIC_KEY}:`).toString('base64')}`;

/**
 * The per-key limit of the HTTP cases, for keygate and express-rate-limit alike: 100 000 per 1 s window.
 * One bench key never reaches it (≤ ~30 000 req/s here), so nothing is refused, yet keygate's sliding log is
 * in steady state: every request evicts the admission that left the window and records its own, holding
 * ~rate × 1 s timestamps. (A limit like 1e9 would make the memory store account 8 GB for the key, over its
 * 64 MiB bound, so lru-cache would never keep the log and the limiter would do no real work.)
 */
export const HTTP_LIMIT = { limit: 100_000, windowSeconds: 1 };

/** What the no-op middleware sets: keygate's 4 headers on an admitted request, with values of the same length. */
export const NOOP_HEADERS = {
  'x-request-id': '3f0c2a9e-7b1d-4c55-9e8a-0d6b2f4a1c7e',
  'x-ratelimit-limit': String(HTTP_LIMIT.limit),
  'x-ratelimit-remaining': String(HTTP_LIMIT.limit - 1),
  'x-ratelimit-reset': '1764043200',
};

/** Keys-file data for the HTTP servers and the micro cases. */
export function keysFile() {
  return {
    tenants: [{ id: 'acme' }],
    keys: [
      { id: 'bench_basic', tenant: 'acme', key: BASIC_KEY },
      { id: 'bench_pair', tenant: 'acme', publicKey: PUBLIC_KEY, secretKey: SECRET_KEY },
    ],
  };
}

export const SIGNED_PATH = '/v1/payments';
export const BODY_BYTES = 200;

/** A 200-byte JSON body, unique per `nonce` (so two requests signed in the same millisecond still differ). */
export function jsonBody(nonce) {
  const head = `{"amount":1999,"currency":"EUR","reference":"${nonce}","description":"`;
  const tail = '"}';
  return head + 'x'.repeat(BODY_BYTES - head.length - tail.length) + tail;
}

/**
 * Headers of one signed key-pair request (what a client following the published sample sends), with
 * lower-case names as Node hands them to the verifier.
 */
export function signedHeaders(body, timestamp = Date.now(), version = 'v1') {
  const signature = signRequest({ method: 'POST', path: SIGNED_PATH, body, secret: SECRET_KEY, timestamp, version });
  const headers = {
    authorization: `Bearer ${PUBLIC_KEY}`,
    'x-api-secret': SECRET_KEY,
    'content-type': 'application/json',
  };
  for (const [name, value] of Object.entries(signature)) headers[name.toLowerCase()] = value;
  return headers;
}

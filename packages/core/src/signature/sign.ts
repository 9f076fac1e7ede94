import { hmacKey } from './hmac.js';
import { signV1 } from './v1.js';
import { signV2 } from './v2.js';

export const DEFAULT_TIMESTAMP_HEADER = 'X-Pelago-Timestamp';
export const DEFAULT_SIGNATURE_HEADER = 'X-Pelago-Signature';

export type SignatureVersion = 'v1' | 'v2';

export interface SignRequestInput {
  method: string;
  /** Path plus `?query`, exactly as the request will be sent. */
  path: string;
  /** The body exactly as it will be sent. An object is signed as `JSON.stringify(body)`, as the published sample does. */
  body?: string | Uint8Array | object | undefined;
  secret: string;
  /** Unix time in milliseconds; default `Date.now()`. */
  timestamp?: number | undefined;
  /** `v1` (default, the published sample) or `v2` (unambiguous; recommended). */
  version?: SignatureVersion | undefined;
  /** Header names; default `X-Pelago-Timestamp` / `X-Pelago-Signature`. */
  headers?: { timestamp?: string; signature?: string } | undefined;
}

/**
 * Client helper: the two headers that sign one request. v1 is byte-identical to the published client sample.
 * @example
 * const headers = signRequest({ method: 'POST', path: '/v1/payments', body: json, secret, version: 'v2' });
 * // { 'X-Pelago-Timestamp': '1764043200000', 'X-Pelago-Signature': 'v2=…' }
 */
export function signRequest(input: SignRequestInput): Record<string, string> {
  const timestamp = String(input.timestamp ?? Date.now());
  const body =
    typeof input.body === 'string' || input.body instanceof Uint8Array || input.body === undefined
      ? input.body
      : JSON.stringify(input.body);
  const version = input.version ?? 'v1';
  if (version !== 'v1' && version !== 'v2') throw new TypeError('signRequest: "version" must be "v1" or "v2"');
  const signature = (version === 'v2' ? signV2 : signV1)(
    hmacKey(input.secret),
    timestamp,
    input.method,
    input.path,
    body,
  );
  const hex = Buffer.from(signature, 'latin1').toString('hex');
  return {
    [input.headers?.timestamp ?? DEFAULT_TIMESTAMP_HEADER]: timestamp,
    [input.headers?.signature ?? DEFAULT_SIGNATURE_HEADER]: version === 'v2' ? `v2=${hex}` : hex,
  };
}

import type { KeyObject } from 'node:crypto';
import { hmacSha256, safeEqualBytes } from './crypto.js';

export const DEFAULT_TIMESTAMP_HEADER = 'X-Pelago-Timestamp';
export const DEFAULT_SIGNATURE_HEADER = 'X-Pelago-Signature';

const DIGITS = /^[0-9]{1,16}$/;
/** Below this a timestamp is taken to be in seconds, not milliseconds (1e11 ms is March 1973). */
const SECONDS_THRESHOLD = 1e11;

export type SignableBody = string | Uint8Array | undefined;

/** The exact bytes signed: `${timestamp}.${METHOD}.${path}.${body}`, with the body's raw bytes. */
function signature(secret: string | KeyObject, timestamp: string, method: string, path: string, body: SignableBody): Buffer {
  return hmacSha256(secret, `${timestamp}.${method.toUpperCase()}.${path}.`, body ?? '');
}

export interface SignRequestInput {
  method: string;
  /** Path plus `?query`, exactly as the request will be sent. */
  path: string;
  /** The body exactly as it will be sent. An object is signed as `JSON.stringify(body)`, as the published sample does. */
  body?: string | Uint8Array | object | undefined;
  secret: string;
  /** Unix time in milliseconds; default `Date.now()`. */
  timestamp?: number | undefined;
  /** Header names; default `X-Pelago-Timestamp` / `X-Pelago-Signature`. */
  headers?: { timestamp?: string; signature?: string } | undefined;
}

/** Client helper: the two headers that sign one request. Byte-identical to the published client sample. */
export function signRequest(input: SignRequestInput): Record<string, string> {
  const timestamp = String(input.timestamp ?? Date.now());
  const body = typeof input.body === 'string' || input.body instanceof Uint8Array || input.body === undefined
    ? input.body
    : JSON.stringify(input.body);
  return {
    [input.headers?.timestamp ?? DEFAULT_TIMESTAMP_HEADER]: timestamp,
    [input.headers?.signature ?? DEFAULT_SIGNATURE_HEADER]: signature(input.secret, timestamp, input.method, input.path, body).toString('hex'),
  };
}

export type TimestampCheck =
  | { ok: true; timestampMs: number }
  | { ok: false; reason: 'missing' | 'malformed' | 'seconds' | 'too-old' | 'too-new' };

/** Checks that `raw` is Unix milliseconds within `windowMs` of `now`, either side. */
export function checkTimestamp(raw: string | undefined, now: number, windowMs: number): TimestampCheck {
  if (raw === undefined || raw === '') return { ok: false, reason: 'missing' };
  if (!DIGITS.test(raw)) return { ok: false, reason: 'malformed' };
  const timestampMs = Number(raw);
  if (timestampMs < SECONDS_THRESHOLD) return { ok: false, reason: 'seconds' };
  if (timestampMs < now - windowMs) return { ok: false, reason: 'too-old' };
  if (timestampMs > now + windowMs) return { ok: false, reason: 'too-new' };
  return { ok: true, timestampMs };
}

const HEX_64 = /^[0-9a-fA-F]{64}$/;

/** Whether `value` has the shape of a signature: 64 hex digits, either case, and nothing else. */
export function isSignatureShape(value: string): boolean {
  // A regex, not Buffer hex decoding: that reads only the low byte of each character, so 'İ' (U+0130)
  // would pass as '0' and one signature would have many spellings, each new to the replay cache.
  return HEX_64.test(value);
}

// The presented signature's bytes, decoded right before each synchronous comparison (no allocation per request).
const presentedBytes = Buffer.alloc(32);

/**
 * Verifies a signature over the raw body. An empty body also accepts a signature over `{}`, because clients
 * that copy the published sample sign `JSON.stringify({})` for requests without a body.
 * `presented` must have passed `isSignatureShape`.
 */
export function verifySignature(
  presented: string,
  secret: string | KeyObject,
  timestamp: string,
  method: string,
  path: string,
  body: SignableBody,
): boolean {
  presentedBytes.write(presented, 'hex');
  if (safeEqualBytes(presentedBytes, signature(secret, timestamp, method, path, body))) return true;
  const empty = body === undefined || body.length === 0;
  return empty && safeEqualBytes(presentedBytes, signature(secret, timestamp, method, path, '{}'));
}

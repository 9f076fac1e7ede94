import { KeygateError } from '../errors.js';
import { hmacKeyOf, secretsAt } from '../keys/secrets.js';
import type { Configuration } from '../options.js';
import { singleHeader } from '../request/single-header.js';
import type { KeyRecord, RequestInput } from '../types.js';
import { byteLength } from './body.js';
import { readBody } from './read-body.js';
import { checkTimestamp, type TimestampCheck } from './timestamp.js';
import { parseSignature, signatureMatches } from './compare.js';

/** A verified signature, to be remembered until `expiresAt` (Unix ms). */
export interface VerifiedSignature {
  id: string;
  expiresAt: number;
}

// Remembered past the window by this much, for instances whose clocks run behind this one's.
const CLOCK_SKEW_MARGIN_MS = 60_000;

/**
 * The signature headers of a key-pair request: `undefined` when it is unsigned and that is allowed, the
 * presented headers otherwise (checked by `checkSignature`, which may have to read the body).
 */
export function signatureHeaders(request: RequestInput, config: Configuration): SignatureHeaders | undefined {
  const { signatures, timestampHeader, signatureHeader } = config.keypair;
  const timestamp = singleHeader(request.headers, timestampHeader, 32);
  const signature = singleHeader(request.headers, signatureHeader, 256);
  if (timestamp === undefined && signature === undefined) {
    if (signatures !== 'required') return undefined;
    throw new KeygateError('INVALID_SIGNATURE', {
      message: 'This endpoint requires a request signature.',
      details: { reason: 'missing' },
    });
  }
  return { timestamp, signature };
}

/** `null`: repeated or over-long (present, but not usable); `undefined`: absent. */
export interface SignatureHeaders {
  timestamp: string | null | undefined;
  signature: string | null | undefined;
}

/** Checks the presented signature of `record`'s request; the signature to remember, or throws the rejection. */
export async function checkSignature(
  request: RequestInput,
  headers: SignatureHeaders,
  record: KeyRecord,
  now: number,
  config: Configuration,
): Promise<VerifiedSignature> {
  const { timestamp, signature: header } = headers;
  const time: TimestampCheck =
    timestamp === null ? { ok: false, reason: 'malformed' } : checkTimestamp(timestamp, now, config.replayWindowMs);
  if (!time.ok) {
    const details = { reason: time.reason, serverTimeMs: now, windowMs: config.replayWindowMs };
    throw new KeygateError('TIMESTAMP_OUT_OF_RANGE', {
      ...(time.reason === 'seconds' && { message: 'Request timestamp must be Unix time in milliseconds.' }),
      details: time.timestampMs === undefined ? details : { ...details, skewMs: time.timestampMs - now },
    });
  }
  const presented = typeof header === 'string' ? parseSignature(header) : undefined;
  if (presented === undefined) {
    throw new KeygateError('INVALID_SIGNATURE', {
      details: { reason: header === undefined || header === '' ? 'missing' : 'malformed' },
    });
  }
  if (!config.keypair.signatureVersions.has(presented.version))
    throw new KeygateError('INVALID_SIGNATURE', { details: { reason: 'version' } });

  const body = await readBody(request, config.maxBodyBytes, config.bodyTimeoutMs);
  const method = request.method.toUpperCase();
  // v1 cannot tell the query from the body: a signed GET or HEAD carries no body, so nothing can move into one.
  if (presented.version === 'v1' && (method === 'GET' || method === 'HEAD') && byteLength(body) > 0) {
    throw new KeygateError('INVALID_SIGNATURE', { details: { reason: 'body-not-allowed' } });
  }
  const signed = { timestamp: timestamp as string, method, target: request.target, body };
  // During a rotation, a signature under any secret that has not ended is good.
  if (!secretsAt(record, now).some((secret) => signatureMatches(presented, hmacKeyOf(secret), signed))) {
    throw new KeygateError('INVALID_SIGNATURE', { details: { reason: 'mismatch' } });
  }
  return { id: presented.hex, expiresAt: time.timestampMs + config.replayWindowMs + CLOCK_SKEW_MARGIN_MS };
}

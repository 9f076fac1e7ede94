import { createSecretKey, type KeyObject } from 'node:crypto';
import { splitAuthorization } from './authorization.js';
import { isPending, whenSettled } from './awaitable.js';
import { parseBasicCredentials } from './basic.js';
import { secretMatches, sha256, sha256Hex } from './crypto.js';
import { KeygateError, type ErrorCode } from './errors.js';
import { singleHeader } from './headers.js';
import { parseKeyPair } from './keypair.js';
import { resolveOptions, type Configuration, type KeygateOptions } from './options.js';
import { setRateLimitHeaders } from './rate-limit-headers.js';
import { requestIdFor } from './request-id.js';
import { checkTimestamp, isSignatureShape, verifySignature, type SignableBody } from './signature.js';
import { guardedStoreCall } from './store-guard.js';
import type { AuthContext, Awaitable, KeyRecord, RateLimit, RateLimitResult, RequestInput, Scheme } from './types.js';

export type VerifyResult =
  | { ok: true; auth: AuthContext; requestId: string; headers: Record<string, string> }
  | { ok: false; error: KeygateError; requestId: string; headers: Record<string, string> };

export interface Verifier {
  /** Verifies one request. Never throws for anything the client sent; every rejection is a `KeygateError`. */
  verify(request: RequestInput): Promise<VerifyResult>;
  /** The resolved configuration (read-only). */
  readonly config: Readonly<Configuration>;
}

// Compared against when a public key is unknown, so that path costs what a wrong secret costs.
const DUMMY_SECRET_DIGEST = sha256(`sk_live_${'0'.repeat(32)}`);

/** Creates a verifier. Options are validated here, once; a bad option throws a `TypeError` naming it. */
export function createVerifier(options: KeygateOptions): Verifier {
  const config = resolveOptions(options);

  async function verify(request: RequestInput): Promise<VerifyResult> {
    const headers = request.headers;
    const authorization = singleHeader(headers, 'authorization', config.maxHeaderLength);
    const secretHeader = singleHeader(headers, config.secretHeader, config.maxHeaderLength);
    // An oversized or repeated credential header is never decoded, so it cannot be checked against the id either.
    const checkable = authorization !== null && secretHeader !== null;
    const requestId = requestIdFor(headers, config.trustRequestId && checkable, authorization, secretHeader);
    const responseHeaders: Record<string, string> = { 'x-request-id': requestId };

    try {
      const pending = identify(authorization, secretHeader);
      // In-memory stores answer with values: awaiting only promises keeps microtasks off the hot path.
      const identified = isPending(pending) ? await pending : pending;
      if (typeof identified === 'string') return rejection(identified, requestId, responseHeaders);
      const { record, scheme } = identified;

      const now = Math.floor(config.now());
      const refused = refusal(record, now);
      if (refused !== undefined) return rejection(refused, requestId, responseHeaders);

      let signed = false;
      if (scheme === 'keypair' && config.signatures !== 'off') {
        const checked = checkSignature(request, record, now);
        const outcome = isPending(checked) ? await checked : checked;
        if (outcome !== true && outcome !== false) return rejection(outcome, requestId, responseHeaders);
        signed = outcome;
      }

      const limit = record.rateLimit ?? config.rateLimit;
      if (limit !== false) {
        const hit = applyRateLimit(record.id, limit, now, responseHeaders);
        const allowed = isPending(hit) ? await hit : hit;
        if (!allowed) return rejection('RATE_LIMIT_EXCEEDED', requestId, responseHeaders);
      }

      const auth: AuthContext = {
        scheme,
        keyId: record.id,
        tenantId: record.tenantId,
        environment: record.environment,
        scopes: record.scopes ?? null,
        signed,
        requestId,
      };
      return { ok: true, auth, requestId, headers: responseHeaders };
    } catch (error) {
      if (error instanceof KeygateError) return rejection(error, requestId, responseHeaders);
      // A key store or body reader that threw: a server-side fault, never a crash or a leaked detail.
      config.onStoreError(error);
      return rejection('AUTH_UNAVAILABLE', requestId, responseHeaders);
    }
  }

  /** Why a key that was found and proven is refused all the same, if it is. */
  function refusal(record: KeyRecord, now: number): ErrorCode | undefined {
    if (record.revoked === true || (record.expiresAt !== undefined && record.expiresAt <= now)) return 'INVALID_API_KEY';
    if (record.tenantStatus !== 'active') return 'TENANT_INACTIVE';
    if (record.environment !== null && !config.environments.has(record.environment)) return 'ENVIRONMENT_MISMATCH';
    return undefined;
  }

  /** The rejection for `error`, carrying the request id and the headers gathered so far. */
  function rejection(error: KeygateError | ErrorCode, requestId: string, responseHeaders: Record<string, string>): VerifyResult {
    const failure = typeof error === 'string' ? new KeygateError(error) : error;
    failure.requestId = requestId;
    failure.headers = { ...responseHeaders, ...failure.headers };
    if (failure.status === 401) failure.headers['www-authenticate'] = config.wwwAuthenticate;
    return { ok: false, error: failure, requestId, headers: failure.headers };
  }

  function identify(authorization: string | null | undefined, secretHeader: string | null | undefined): Awaitable<Identified> {
    if (typeof authorization !== 'string') return 'INVALID_API_KEY';
    const parts = splitAuthorization(authorization);
    if (parts === undefined) return 'INVALID_API_KEY';

    if (parts.scheme === 'basic' && config.basic) {
      const parsed = parseBasicCredentials(parts.credentials, config.allowBasicPassword);
      if (!parsed.ok) return 'INVALID_API_KEY';
      const found = config.keyStore.findByKeyHash(sha256Hex(parsed.key));
      return whenSettled(found, basicIdentity);
    }

    if (parts.scheme === 'bearer' && config.keypair) {
      const parsed = parseKeyPair(parts.credentials, secretHeader);
      if (!parsed.ok) return parsed.code;
      if (!config.environments.has(parsed.environment)) return 'ENVIRONMENT_MISMATCH';
      const found = config.keyStore.findByPublicKey(parsed.publicKey);
      if (!isPending(found)) return keyPairIdentity(found, parsed.secretKey);
      return Promise.resolve(found).then((record) => keyPairIdentity(record, parsed.secretKey));
    }
    return 'INVALID_API_KEY';
  }

  /**
   * `true` signed and valid, `false` unsigned and allowed, or the rejection. Synchronous unless the body
   * has to be read or the replay store answers with a promise.
   */
  function checkSignature(request: RequestInput, record: KeyRecord, now: number): Awaitable<boolean | KeygateError> {
    const timestamp = singleHeader(request.headers, config.timestampHeader, 32);
    const signature = singleHeader(request.headers, config.signatureHeader, 256);
    if (timestamp === undefined && signature === undefined) {
      return config.signatures === 'required'
        ? new KeygateError('INVALID_SIGNATURE', { message: 'This endpoint requires a request signature.', details: { reason: 'missing' } })
        : false;
    }
    // `null` is a repeated or over-long header: present, but not usable.
    const time = timestamp === null ? ({ ok: false, reason: 'malformed' } as const) : checkTimestamp(timestamp, now, config.replayWindowMs);
    if (!time.ok) {
      const message = time.reason === 'seconds' ? 'Request timestamp must be Unix time in milliseconds.' : undefined;
      return new KeygateError('TIMESTAMP_OUT_OF_RANGE', { ...(message && { message }), details: { reason: time.reason } });
    }
    if (typeof signature !== 'string' || !isSignatureShape(signature)) {
      return new KeygateError('INVALID_SIGNATURE', { details: { reason: signature === undefined || signature === '' ? 'missing' : 'malformed' } });
    }
    const signed = { record, timestamp: timestamp as string, timestampMs: time.timestampMs, signature };
    const body = readBody(request);
    if (!isPending(body)) return checkSigned(request, signed, body, now);
    return Promise.resolve(body).then((bytes) => checkSigned(request, signed, bytes, now));
  }

  function checkSigned(request: RequestInput, signed: SignedHeaders, body: SignableBody, now: number): Awaitable<boolean | KeygateError> {
    const { record, timestamp, timestampMs, signature } = signed;
    if (!verifySignature(signature, hmacKeyFor(record), timestamp, request.method, request.target, body)) {
      return new KeygateError('INVALID_SIGNATURE', { details: { reason: 'mismatch' } });
    }
    // Remembered until the timestamp leaves the window (after that the timestamp check refuses it anyway),
    // plus a margin for instances whose clocks run behind this one's.
    const ttlMs = timestampMs + config.replayWindowMs - now + CLOCK_SKEW_MARGIN_MS;
    const fresh = guardedStoreCall(config.replayStore, config.fallbackReplayStore, config.onStoreError, (store) =>
      store.remember(`${record.id}:${signature.toLowerCase()}`, ttlMs),
    );
    return whenSettled(fresh, replayOutcome);
  }

  /** The raw body, checked against the size cap; a value when the request carries it, else a promise. */
  function readBody(request: RequestInput): Awaitable<SignableBody> {
    if (typeof request.body !== 'function') return checkBodySize(request.body);
    let pending: Promise<SignableBody>;
    try {
      pending = Promise.resolve(request.body());
    } catch (error) {
      pending = Promise.reject(error);
    }
    return pending.then(checkBodySize, (error: unknown) => {
      if (error instanceof KeygateError) throw error;
      // The client went away or sent a broken body: nothing to verify against.
      throw new KeygateError('INVALID_SIGNATURE', { details: { reason: 'body-unreadable' } });
    });
  }

  function checkBodySize(body: SignableBody): SignableBody {
    if (body !== undefined && (typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength) > config.maxBodyBytes) {
      throw new KeygateError('BODY_TOO_LARGE', { details: { maxBytes: config.maxBodyBytes } });
    }
    return body;
  }

  /** Counts the request and sets its rate-limit headers on `headers`; whether it was admitted. */
  function applyRateLimit(keyId: string, limit: RateLimit, now: number, headers: Record<string, string>): Awaitable<boolean> {
    const windowMs = Math.ceil(limit.windowSeconds * 1000); // stores take whole milliseconds
    const result = guardedStoreCall(config.rateLimitStore, config.fallbackRateLimitStore, config.onStoreError, (store) =>
      store.hit(keyId, limit.limit, windowMs, now),
    );
    if (!isPending(result)) return admitted(result, limit, now, headers);
    return Promise.resolve(result).then((answer) => admitted(answer, limit, now, headers));
  }

  return { verify, config };
}

const CLOCK_SKEW_MARGIN_MS = 60_000;

type Identified = { record: KeyRecord; scheme: Scheme } | ErrorCode;

function basicIdentity(record: KeyRecord | undefined): Identified {
  return record?.kind === 'basic' ? { record, scheme: 'basic' } : 'INVALID_API_KEY';
}

/** Checks the presented secret even when the public key is unknown, so both failures cost the same. */
function keyPairIdentity(record: KeyRecord | undefined, presentedSecret: string): Identified {
  const stored = record?.secretKeyDigest ?? (record?.secretKey !== undefined ? sha256(record.secretKey) : DUMMY_SECRET_DIGEST);
  const matches = secretMatches(presentedSecret, stored);
  return record?.kind === 'keypair' && matches ? { record, scheme: 'keypair' } : 'INVALID_API_KEY';
}

interface SignedHeaders {
  record: KeyRecord;
  timestamp: string;
  timestampMs: number;
  signature: string;
}

function admitted(result: RateLimitResult, limit: RateLimit, now: number, headers: Record<string, string>): boolean {
  // A store that answers something else is broken: fail closed (503) rather than guess.
  if (typeof result?.allowed !== 'boolean' || !Number.isFinite(result.remaining) || !Number.isFinite(result.resetAt)) {
    throw new TypeError('rate-limit store: hit() must answer { allowed: boolean, remaining: number, resetAt: number }');
  }
  setRateLimitHeaders(headers, limit, result, now);
  return result.allowed;
}

function replayOutcome(fresh: boolean): true | KeygateError {
  if (fresh === true) return true;
  if (fresh === false) return new KeygateError('REPLAYED_REQUEST');
  // A store that answers something else is broken: fail closed (503) rather than let a replay through.
  throw new TypeError('replay store: remember() must answer true or false');
}

// A prepared HMAC key per key record saves the key setup on every signed request.
const hmacKeys = new WeakMap<KeyRecord, KeyObject>();

function hmacKeyFor(record: KeyRecord): KeyObject {
  let key = hmacKeys.get(record);
  if (key === undefined) hmacKeys.set(record, (key = createSecretKey(Buffer.from(record.secretKey ?? '', 'utf8'))));
  return key;
}

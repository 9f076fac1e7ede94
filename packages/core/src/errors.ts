import type { DecisionReason } from './observe/reasons.js';

/** Every code keygate answers with, and the HTTP status that goes with it. */
export const ERROR_STATUS = {
  INVALID_API_KEY: 401,
  TENANT_INACTIVE: 401,
  ENVIRONMENT_MISMATCH: 401,
  INVALID_SIGNATURE: 401,
  TIMESTAMP_OUT_OF_RANGE: 401,
  REPLAYED_REQUEST: 401,
  INVALID_TOKEN: 401,
  INSUFFICIENT_SCOPE: 403,
  REQUEST_TIMEOUT: 408,
  BODY_TOO_LARGE: 413,
  RATE_LIMIT_EXCEEDED: 429,
  TOO_MANY_FAILED_ATTEMPTS: 429,
  RAW_BODY_UNAVAILABLE: 500,
  AUTH_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Why a signature was refused (`INVALID_SIGNATURE`). */
export type SignatureFailure =
  | 'missing'
  | 'malformed'
  | 'version'
  | 'body-not-allowed'
  | 'body-unreadable'
  | 'mismatch';

/** Why a timestamp was refused (`TIMESTAMP_OUT_OF_RANGE`). */
export type TimestampFailure = 'missing' | 'malformed' | 'seconds' | 'too-old' | 'too-new';

/** Why a JWT was refused (`INVALID_TOKEN`). */
export type TokenFailure =
  | 'malformed'
  | 'expired'
  | 'not-yet-valid'
  | 'signature'
  | 'issuer'
  | 'audience'
  | 'algorithm'
  | 'unknown-key'
  | 'missing-claim';

/** The `details` of each code: `switch (error.code)` narrows them. */
export interface ErrorDetails {
  INVALID_API_KEY: Record<string, never>;
  TENANT_INACTIVE: Record<string, never>;
  ENVIRONMENT_MISMATCH: Record<string, never>;
  INVALID_SIGNATURE: { reason: SignatureFailure };
  /** `skewMs` = client timestamp − server time; present when the timestamp could be read. `windowMs` is the half-width. */
  TIMESTAMP_OUT_OF_RANGE: { reason: TimestampFailure; serverTimeMs: number; windowMs: number; skewMs?: number };
  REPLAYED_REQUEST: Record<string, never>;
  INVALID_TOKEN: { reason: TokenFailure };
  INSUFFICIENT_SCOPE: { missingScopes: string[]; requiredScopes: string[] };
  REQUEST_TIMEOUT: { timeoutMs: number };
  BODY_TOO_LARGE: { maxBytes: number };
  RATE_LIMIT_EXCEEDED: Record<string, never>;
  TOO_MANY_FAILED_ATTEMPTS: Record<string, never>;
  RAW_BODY_UNAVAILABLE: Record<string, never>;
  AUTH_UNAVAILABLE: Record<string, never>;
}

/** The client-facing messages. None of them ever includes a credential. */
const DEFAULT_MESSAGES: Record<ErrorCode, string> = {
  INVALID_API_KEY: 'Invalid or revoked API key.',
  TENANT_INACTIVE: 'The account this API key belongs to is inactive.',
  ENVIRONMENT_MISMATCH: 'The API key environment is not accepted here.',
  INVALID_SIGNATURE: 'Invalid request signature.',
  TIMESTAMP_OUT_OF_RANGE: 'Request timestamp is missing or outside the allowed window.',
  REPLAYED_REQUEST: 'This request signature was already used.',
  INVALID_TOKEN: 'Invalid or expired access token.',
  INSUFFICIENT_SCOPE: 'The API key lacks a scope this endpoint requires.',
  REQUEST_TIMEOUT: 'The request body did not arrive in time.',
  BODY_TOO_LARGE: 'Request body is too large to verify.',
  RATE_LIMIT_EXCEEDED: 'Rate limit exceeded.',
  TOO_MANY_FAILED_ATTEMPTS: 'Too many failed authentication attempts; try again later.',
  // The fix is for the operator (logger, `onDecision`), not for the API client.
  RAW_BODY_UNAVAILABLE: 'The server cannot verify this request.',
  AUTH_UNAVAILABLE: 'Authentication is temporarily unavailable.',
};

type DetailsArgument<C extends ErrorCode> =
  ErrorDetails[C] extends Record<string, never> ? { details?: ErrorDetails[C] } : { details: ErrorDetails[C] };

export type KeygateErrorOptions<C extends ErrorCode> = DetailsArgument<C> & {
  message?: string;
  requestId?: string;
  headers?: Record<string, string>;
  /** The internal cause, for `onDecision` only (default: the one the code implies). */
  reason?: DecisionReason;
  /** A misconfiguration: what the operator must change (for the logger and `onDecision`, never the client). */
  fix?: string;
};

/**
 * A request that keygate rejects. Carries everything an adapter needs to answer: status, code, a safe
 * message, details typed by code, the request id and the headers to set (`WWW-Authenticate`, rate-limit
 * headers, …). `expose` tells Koa-style error handlers whether the message is for the client (not for 5xx).
 */
export class KeygateError<C extends ErrorCode = ErrorCode> extends Error {
  override readonly name = 'KeygateError';
  readonly code: C;
  readonly status: (typeof ERROR_STATUS)[C];
  readonly statusCode: (typeof ERROR_STATUS)[C];
  readonly expose: boolean;
  readonly details: Readonly<ErrorDetails[C]>;
  requestId: string;
  headers: Record<string, string>;
  /** The internal cause given by the refusal site, for `onDecision`. Not enumerable, and never in `toJSON()`. */
  declare readonly reason?: DecisionReason;
  /** A misconfiguration's fix, for the operator. Not enumerable, and never in `toJSON()`. */
  declare readonly fix?: string;

  constructor(
    code: C,
    ...[options]: ErrorDetails[C] extends Record<string, never> ? [KeygateErrorOptions<C>?] : [KeygateErrorOptions<C>]
  ) {
    super(options?.message ?? DEFAULT_MESSAGES[code]);
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.statusCode = this.status;
    this.expose = this.status < 500;
    this.details = (options?.details ?? {}) as ErrorDetails[C];
    this.requestId = options?.requestId ?? '';
    this.headers = options?.headers ?? {};
    // Not enumerable: an app that spreads or logs the error's fields does not hand the cause to the client.
    if (options?.reason !== undefined) Object.defineProperty(this, 'reason', { value: options.reason });
    if (options?.fix !== undefined) Object.defineProperty(this, 'fix', { value: options.fix });
  }

  /** The JSON envelope from the design, ready to serialise. */
  toJSON(): ErrorEnvelope<C> {
    return {
      success: false,
      error: { message: this.message, code: this.code, details: this.details },
      requestId: this.requestId,
    };
  }
}

/** A `KeygateError` of any one code: narrowing on `code` narrows `details`. */
export type AnyKeygateError = { [C in ErrorCode]: KeygateError<C> }[ErrorCode];

export interface ErrorEnvelope<C extends ErrorCode = ErrorCode> {
  success: false;
  error: { message: string; code: C; details: Readonly<ErrorDetails[C]> };
  requestId: string;
}

export function isKeygateError(value: unknown): value is AnyKeygateError {
  return value instanceof KeygateError;
}

/** Every code keygate answers with, and the HTTP status that goes with it. */
export const ERROR_STATUS = {
  INVALID_API_KEY: 401,
  TENANT_INACTIVE: 401,
  ENVIRONMENT_MISMATCH: 401,
  INVALID_SIGNATURE: 401,
  TIMESTAMP_OUT_OF_RANGE: 401,
  REPLAYED_REQUEST: 401,
  INSUFFICIENT_SCOPE: 403,
  BODY_TOO_LARGE: 413,
  RATE_LIMIT_EXCEEDED: 429,
  RAW_BODY_UNAVAILABLE: 500,
  AUTH_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** The client-facing messages. None of them ever includes a credential. */
const DEFAULT_MESSAGES: Record<ErrorCode, string> = {
  INVALID_API_KEY: 'Invalid or revoked API key.',
  TENANT_INACTIVE: 'The account this API key belongs to is inactive.',
  ENVIRONMENT_MISMATCH: 'The API key environment is not accepted here.',
  INVALID_SIGNATURE: 'Invalid request signature.',
  TIMESTAMP_OUT_OF_RANGE: 'Request timestamp is missing or outside the allowed window.',
  REPLAYED_REQUEST: 'This request signature was already used.',
  INSUFFICIENT_SCOPE: 'The API key lacks a scope this endpoint requires.',
  BODY_TOO_LARGE: 'Request body is too large to verify.',
  RATE_LIMIT_EXCEEDED: 'Rate limit exceeded.',
  RAW_BODY_UNAVAILABLE: 'Server misconfiguration: the raw request body is not available to verify the signature.',
  AUTH_UNAVAILABLE: 'Authentication is temporarily unavailable.',
};

/**
 * A request that keygate rejects. Carries everything an adapter needs to answer: status, code, a safe
 * message, details, the request id and the headers to set (`WWW-Authenticate`, rate-limit headers, …).
 * `expose` tells Koa-style error handlers that the message is safe to show the client.
 */
export class KeygateError extends Error {
  override readonly name = 'KeygateError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly statusCode: number;
  readonly expose = true;
  readonly details: Readonly<Record<string, unknown>>;
  requestId: string;
  headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    options: { message?: string; details?: Record<string, unknown>; requestId?: string; headers?: Record<string, string> } = {},
  ) {
    super(options.message ?? DEFAULT_MESSAGES[code]);
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.statusCode = this.status;
    this.details = options.details ?? {};
    this.requestId = options.requestId ?? '';
    this.headers = options.headers ?? {};
  }

  /** The JSON envelope from the design, ready to serialise. */
  toJSON(): ErrorEnvelope {
    return {
      success: false,
      error: { message: this.message, code: this.code, details: this.details },
      requestId: this.requestId,
    };
  }
}

export interface ErrorEnvelope {
  success: false;
  error: { message: string; code: ErrorCode; details: Readonly<Record<string, unknown>> };
  requestId: string;
}

export function isKeygateError(value: unknown): value is KeygateError {
  return value instanceof KeygateError;
}

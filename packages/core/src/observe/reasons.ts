import type { KeygateError } from '../errors.js';

/**
 * Why a request was refused, for the operator only (`onDecision`, logs): the client's answer never says which.
 * A closed list, so dashboards and alerts can match on it.
 */
export type DecisionReason =
  /** No `Authorization` header. */
  | 'missing-credentials'
  /** An `Authorization` scheme no enabled scheme reads (e.g. `Digest`, or `Bearer` of something else). */
  | 'unsupported-scheme'
  /** Credentials that cannot be read: bad Basic encoding, a password where none is allowed, a repeated or over-long header, a pair of the wrong shape. */
  | 'malformed'
  /** A generated key (`pk_`/`sk_` + checksum) whose checksum is wrong: a typo or a guess, refused before any lookup. */
  | 'checksum'
  /** No such key (or a token signed by a key the JWKS does not have). */
  | 'unknown-key'
  /** A key pair whose public key is known but whose secret is wrong. */
  | 'bad-secret'
  | 'revoked'
  /** The key (or the token) has expired. */
  | 'expired'
  | 'tenant-suspended'
  /** `ENVIRONMENT_MISMATCH`: pk/sk prefixes disagree, or the environment is not accepted here. */
  | 'environment'
  | 'signature-missing'
  | 'signature-malformed'
  | 'signature-version'
  /** A v1 signature on a GET or HEAD with a body. */
  | 'signature-body-not-allowed'
  /** The client went away or sent a broken body while it was read to check the signature. */
  | 'body-unreadable'
  /** A signature (or a token's signature) that does not verify. */
  | 'bad-signature'
  | 'timestamp'
  | 'replay'
  | 'rate-limited'
  | 'too-many-failed-attempts'
  | 'insufficient-scope'
  | 'body-too-large'
  | 'body-timeout'
  /** The app is misconfigured (a body parser before keygate kept no raw body); the event's `fix` says what to change. */
  | 'raw-body-unavailable'
  /** A key store or decision store failed, or answered nonsense (503, or admitted through `failOpen`'s fallback). */
  | 'store-error'
  /** The in-memory replay table is full (503). */
  | 'store-full'
  /** JWT only (`INVALID_TOKEN`'s `details.reason`): the token is not valid yet. */
  | 'not-yet-valid'
  | 'issuer'
  | 'audience'
  | 'algorithm'
  | 'missing-claim';

/** `INVALID_SIGNATURE`'s `details.reason` → the event's reason. */
const SIGNATURE_REASONS: Record<string, DecisionReason> = {
  missing: 'signature-missing',
  malformed: 'signature-malformed',
  version: 'signature-version',
  'body-not-allowed': 'signature-body-not-allowed',
  'body-unreadable': 'body-unreadable',
  mismatch: 'bad-signature',
};

/** `INVALID_TOKEN`'s `details.reason` (JWT) → the event's reason. */
const TOKEN_REASONS: Record<string, DecisionReason> = {
  malformed: 'malformed',
  expired: 'expired',
  'not-yet-valid': 'not-yet-valid',
  signature: 'bad-signature',
  issuer: 'issuer',
  audience: 'audience',
  algorithm: 'algorithm',
  'unknown-key': 'unknown-key',
  'missing-claim': 'missing-claim',
};

/** The reason of codes that have only one. */
const CODE_REASONS: Record<string, DecisionReason> = {
  TENANT_INACTIVE: 'tenant-suspended',
  ENVIRONMENT_MISMATCH: 'environment',
  TIMESTAMP_OUT_OF_RANGE: 'timestamp',
  REPLAYED_REQUEST: 'replay',
  INSUFFICIENT_SCOPE: 'insufficient-scope',
  REQUEST_TIMEOUT: 'body-timeout',
  BODY_TOO_LARGE: 'body-too-large',
  RATE_LIMIT_EXCEEDED: 'rate-limited',
  TOO_MANY_FAILED_ATTEMPTS: 'too-many-failed-attempts',
  RAW_BODY_UNAVAILABLE: 'raw-body-unavailable',
  AUTH_UNAVAILABLE: 'store-error',
};

/** The internal reason of a rejection: the one its refusal site gave, else the one its code and details imply. */
export function reasonOf(error: KeygateError): DecisionReason {
  if (error.reason !== undefined) return error.reason;
  const detail = (error.details as { reason?: unknown }).reason;
  const code: string = error.code;
  if (code === 'INVALID_SIGNATURE' && typeof detail === 'string') return SIGNATURE_REASONS[detail] ?? 'bad-signature';
  if (code === 'INVALID_TOKEN') return (typeof detail === 'string' && TOKEN_REASONS[detail]) || 'malformed';
  return CODE_REASONS[code] ?? 'malformed';
}

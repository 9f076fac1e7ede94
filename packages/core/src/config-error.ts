/** The stable codes of `KeygateConfigError`: match on these, not on messages. */
export type ConfigErrorCode =
  /** The options (or a group of them) are not an object. */
  | 'ERR_KEYGATE_OPTIONS_NOT_OBJECT'
  /** An option keygate does not have (the message lists the known ones). */
  | 'ERR_KEYGATE_OPTION_UNKNOWN'
  /** An option of an earlier version (the message names where it went). */
  | 'ERR_KEYGATE_OPTION_MOVED'
  /** An option of the wrong type or out of range (the message says what it must be). */
  | 'ERR_KEYGATE_INVALID_VALUE'
  /** A rate limit too large for the memory store's byte bound. */
  | 'ERR_KEYGATE_LIMIT_TOO_LARGE'
  /** An adapter given both a verifier and verifier options. */
  | 'ERR_KEYGATE_VERIFIER_CONFLICT'
  /** `failedAuthLimit` with a decision store that cannot count failures. */
  | 'ERR_KEYGATE_STORE_UNSUPPORTED';

/**
 * A mistake in keygate's configuration, thrown when a verifier, a middleware or a store is built (never per
 * request). `code` is stable; the message names the option and says what to change. A `TypeError`, so
 * existing `instanceof TypeError` checks keep working.
 */
export class KeygateConfigError extends TypeError {
  override readonly name = 'KeygateConfigError';
  readonly code: ConfigErrorCode;

  constructor(code: ConfigErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

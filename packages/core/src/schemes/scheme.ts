import type { Awaitable, IncomingHeaders, KeyRecord, Scheme } from '../types.js';

/** The `Authorization` header split into its scheme name (lower-cased) and credentials. */
export interface AuthorizationParts {
  scheme: string;
  credentials: string;
  /** The header was longer than `maxHeaderLength`: `credentials` is empty, never decoded; a scheme may still claim it to refuse it. */
  oversized?: true;
}

/**
 * One way of presenting a credential. A verifier asks each enabled scheme, in order, whether it claims the
 * `Authorization` header; the first that does identifies the key. Adding a scheme is one file and one entry
 * in `schemes/index.ts`.
 */
export interface CredentialScheme {
  readonly name: Scheme;
  /** Its `WWW-Authenticate` challenge for `realm`. */
  challenge(realm: string): string;
  /** The challenge of a 401 for credentials this scheme claimed, when it differs (RFC 6750 `error="invalid_token"`). */
  refusedChallenge?(realm: string): string;
  /** Whether this scheme reads these credentials (e.g. `Bearer pk_…` is a key pair). */
  claims(authorization: AuthorizationParts): boolean;
  /**
   * The key record the credentials prove at `now` (Unix ms, the verifier's clock), or throws the
   * `KeygateError` to answer. Unknown and wrong credentials must cost the same and answer the same (no key
   * enumeration).
   */
  identify(authorization: AuthorizationParts, headers: IncomingHeaders, now: number): Awaitable<KeyRecord>;
}

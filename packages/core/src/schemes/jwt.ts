/** JWT bearer tokens: `Authorization: Bearer <header>.<payload>.<signature>`, verified with jose. */
import { tokenRecord } from '../jwt/identity.js';
import type { JwtConfiguration } from '../jwt/options.js';
import { invalidToken, verifyJwt } from '../jwt/verify.js';
import type { KeyStore } from '../types.js';
import type { CredentialScheme } from './scheme.js';

// Three base64url parts; the signature may be empty (`alg: none`), so that such a token is refused as a token.
const COMPACT_JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * The JWT scheme: a Bearer credential of three base64url parts (`pk_…` stays a key pair). The token's length is
 * capped before any parsing by `maxHeaderLength`: an over-long Bearer header is refused here as `malformed`.
 */
export function jwtScheme(config: JwtConfiguration, keyStore: KeyStore): CredentialScheme {
  return {
    name: 'jwt',
    challenge: (realm) => `Bearer realm="${realm}"`,
    refusedChallenge: (realm) => `Bearer realm="${realm}", error="invalid_token"`,
    claims: (authorization) =>
      authorization.scheme === 'bearer' &&
      (authorization.oversized === true || COMPACT_JWT.test(authorization.credentials)),
    async identify(authorization, _headers, now) {
      if (authorization.oversized === true) throw invalidToken('malformed');
      const claims = await verifyJwt(authorization.credentials, config, now);
      return tokenRecord(claims, config, keyStore);
    },
  };
}

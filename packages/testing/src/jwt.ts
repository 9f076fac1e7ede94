import { exportJWK, generateKeyPair, SignJWT, type JSONWebKeySet, type JWTPayload } from 'jose';

/** The asymmetric algorithms keygate accepts by default. */
export type TestJwtAlgorithm = 'ES256' | 'RS256' | 'EdDSA';

export interface TestJwtIssuerOptions {
  /** `iss` of every token. Default `https://issuer.test`. */
  issuer?: string;
  /** `aud` of every token. Default `keygate-test`. */
  audience?: string;
  /** Default `ES256`. */
  algorithm?: TestJwtAlgorithm;
  /** `kid` in the token header and the JWKS. Default `test-key-1`. */
  kid?: string;
  /** The signing clock in Unix ms (`iat`, `exp`); give the verifier's `now` when it is a test clock. */
  now?: () => number;
}

/** What a token is issued for. */
export interface TestJwtClaims {
  /** `sub`: the key id keygate reports and rate-limits by. */
  subject: string;
  /** The tenant claim (`tenant_id`, keygate's default `tenantClaim`). */
  tenant?: string;
  /** Granted scopes, sent as the space-separated `scope` claim. */
  scopes?: string[];
  /** Lifetime from the issuer's clock. Default 300 s; a negative value makes an expired token. */
  expiresInSeconds?: number;
  /** Any other claims (they override the ones above). */
  claims?: JWTPayload;
}

/** A local token issuer: a fresh key pair, its public JWKS for the verifier, and `sign()`. */
export interface TestJwtIssuer {
  readonly issuer: string;
  readonly audience: string;
  readonly algorithm: TestJwtAlgorithm;
  /** The public key set to configure keygate with (or to serve as `/.well-known/jwks.json`). */
  readonly jwks: JSONWebKeySet;
  /** A signed JWT (compact form), to send as `{ scheme: 'jwt', token }`. */
  sign(claims: TestJwtClaims): Promise<string>;
}

/**
 * Makes a signing key with jose and signs tokens as a real identity provider would, with no network.
 * @example
 * const idp = await createTestJwtIssuer();
 * const token = await idp.sign({ subject: 'svc_reports', tenant: 'acme', scopes: ['payments:read'] });
 */
export async function createTestJwtIssuer(options: TestJwtIssuerOptions = {}): Promise<TestJwtIssuer> {
  const issuer = options.issuer ?? 'https://issuer.test';
  const audience = options.audience ?? 'keygate-test';
  const algorithm = options.algorithm ?? 'ES256';
  const kid = options.kid ?? 'test-key-1';
  const now = options.now ?? Date.now;
  const { privateKey, publicKey } = await generateKeyPair(algorithm, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: algorithm, use: 'sig' };
  return {
    issuer,
    audience,
    algorithm,
    jwks: { keys: [jwk] },
    async sign(claims) {
      const issuedAt = Math.floor(now() / 1000);
      const payload: JWTPayload = {
        ...(claims.tenant !== undefined && { tenant_id: claims.tenant }),
        ...(claims.scopes !== undefined && { scope: claims.scopes.join(' ') }),
        ...claims.claims,
      };
      return new SignJWT(payload)
        .setProtectedHeader({ alg: algorithm, kid, typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(claims.subject)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + (claims.expiresInSeconds ?? 300))
        .sign(privateKey);
    },
  };
}

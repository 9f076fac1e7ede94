/**
 * Signing keys and tokens for the JWT tests, made with jose as an identity provider would make them, plus the
 * hand-built tokens no honest issuer makes (`alg: none`, an HMAC token keyed with an RSA public key, huge headers).
 */
import { createPublicKey, KeyObject, sign } from 'node:crypto';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';

export const ISSUER = 'https://issuer.test';
export const AUDIENCE = 'https://api.test';

export type TestAlgorithm = 'RS256' | 'ES256' | 'EdDSA';
type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

export interface SigningKey {
  alg: TestAlgorithm;
  kid: string;
  privateKey: PrivateKey;
  /** The public half as a JWK with `kid`, `alg` and `use`, as a JWKS publishes it. */
  publicJwk: JWK;
  /** The public half as PEM (SPKI). */
  publicPem: string;
}

export async function signingKey(alg: TestAlgorithm, kid = `${alg.toLowerCase()}-1`): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return {
    alg,
    kid,
    privateKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' },
    publicPem: await exportSPKI(publicKey),
  };
}

/** Claims of a valid token at `now` (Unix ms): issuer, audience, subject, tenant, scopes, issued now, 1 h life. */
export function claimsAt(now: number, overrides: JWTPayload = {}): JWTPayload {
  const seconds = Math.floor(now / 1000);
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'user_42',
    tenant_id: 'acme',
    scope: 'payments:read payments:write',
    iat: seconds,
    exp: seconds + 3600,
    ...overrides,
  };
}

/** A token signed by `key` (its `kid` in the header unless `header` says otherwise). */
export function signToken(key: SigningKey, claims: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header })
    .sign(key.privateKey);
}

const base64url = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** `alg: none`: header and payload, an empty signature. */
export function unsecuredToken(claims: JWTPayload): string {
  return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`;
}

/** The algorithm-confusion attack: HS256, keyed with the RSA public key's PEM text (what a naive verifier would use). */
export function hmacWithPublicKey(key: SigningKey, claims: JWTPayload): Promise<string> {
  const secret = new TextEncoder().encode(
    createPublicKey(key.publicPem).export({ format: 'pem', type: 'spki' }).toString(),
  );
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: 'JWT' }).sign(secret);
}

/** A token whose header holds an array of `elements` elements (signature is garbage: it must be refused before). */
export function hugeHeaderToken(elements: number, claims: JWTPayload): string {
  return `${base64url({ alg: 'ES256', kid: 'es256-1', x: new Array(elements).fill(0) })}.${base64url(claims)}.${'A'.repeat(86)}`;
}

/** A syntactically plausible token of about `bytes` bytes. */
export function hugeToken(bytes: number, claims: JWTPayload): string {
  return `${base64url({ alg: 'ES256', kid: 'es256-1' })}.${base64url({ ...claims, pad: 'x'.repeat(bytes) })}.${'A'.repeat(86)}`;
}

/**
 * A token signed by `key` over exactly the header and payload text given, which jose would refuse to make (an
 * unknown critical header, duplicate claims).
 */
export function signRawToken(key: SigningKey, header: Record<string, unknown>, payload: string): string {
  const input = `${base64url({ alg: key.alg, kid: key.kid, ...header })}.${Buffer.from(payload).toString('base64url')}`;
  const digest = key.alg === 'EdDSA' ? null : 'sha256';
  const signature = sign(digest, Buffer.from(input), {
    key: KeyObject.from(key.privateKey),
    dsaEncoding: 'ieee-p1363',
  });
  return `${input}.${signature.toString('base64url')}`;
}

// The JWT of the bench: one fixed ES256 key (a bench key, never a real one), the `jwt` option that trusts it,
// and one token signed with it, the same in every process (server, load generator, micro runner).
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { SignJWT } from 'jose';

const PRIVATE_JWK = {
  kty: 'EC',
  crv: 'P-256',
  x: 'VWHqnjCv0gLPTMKouwfg2UQ62o28LIkcUhqzt9fDF0A',
  y: 'iRsQC8z9WIrIUMHW4MOOAoVYh9QR9iKCDxkOZJvB5Zg',
  d: 'M21_RgQPOlvBUcbO9PzI88BFPC_5yxYxrMoin6xMaVs',
};
const KID = 'bench-es256';
const privateKey = createPrivateKey({ key: PRIVATE_JWK, format: 'jwk' });
const publicJwk = { ...createPublicKey(privateKey).export({ format: 'jwk' }), kid: KID, alg: 'ES256', use: 'sig' };

/** keygate's `jwt` option for the bench issuer (a local key set: no network in the measurement). */
export const JWT_OPTIONS = { jwks: { keys: [publicJwk] }, issuer: 'https://issuer.bench', audience: 'keygate-bench' };

/** Valid for a year from now: the micro runner's clock moves 1 s per call. */
export const JWT_TOKEN = await new SignJWT({ tenant_id: 'acme', scope: 'payments:read payments:write' })
  .setProtectedHeader({ alg: 'ES256', kid: KID, typ: 'JWT' })
  .setIssuer(JWT_OPTIONS.issuer)
  .setAudience(JWT_OPTIONS.audience)
  .setSubject('bench_user')
  .setIssuedAt()
  .setExpirationTime('365d')
  .sign(privateKey);

export const JWT_AUTHORIZATION = `Bearer ${JWT_TOKEN}`;

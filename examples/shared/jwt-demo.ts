/**
 * JWT bearer tokens in the examples. With `KEYGATE_JWKS_URL` (and the issuer and audience) the servers verify
 * tokens of your own issuer. With none of the `KEYGATE_JWT…`/`KEYGATE_JWKS_URL` variables set, they make a demo
 * issuer: an ES256 key generated at start, its public key set served at `/.well-known/jwks.json`, and a demo
 * token printed in a ready-to-paste `curl`.
 */
import type { JwtOptions } from '@keygate/core';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { RequestListener } from 'node:http';
import { SignJWT, type JWK } from 'jose';

/** The `KEYGATE_JWT…` variables, or `undefined` when none is set (then the demo issuer is used). */
export interface JwtEnv {
  jwksUrl: string;
  issuer: string;
  audience: string;
  tenantClaim: string | undefined;
}

export const JWKS_PATH = '/.well-known/jwks.json';
const DEMO_ISSUER = 'https://keygate.example/demo-issuer';
const DEMO_AUDIENCE = 'keygate-example';
/** What the demo token may do: every demo route. */
const DEMO_SCOPES = 'payments:read payments:write settlements:read refunds:write';
const DEMO_LIFETIME_SECONDS = 3600;

/** Reads the JWT variables; throws an Error naming a variable that is missing or invalid. */
export function jwtEnv(env: NodeJS.ProcessEnv): JwtEnv | undefined {
  const names = ['KEYGATE_JWKS_URL', 'KEYGATE_JWT_ISSUER', 'KEYGATE_JWT_AUDIENCE', 'KEYGATE_JWT_TENANT_CLAIM'];
  if (names.every((name) => !env[name])) return undefined;
  for (const name of names.slice(0, 3)) {
    if (!env[name]) throw new Error(`${name} must be set with the other JWT variables (${names.join(', ')})`);
  }
  return {
    jwksUrl: env.KEYGATE_JWKS_URL!,
    issuer: env.KEYGATE_JWT_ISSUER!,
    audience: env.KEYGATE_JWT_AUDIENCE!,
    tenantClaim: env.KEYGATE_JWT_TENANT_CLAIM || undefined,
  };
}

/** The `jwt` option for your own issuer. */
export function jwtOptions(config: JwtEnv): JwtOptions {
  const { jwksUrl, issuer, audience, tenantClaim } = config;
  return { jwksUrl, issuer, audience, ...(tenantClaim && { tenantClaim }) };
}

/** The demo issuer: its key, the `jwt` option that trusts it, and the token it signs for tenant acme. */
export interface JwtDemo {
  options: JwtOptions;
  jwks: { keys: JWK[] };
  /** A token for tenant acme with every demo scope, valid for an hour from now. */
  token(): Promise<string>;
}

export function jwtDemo(): JwtDemo {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = `demo-${Date.now().toString(36)}`;
  const jwks = { keys: [{ ...(publicKey.export({ format: 'jwk' }) as JWK), kid, alg: 'ES256', use: 'sig' }] };
  return {
    // The verifier uses the key set directly; the served copy is for clients and other tools.
    options: { jwks, issuer: DEMO_ISSUER, audience: DEMO_AUDIENCE },
    jwks,
    token: () => demoToken(privateKey, kid),
  };
}

function demoToken(privateKey: KeyObject, kid: string): Promise<string> {
  return new SignJWT({ tenant_id: 'acme', scope: DEMO_SCOPES })
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
    .setIssuer(DEMO_ISSUER)
    .setAudience(DEMO_AUDIENCE)
    .setSubject('demo-user')
    .setIssuedAt()
    .setExpirationTime(`${DEMO_LIFETIME_SECONDS}s`)
    .sign(privateKey);
}

/** Serves the demo key set at `/.well-known/jwks.json` (public, like an issuer's), in front of the app. */
export function serveJwks(jwks: { keys: JWK[] }, handler: RequestListener): RequestListener {
  const body = JSON.stringify(jwks);
  return (req, res) => {
    if ((req.method === 'GET' || req.method === 'HEAD') && req.url?.split('?')[0] === JWKS_PATH) {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' });
      return void res.end(req.method === 'HEAD' ? undefined : body);
    }
    handler(req, res);
  };
}

/** The banner lines of the demo issuer. */
export function jwtDemoCommands(baseUrl: string, token: string): string {
  return [
    `# JWT bearer token (demo issuer: ES256 key made at start, public keys at ${baseUrl}${JWKS_PATH}; tenant acme, valid 1 h)`,
    `curl -H "Authorization: Bearer ${token}" ${baseUrl}/v1/payments`,
    '# your own issuer instead: KEYGATE_JWKS_URL, KEYGATE_JWT_ISSUER, KEYGATE_JWT_AUDIENCE (and KEYGATE_JWT_TENANT_CLAIM)',
    '',
  ].join('\n');
}

import type { Verifier } from '../verifier.js';
import { securityDescriptionOf, type SecurityDescription } from './description.js';

/** An OpenAPI 3.1 Security Scheme Object, of the kinds keygate uses. */
export type OpenApiSecurityScheme =
  | { type: 'http'; scheme: 'basic' | 'bearer'; bearerFormat?: string; description: string }
  | { type: 'apiKey'; in: 'header'; name: string; description: string };

/** An OpenAPI Security Requirement Object: scheme name → scopes (OpenAPI 3.1 allows them on any scheme type). */
export type OpenApiSecurityRequirement = Record<string, string[]>;

const NAMES = {
  basic: 'keygateBasic',
  publicKey: 'keygatePublicKey',
  secretKey: 'keygateSecretKey',
  signature: 'keygateSignature',
  timestamp: 'keygateSignatureTimestamp',
  jwt: 'keygateJwt',
} as const;

const keyPrefixes = (kind: 'pk' | 'sk', d: SecurityDescription) =>
  d.environments.map((env) => `${kind}_${env}_…`).join(' or ');

/**
 * `components.securitySchemes` for what the verifier accepts: HTTP Basic (the API key as the username), the key
 * pair (the public key as a bearer token, the secret and the signature headers as `apiKey` headers) and HTTP
 * bearer with `bearerFormat: JWT` when JWTs are accepted. Names start with `keygate`.
 * @example
 * const doc = { openapi: '3.1.0', info, paths, components: { securitySchemes: openApiSecuritySchemes(verifier) } };
 */
export function openApiSecuritySchemes(verifier: Verifier): Record<string, OpenApiSecurityScheme> {
  const d = securityDescriptionOf(verifier);
  const schemes: Record<string, OpenApiSecurityScheme> = {};
  if (d.basic) {
    schemes[NAMES.basic] = {
      type: 'http',
      scheme: 'basic',
      description: `API key as the Basic username with an empty password (\`curl -u "${keyPrefixes('pk', d)}:"\`).`,
    };
  }
  if (d.keypair) {
    const k = d.keypair;
    schemes[NAMES.publicKey] = {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: keyPrefixes('pk', d),
      description: `Public key of a key pair, sent with its secret key in \`${k.secretHeader}\`.`,
    };
    schemes[NAMES.secretKey] = {
      type: 'apiKey',
      in: 'header',
      name: k.secretHeader,
      description: `Secret key of the pair (${keyPrefixes('sk', d)}); its environment must match the public key's.`,
    };
    if (k.signatures !== 'off') {
      const signed = `Signatures are ${k.signatures === 'required' ? 'required' : 'optional (verified when sent)'}.`;
      schemes[NAMES.signature] = {
        type: 'apiKey',
        in: 'header',
        name: k.signatureHeader,
        description: `${signed} HMAC-SHA256 keyed with the secret key, lower-case hex. ${versions(k.signatureVersions)} Each signature is accepted once.`,
      };
      schemes[NAMES.timestamp] = {
        type: 'apiKey',
        in: 'header',
        name: k.timestampHeader,
        description: `Unix time in milliseconds of the signature; accepted within ±${k.replayWindowSeconds} s of the server's clock.`,
      };
    }
  }
  if (d.jwt) {
    schemes[NAMES.jwt] = {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'A JWT from the configured issuer; its `scope` (or `scp`) claim grants the scopes.',
    };
  }
  return schemes;
}

function versions(accepted: readonly string[]): string {
  const v2 = 'v2: `v2=<hex>` over `v2\\n{timestamp}\\n{METHOD}\\n{path?query}\\n{sha256 hex of the body}`.';
  const v1 = 'v1: `<hex>` over `{timestamp}.{METHOD}.{path?query}.{body}`.';
  return accepted.map((version) => (version === 'v2' ? v2 : v1)).join(' ');
}

/**
 * A route's `security`: one alternative per accepted scheme, each requiring `scopes` (a key without a scope list
 * is unrestricted). Goes with `openApiSecuritySchemes(verifier)` and the route's `requireScopes(...scopes)`.
 * @example
 * paths['/v1/payments'].post.security = openApiSecurity(verifier, 'payments:write');
 */
export function openApiSecurity(verifier: Verifier, ...scopes: string[]): OpenApiSecurityRequirement[] {
  const d = securityDescriptionOf(verifier);
  const requirements: OpenApiSecurityRequirement[] = [];
  if (d.basic) requirements.push({ [NAMES.basic]: [...scopes] });
  if (d.keypair) {
    const pair: OpenApiSecurityRequirement = { [NAMES.publicKey]: [...scopes], [NAMES.secretKey]: [] };
    if (d.keypair.signatures === 'required') Object.assign(pair, { [NAMES.signature]: [], [NAMES.timestamp]: [] });
    requirements.push(pair);
  }
  if (d.jwt) requirements.push({ [NAMES.jwt]: [...scopes] });
  return requirements;
}

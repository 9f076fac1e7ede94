/** The `jwt` option: where the verification keys come from, what a token must say, and which claims mean what. */
import type { KeyObject } from 'node:crypto';
import type { JSONWebKeySet, JWK, JWTVerifyOptions } from 'jose';
import { KeygateConfigError, type ConfigErrorCode } from '../config-error.js';
import { keySource, type TokenKey } from './key-source.js';

/** Where the keys that verify tokens come from: exactly one of these. */
export type JwtKeySource =
  | {
      /** The issuer's JWKS endpoint (fetched, cached, refetched for a new `kid`). */
      jwksUrl: string | URL;
      jwks?: never;
      publicKeys?: never;
      secret?: never;
    }
  | {
      /** A JWKS held locally: `{ keys: [...] }`. */
      jwks: JSONWebKeySet;
      jwksUrl?: never;
      publicKeys?: never;
      secret?: never;
    }
  | {
      /** Public keys: PEM (SPKI or certificate), JWK or `KeyObject`. */
      publicKeys: readonly PublicKeyInput[];
      jwksUrl?: never;
      jwks?: never;
      secret?: never;
    }
  | {
      /** A shared HMAC secret (≥ 32 bytes): the only way HS256/384/512 are accepted. */
      secret: string | Uint8Array;
      jwksUrl?: never;
      jwks?: never;
      publicKeys?: never;
    };

/** A public key as `publicKeys` takes it. */
export type PublicKeyInput = string | JWK | KeyObject;

/** Options of the `jwt` scheme (`Authorization: Bearer <JWT>`). */
export type JwtOptions = JwtKeySource & {
  /** Accepted `iss` value(s). Required unless `unsafeAcceptAnyIssuer`. */
  issuer?: string | readonly string[];
  /** Accepted `aud` value(s) (a token's `aud` must contain one). Required unless `unsafeAcceptAnyAudience`. */
  audience?: string | readonly string[];
  /** UNSAFE: accept a token from any issuer the keys verify (only when the keys belong to one issuer alone). */
  unsafeAcceptAnyIssuer?: boolean;
  /** UNSAFE: accept a token minted for any audience (a token for another service then works here too). */
  unsafeAcceptAnyAudience?: boolean;
  /** `alg` values accepted. Default `['RS256', 'ES256', 'EdDSA']`, or `['HS256']` with `secret`. `none` never. */
  algorithms?: readonly string[];
  /** Leeway for `exp`, `nbf` and `iat` against the verifier's clock, in seconds. Default 5. */
  clockToleranceSeconds?: number;
  /** Claim naming the tenant. Default `tenant_id`. */
  tenantClaim?: string;
  /** Claim holding the scopes (a space-separated string or an array). Default: `scope`, else `scp`. */
  scopeClaim?: string;
  /** Claim holding the environment (`test` or `live`). Default: none (`auth.environment` is `null`). */
  environmentClaim?: string;
  /** `jwksUrl`: least time between two fetches caused by an unknown `kid`, in seconds. Default 30. */
  jwksCooldownSeconds?: number;
  /** `jwksUrl`: longest wait for the JWKS endpoint, in milliseconds (then 503). Default 5000. */
  jwksTimeoutMs?: number;
  /** `jwksUrl`: how long a fetched JWKS is used before it is fetched again, in seconds. Default 600. */
  jwksCacheMaxAgeSeconds?: number;
};

/** The `jwt` option resolved once: the key, jose's verify options and the claim names. Internal. */
export interface JwtConfiguration {
  key: TokenKey;
  verifyOptions: JWTVerifyOptions & { algorithms: string[] };
  clockToleranceSeconds: number;
  tenantClaim: string;
  scopeClaim: string | undefined;
  environmentClaim: string | undefined;
}

const JWT_DEFAULTS = {
  algorithms: ['RS256', 'ES256', 'EdDSA'],
  hmacAlgorithms: ['HS256'],
  clockToleranceSeconds: 5,
  tenantClaim: 'tenant_id',
  jwksCooldownSeconds: 30,
  jwksTimeoutMs: 5000,
  jwksCacheMaxAgeSeconds: 600,
} as const;

const ASYMMETRIC = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];
const HMAC = ['HS256', 'HS384', 'HS512'];
const OPTION_NAMES = [
  'jwksUrl',
  'jwks',
  'publicKeys',
  'secret',
  'issuer',
  'audience',
  'unsafeAcceptAnyIssuer',
  'unsafeAcceptAnyAudience',
  'algorithms',
  'clockToleranceSeconds',
  'tenantClaim',
  'scopeClaim',
  'environmentClaim',
  'jwksCooldownSeconds',
  'jwksTimeoutMs',
  'jwksCacheMaxAgeSeconds',
];

function invalid(field: string, message: string, code: ConfigErrorCode = 'ERR_KEYGATE_INVALID_VALUE'): never {
  throw new KeygateConfigError(code, `keygate: option "jwt.${field}" ${message}`);
}

function nonNegative(field: string, value: number | undefined, fallback: number): number {
  const number = value ?? fallback;
  if (typeof number !== 'number' || !Number.isFinite(number) || number < 0) invalid(field, 'must be a number ≥ 0');
  return number;
}

function claimName(field: string, value: string | undefined): string | undefined {
  if (value !== undefined && (typeof value !== 'string' || value === ''))
    invalid(field, 'must be a non-empty claim name');
  return value;
}

/** `issuer`/`audience`: one or more non-empty strings, or explicitly none (`unsafeAcceptAny…`), never silently none. */
function expected(
  field: 'issuer' | 'audience',
  value: string | readonly string[] | undefined,
  acceptAny: boolean | undefined,
): string | string[] | undefined {
  const optOut = `unsafeAcceptAny${field === 'issuer' ? 'Issuer' : 'Audience'}`;
  if (acceptAny !== undefined && typeof acceptAny !== 'boolean') invalid(optOut, 'must be true or false');
  if (acceptAny === true) {
    if (value !== undefined) invalid(optOut, `cannot be set together with "jwt.${field}"`);
    return undefined;
  }
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || list.some((item) => typeof item !== 'string' || item === '')) {
    invalid(field, `is required: a non-empty string or array of them (or "jwt.${optOut}: true", unsafe)`);
  }
  return typeof value === 'string' ? value : [...list];
}

function algorithmsFor(value: readonly string[] | undefined, hmac: boolean): string[] {
  const allowed = hmac ? HMAC : ASYMMETRIC;
  const list = value ?? (hmac ? JWT_DEFAULTS.hmacAlgorithms : JWT_DEFAULTS.algorithms);
  if (!Array.isArray(list) || list.length === 0) invalid('algorithms', 'must be a non-empty array');
  for (const alg of list) {
    if (typeof alg === 'string' && alg.toLowerCase() === 'none') invalid('algorithms', 'may never contain "none"');
    if (!allowed.includes(alg)) {
      const why = hmac ? 'with "jwt.secret" only HMAC algorithms' : 'HMAC algorithms need "jwt.secret"; allowed';
      invalid('algorithms', `contains "${String(alg)}": ${why} (${allowed.join(', ')})`);
    }
  }
  return [...list];
}

/** Validates the `jwt` option once and builds its key source; a bad option throws a `TypeError` naming it. */
export function resolveJwtOptions(options: JwtOptions): JwtConfiguration {
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    invalid('(jwt)', 'must be an object', 'ERR_KEYGATE_OPTIONS_NOT_OBJECT');
  for (const name of Object.keys(options)) {
    if (!OPTION_NAMES.includes(name))
      invalid(name, `is not an option (known: ${OPTION_NAMES.join(', ')})`, 'ERR_KEYGATE_OPTION_UNKNOWN');
  }
  const given = ['jwksUrl', 'jwks', 'publicKeys', 'secret'].filter(
    (name) => (options as Record<string, unknown>)[name] !== undefined,
  );
  if (given.length !== 1) {
    throw new KeygateConfigError(
      'ERR_KEYGATE_INVALID_VALUE',
      `keygate: option "jwt" needs exactly one of "jwksUrl", "jwks", "publicKeys", "secret" (got ${given.length === 0 ? 'none' : given.join(', ')})`,
    );
  }
  const algorithms = algorithmsFor(options.algorithms, options.secret !== undefined);
  const clockToleranceSeconds = nonNegative(
    'clockToleranceSeconds',
    options.clockToleranceSeconds,
    JWT_DEFAULTS.clockToleranceSeconds,
  );
  const issuer = expected('issuer', options.issuer, options.unsafeAcceptAnyIssuer);
  const audience = expected('audience', options.audience, options.unsafeAcceptAnyAudience);
  const key = keySource(options, {
    cooldownMs:
      nonNegative('jwksCooldownSeconds', options.jwksCooldownSeconds, JWT_DEFAULTS.jwksCooldownSeconds) * 1000,
    timeoutMs: Math.ceil(nonNegative('jwksTimeoutMs', options.jwksTimeoutMs, JWT_DEFAULTS.jwksTimeoutMs)),
    cacheMaxAgeMs:
      nonNegative('jwksCacheMaxAgeSeconds', options.jwksCacheMaxAgeSeconds, JWT_DEFAULTS.jwksCacheMaxAgeSeconds) * 1000,
  });
  return {
    key,
    verifyOptions: {
      algorithms,
      clockTolerance: clockToleranceSeconds,
      // A token that never expires is a credential that can never be taken back.
      requiredClaims: ['exp', 'sub'],
      ...(issuer === undefined ? {} : { issuer }),
      ...(audience === undefined ? {} : { audience }),
    },
    clockToleranceSeconds,
    tenantClaim: claimName('tenantClaim', options.tenantClaim) ?? JWT_DEFAULTS.tenantClaim,
    scopeClaim: claimName('scopeClaim', options.scopeClaim),
    environmentClaim: claimName('environmentClaim', options.environmentClaim),
  };
}

/** What a verified token's claims say: who (`sub`, counted per `iss` + `sub`), which tenant, which scopes, which environment. */
import { sha256Hex } from '../crypto.js';
import type { Environment, JwtClaims, KeyRecord, KeyStore } from '../types.js';
import type { JwtConfiguration } from './options.js';
import { invalidToken } from './verify.js';

/** A space-separated string (OAuth `scope`, Azure `scp`) or an array of strings; absent = no scopes. */
function scopesOf(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value.split(' ').filter((scope) => scope !== '');
  if (Array.isArray(value) && value.every((scope) => typeof scope === 'string'))
    return value.filter((scope) => scope !== '');
  throw invalidToken('malformed');
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

/** The record a verified token stands for; its tenant's status comes from the key store when the store knows it. */
export async function tokenRecord(claims: JwtClaims, config: JwtConfiguration, keyStore: KeyStore): Promise<KeyRecord> {
  const tenantId = claims[config.tenantClaim];
  if (!nonEmptyString(claims.sub) || !nonEmptyString(tenantId)) throw invalidToken('missing-claim');
  const granted =
    config.scopeClaim === undefined
      ? (scopesOf(claims.scope) ?? scopesOf(claims.scp))
      : scopesOf(claims[config.scopeClaim]);
  let environment: Environment | null = null;
  if (config.environmentClaim !== undefined) {
    const value = claims[config.environmentClaim];
    if (!nonEmptyString(value)) throw invalidToken('missing-claim');
    // Any other value is an environment this deployment cannot accept: refused as ENVIRONMENT_MISMATCH by refusal().
    environment = value as Environment;
  }
  const tenant = await keyStore.findTenant?.(tenantId);
  return {
    id: claims.sub,
    tenantId,
    tenantStatus: tenant === undefined ? 'active' : tenant.status,
    kind: 'jwt',
    environment,
    // A token grants what it names: no scope claim means no scopes (an API key without a list is unrestricted).
    scopes: granted ?? [],
    // Two issuers may use one `sub`, and a `sub` may equal an API key's id: counted apart, under a digest (no PII in stores).
    rateLimitKey: `jwt:${sha256Hex(JSON.stringify([claims.iss ?? null, claims.sub]))}`,
    claims,
  };
}

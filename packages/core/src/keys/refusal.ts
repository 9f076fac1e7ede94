import type { Environment, KeyRecord } from '../types.js';

/** Why a key that was found and proven is refused all the same, if it is. */
export function refusal(record: KeyRecord, now: number, environments: ReadonlySet<Environment>): 'INVALID_API_KEY' | 'TENANT_INACTIVE' | 'ENVIRONMENT_MISMATCH' | undefined {
  // `!(expiresAt > now)`: an expiry that is not a number (a broken store) ends the key rather than never ending it.
  if (record.revoked === true || (record.expiresAt !== undefined && !(record.expiresAt > now))) return 'INVALID_API_KEY';
  if (record.tenantStatus !== 'active') return 'TENANT_INACTIVE';
  if (record.environment !== null && !environments.has(record.environment)) return 'ENVIRONMENT_MISMATCH';
  return undefined;
}

import { KeygateError } from '../errors.js';
import type { Environment, KeyRecord } from '../types.js';

/** Why a key that was found and proven is refused all the same, if it is: the rejection, with its internal reason. */
export function refusal(
  record: KeyRecord,
  now: number,
  environments: ReadonlySet<Environment>,
): KeygateError | undefined {
  if (record.revoked === true) return new KeygateError('INVALID_API_KEY', { reason: 'revoked' });
  // `!(expiresAt > now)`: an expiry that is not a number (a broken store) ends the key rather than never ending it.
  if (record.expiresAt !== undefined && !(record.expiresAt > now))
    return new KeygateError('INVALID_API_KEY', { reason: 'expired' });
  if (record.tenantStatus !== 'active') return new KeygateError('TENANT_INACTIVE');
  if (record.environment !== null && !environments.has(record.environment))
    return new KeygateError('ENVIRONMENT_MISMATCH');
  return undefined;
}

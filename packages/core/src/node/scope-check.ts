import { randomUUID } from 'node:crypto';
import { KeygateConfigError } from '../config-error.js';
import { KeygateError } from '../errors.js';
import { insufficientScopeChallenge } from '../jwt/scope-challenge.js';
import { missingScopes } from '../scopes.js';
import type { AuthContext } from '../types.js';

/**
 * Builds the check behind `requireScopes(...)`: `undefined` when `auth` holds every required scope, otherwise
 * the 403 `INSUFFICIENT_SCOPE` with the missing scopes in `details`. Validates the scope list once.
 */
export function scopeCheck(required: readonly string[]): (auth: AuthContext | undefined) => KeygateError | undefined {
  if (required.length === 0 || required.some((scope) => typeof scope !== 'string' || scope === '')) {
    throw new KeygateConfigError(
      'ERR_KEYGATE_INVALID_VALUE',
      'requireScopes: pass one or more non-empty scope strings',
    );
  }
  const scopes = [...required];
  return (auth) => {
    // No auth means the verifier did not run before this route: refuse rather than open the route.
    if (auth === undefined) {
      const requestId = randomUUID();
      return new KeygateError('INVALID_API_KEY', { requestId, headers: { 'x-request-id': requestId } });
    }
    const missing = missingScopes(auth.scopes, scopes);
    if (missing.length === 0) return undefined;
    const headers: Record<string, string> = { 'x-request-id': auth.requestId };
    const challenge = insufficientScopeChallenge(auth, scopes);
    if (challenge !== undefined) headers['www-authenticate'] = challenge;
    const refusal = new KeygateError('INSUFFICIENT_SCOPE', {
      details: { missingScopes: missing, requiredScopes: scopes },
      requestId: auth.requestId,
      headers,
      ...(auth.scheme === 'jwt' ? { message: 'The access token lacks a scope this endpoint requires.' } : {}),
    });
    return refusal;
  };
}

import { randomUUID } from 'node:crypto';
import { KeygateError } from './errors.js';
import type { AuthContext } from './types.js';

/** The scopes in `required` that `granted` lacks; `null` granted means unrestricted. */
export function missingScopes(granted: readonly string[] | null, required: readonly string[]): string[] {
  if (granted === null) return [];
  return required.filter((scope) => !granted.includes(scope));
}

/**
 * Builds a check for a route: returns `undefined` when `auth` holds every required scope, otherwise the
 * 403 `INSUFFICIENT_SCOPE` error with the missing scopes in `details`. Validates the scope list once.
 */
export function scopeCheck(required: readonly string[]): (auth: AuthContext | undefined) => KeygateError | undefined {
  if (required.length === 0 || required.some((scope) => typeof scope !== 'string' || scope === '')) {
    throw new TypeError('requireScopes: pass one or more non-empty scope strings');
  }
  const scopes = [...required];
  return (auth) => {
    // No auth means the verifier did not run before this route: refuse rather than open the route.
    const missing = auth === undefined ? scopes : missingScopes(auth.scopes, scopes);
    if (missing.length === 0) return undefined;
    const requestId = auth?.requestId ?? randomUUID();
    return new KeygateError(auth === undefined ? 'INVALID_API_KEY' : 'INSUFFICIENT_SCOPE', {
      details: auth === undefined ? {} : { missingScopes: missing, requiredScopes: scopes },
      requestId,
      headers: { 'x-request-id': requestId },
    });
  };
}

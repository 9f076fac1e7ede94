/**
 * RFC 6750's 403 challenge for a token that lacks a scope. `requireScopes` sees only `auth`, so the verifier
 * remembers the realm of each JWT identity it hands out (weakly: gone with the request).
 */
import type { AuthContext } from '../types.js';

const realms = new WeakMap<AuthContext, string>();

/** Called by the verifier for each JWT identity it admits. */
export function rememberRealm(auth: AuthContext, realm: string): void {
  realms.set(auth, realm);
}

/** `Bearer realm="…", error="insufficient_scope", scope="…"` for a JWT identity; `undefined` for an API key. */
export function insufficientScopeChallenge(auth: AuthContext, required: readonly string[]): string | undefined {
  if (auth.scheme !== 'jwt') return undefined;
  const realm = realms.get(auth);
  const scope = required.join(' ').replace(/["\\]/g, '\\$&');
  return `Bearer ${realm === undefined ? '' : `realm="${realm}", `}error="insufficient_scope", scope="${scope}"`;
}

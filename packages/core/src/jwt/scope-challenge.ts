/**
 * RFC 6750's 403 challenge for a token that lacks a scope. `requireScopes` sees only `auth`, so the verifier
 * writes the realm on each JWT identity it hands out, under a symbol and not enumerable (as `settle`, see
 * observe/deferred.ts: a WeakMap entry per request costs every young-generation collection).
 */
import type { AuthContext } from '../types.js';

const REALM = Symbol('keygate.realm');

/** Called by the verifier for each JWT identity it admits. */
export function rememberRealm(auth: AuthContext, realm: string): void {
  Object.defineProperty(auth, REALM, { value: realm });
}

/** `Bearer realm="…", error="insufficient_scope", scope="…"` for a JWT identity; `undefined` for an API key. */
export function insufficientScopeChallenge(auth: AuthContext, required: readonly string[]): string | undefined {
  if (auth.scheme !== 'jwt') return undefined;
  const realm = (auth as AuthContext & { [REALM]?: string })[REALM];
  const scope = required.join(' ').replace(/["\\]/g, '\\$&');
  return `Bearer ${realm === undefined ? '' : `realm="${realm}", `}error="insufficient_scope", scope="${scope}"`;
}

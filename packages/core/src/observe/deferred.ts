import type { KeygateError } from '../errors.js';
import type { AuthContext, RequestInput } from '../types.js';
import type { VerifyResult } from '../verifier.js';

/**
 * How an adapter verifies a request whose decision may still change: an admitted request can yet be refused by
 * `requireScopes` (403), so its event waits for `settle()` (once the app has answered), or `settle(error)` for
 * that refusal. Only the first call counts. `settle` is absent when there is no `onDecision`: nothing to wait for.
 */
export interface DeferredVerification {
  result: VerifyResult;
  settle?: ((override?: KeygateError) => void) | undefined;
}

/** Where a verifier keeps its deferred `verify` (not part of the public `Verifier` interface). */
export const VERIFY_DEFERRED = Symbol('keygate.verifyDeferred');

export type VerifyDeferred = (request: RequestInput) => Promise<DeferredVerification>;

type Settle = (override?: KeygateError) => void;

// On the identity itself, not in a WeakMap: a WeakMap entry per request is an ephemeron every young-generation
// collection must visit (counted: +48 k instructions of GC per Express request). Not enumerable, so a copy or a
// serialisation of `auth` never carries it.
const SETTLE = Symbol('keygate.settle');

/** Lets `requireScopes`, which sees only `auth`, settle the event of the request it refuses. */
export function awaitScopeCheck(auth: AuthContext, settle: Settle): void {
  Object.defineProperty(auth, SETTLE, { value: settle });
}

/** Called by the scope check for a refusal of an admitted request. */
export function settleRefused(auth: AuthContext, refusal: KeygateError): void {
  (auth as AuthContext & { [SETTLE]?: Settle })[SETTLE]?.(refusal);
}

import type { KeygateError } from '../errors.js';
import type { RequestInput } from '../types.js';
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

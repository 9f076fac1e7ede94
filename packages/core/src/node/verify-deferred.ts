import { VERIFY_DEFERRED, type DeferredVerification, type VerifyDeferred } from '../observe/deferred.js';
import type { RequestInput } from '../types.js';
import type { Verifier } from '../verifier.js';

/** Verifies for an adapter, the decision event left to `settle` (see `DeferredVerification`). */
export function verifyDeferred(verifier: Verifier, request: RequestInput): Promise<DeferredVerification> {
  const deferred = (verifier as { [VERIFY_DEFERRED]?: VerifyDeferred })[VERIFY_DEFERRED];
  if (deferred !== undefined) return deferred(request);
  return verifier.verify(request).then((result) => ({ result }));
}

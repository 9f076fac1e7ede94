/**
 * A `DecisionStore` has no room to remember one more signature. The store never makes room by forgetting a
 * signature still inside its window (that would let it be replayed), so it refuses to decide instead: the
 * verifier answers 503 `AUTH_UNAVAILABLE`, reports the error to `onStoreError`, and never falls back to
 * another store for it. Nothing was counted or remembered for the request that got it.
 * The message tells the operator which bound to raise; it never holds a signature or key.
 */
export class StoreFullError extends Error {
  override readonly name = 'StoreFullError';
}

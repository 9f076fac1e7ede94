import { KeygateError } from './errors.js';

/**
 * Runs a call on a shared store. When it fails, either answers 503 `AUTH_UNAVAILABLE` (fail closed) or runs
 * the same call on an in-process fallback (fail open). The next request tries the shared store again, so
 * recovery needs no restart.
 */
export function guardedStoreCall<S, T>(
  store: S,
  fallback: S | undefined,
  onStoreError: (error: unknown) => void,
  call: (store: S) => Promise<T>,
): Promise<T> {
  let pending: Promise<T>;
  try {
    pending = call(store);
  } catch (error) {
    pending = Promise.reject(error);
  }
  return pending.then(undefined, (error: unknown) => {
    onStoreError(error);
    if (fallback === undefined) throw new KeygateError('AUTH_UNAVAILABLE');
    return call(fallback);
  });
}

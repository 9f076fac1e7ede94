import { isPending } from './awaitable.js';
import { KeygateError } from './errors.js';
import type { Awaitable } from './types.js';

/**
 * Runs a call on a shared store. When it fails, either answers 503 `AUTH_UNAVAILABLE` (fail closed) or runs
 * the same call on an in-process fallback (fail open). The next request tries the shared store again, so
 * recovery needs no restart. A store that answers synchronously is answered synchronously (no microtask).
 */
export function guardedStoreCall<S, T>(
  store: S,
  fallback: S | undefined,
  onStoreError: (error: unknown) => void,
  call: (store: S) => Awaitable<T>,
): Awaitable<T> {
  let answer: Awaitable<T>;
  try {
    answer = call(store);
  } catch (error) {
    return failedOver(error, fallback, onStoreError, call);
  }
  if (!isPending(answer)) return answer;
  return Promise.resolve(answer).then(undefined, (error: unknown) => failedOver(error, fallback, onStoreError, call));
}

function failedOver<S, T>(error: unknown, fallback: S | undefined, onStoreError: (error: unknown) => void, call: (store: S) => Awaitable<T>): Awaitable<T> {
  onStoreError(error);
  if (fallback === undefined) throw new KeygateError('AUTH_UNAVAILABLE');
  return call(fallback);
}

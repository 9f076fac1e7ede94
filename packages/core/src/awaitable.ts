import type { Awaitable } from './types.js';

/** Whether `value` is a promise or any other thenable (what `await` would wait for). */
export function isThenable<T>(value: Awaitable<T>): value is PromiseLike<T> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

/**
 * `next(value)` once `value` is there: at once for a plain value, after it resolves for a thenable. The stores'
 * answers are `Awaitable` (the memory stores answer at once); an `async` function awaiting them would pay a
 * promise and a microtask per call even when there is nothing to wait for.
 */
export function andThen<T, U>(value: Awaitable<T>, next: (value: T) => U): Awaitable<U> {
  return isThenable(value) ? value.then(next) : next(value);
}
